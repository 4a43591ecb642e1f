//! JWS compact serialization (RFC 7515 section 7.1), the part every token type shares: the size limit, exactly
//! three parts, strict base64url, the protected-header members Handoff reads (forbidden ones only detected),
//! and the signature length a key implies. Handoff tokens (`token.rs`) and Cognito access tokens
//! (`access_token.rs`) add their own rules on top.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::keys::Material;
use crate::{Key, b64};

/// Header members a token may not carry: key hints from the token itself are never followed (RFC 8725 3.10),
/// and no extension is understood (`crit`).
pub const FORBIDDEN_HEADERS: &[&str] = &["jku", "x5u", "jwk", "x5c", "crit"];

/// A token split into its decoded parts. Nothing in it is verified.
pub(crate) struct Compact<'t> {
    /// `header.payload` as sent: the bytes the signature covers.
    pub(crate) signing_input: &'t str,
    pub(crate) header: Vec<u8>,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

/// Why a token could not be split.
pub(crate) enum SplitError {
    /// Longer than `max_bytes`.
    TooLarge { len: usize, max: usize },
    /// Not three strict base64url parts; the text says which.
    Malformed(&'static str),
}

/// Splits `token` and decodes all three parts (so encoding errors are found before any crypto; the payload is
/// parsed only after the signature check).
pub(crate) fn split(token: &str, max_bytes: usize) -> Result<Compact<'_>, SplitError> {
    if token.len() > max_bytes {
        return Err(SplitError::TooLarge {
            len: token.len(),
            max: max_bytes,
        });
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SplitError::Malformed("expected three dot-separated parts"));
    };
    let header = b64::decode(header_b64).ok_or(SplitError::Malformed("header is not base64url"))?;
    let payload = b64::decode(payload_b64).ok_or(SplitError::Malformed("payload is not base64url"))?;
    let signature = b64::decode(signature_b64).ok_or(SplitError::Malformed("signature is not base64url"))?;
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Compact {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// The protected header as it arrives: `alg`, `typ`, `kid` read; forbidden members only detected.
/// Duplicate members are a parse error (parsers disagree on which one wins).
#[derive(Deserialize)]
pub(crate) struct JoseHeader<'a> {
    #[serde(borrow, default)]
    pub(crate) alg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) typ: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) kid: Option<Cow<'a, str>>,
    #[serde(default)]
    jku: Option<IgnoredAny>,
    #[serde(default)]
    x5u: Option<IgnoredAny>,
    #[serde(default)]
    jwk: Option<IgnoredAny>,
    #[serde(default)]
    x5c: Option<IgnoredAny>,
    #[serde(default)]
    crit: Option<IgnoredAny>,
}

impl<'a> JoseHeader<'a> {
    /// Parses a decoded header; `None` unless it is a JSON object with string `alg`/`typ`/`kid` (if present).
    pub(crate) fn parse(bytes: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    /// The first forbidden member present, in [`FORBIDDEN_HEADERS`] order.
    pub(crate) fn forbidden(&self) -> Option<&'static str> {
        let present = [&self.jku, &self.x5u, &self.jwk, &self.x5c, &self.crit];
        FORBIDDEN_HEADERS
            .iter()
            .zip(present)
            .find(|(_, p)| p.is_some())
            .map(|(name, _)| *name)
    }
}

/// The signature length `key` produces: 64 bytes for Ed25519, the modulus length for RSA.
pub(crate) fn signature_len(key: &Key) -> usize {
    match key.material() {
        Material::Ed25519 { .. } => 64,
        Material::Rsa { n, .. } => n.iter().skip_while(|&&b| b == 0).count(),
    }
}
