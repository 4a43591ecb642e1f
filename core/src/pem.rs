//! PEM (RFC 7468) decoding: one labelled base64 block.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::keys::{KeyError, KeyProblem};

/// Decodes the first PEM block and returns its label and DER bytes.
pub(crate) fn decode(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let text = text.trim();
    let begin = text.find("-----BEGIN ").ok_or(KeyProblem::PemNoBegin)?;
    let after = &text[begin + "-----BEGIN ".len()..];
    let label_end = after.find("-----").ok_or(KeyProblem::PemBeginNotClosed)?;
    let label = &after[..label_end];
    let body_and_rest = &after[label_end + 5..];
    let end_line = format!("-----END {label}-----");
    let end = body_and_rest
        .find(&end_line)
        .ok_or_else(|| KeyProblem::PemNoEnd(label.to_owned()))?;
    let body: String = body_and_rest[..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(body).map_err(|_| KeyProblem::PemNotBase64)?;
    Ok((label.to_string(), der))
}
