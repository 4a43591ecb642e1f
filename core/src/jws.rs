//! JWS compact serialization (RFC 7515 section 7.1), the part every token type shares: the size limit, exactly
//! three parts, strict base64url, the protected-header members Handoff reads (forbidden ones only detected),
//! and the signature length a key implies. Handoff tokens (`token.rs`) and Cognito access tokens
//! (`access_token.rs`) add their own rules on top.

use crate::keys::Material;
use crate::{Key, b64, json};

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
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JoseHeader {
    pub(crate) alg: Option<String>,
    pub(crate) typ: Option<String>,
    pub(crate) kid: Option<String>,
    forbidden: Option<&'static str>,
}

impl JoseHeader {
    /// Parses a decoded header; `None` unless it is a JSON object with string `alg`/`typ`/`kid` (if present and
    /// not `null`), as serde read it before.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Self> {
        let object = json::parse_object_bytes(bytes)?;
        Some(JoseHeader {
            alg: object.opt_str("alg").ok()?,
            typ: object.opt_str("typ").ok()?,
            kid: object.opt_str("kid").ok()?,
            // A forbidden member counts when present and not `null` (serde read them as `Option<IgnoredAny>`).
            forbidden: FORBIDDEN_HEADERS
                .iter()
                .copied()
                .find(|name| object.present(name).is_some()),
        })
    }

    /// The first forbidden member present, in [`FORBIDDEN_HEADERS`] order.
    pub(crate) fn forbidden(&self) -> Option<&'static str> {
        self.forbidden
    }
}

/// The signature length `key` produces: 64 bytes for Ed25519, the modulus length for RSA.
pub(crate) fn signature_len(key: &Key) -> usize {
    match key.material() {
        Material::Ed25519 { .. } => 64,
        Material::Rsa { n, .. } => n.iter().skip_while(|&&b| b == 0).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::IgnoredAny;

    /// The serde reading the header had before the hand-written reader: the reference for the differential test.
    #[derive(Deserialize)]
    struct SerdeHeader {
        #[serde(default)]
        alg: Option<String>,
        #[serde(default)]
        typ: Option<String>,
        #[serde(default)]
        kid: Option<String>,
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

    fn serde_reading(text: &str) -> Option<JoseHeader> {
        let h: SerdeHeader = serde_json::from_str(text).ok()?;
        let present = [
            h.jku.is_some(),
            h.x5u.is_some(),
            h.jwk.is_some(),
            h.x5c.is_some(),
            h.crit.is_some(),
        ];
        Some(JoseHeader {
            alg: h.alg,
            typ: h.typ,
            kid: h.kid,
            forbidden: FORBIDDEN_HEADERS
                .iter()
                .zip(present)
                .find(|(_, p)| *p)
                .map(|(n, _)| *n),
        })
    }

    #[test]
    fn the_header_reader_reads_what_serde_read() {
        for text in [
            r#"{"alg":"EdDSA","typ":"handoff+jwt","kid":"k1"}"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":null,"typ":null,"kid":null}"#,
            r#"{"alg":"RS256","jku":"https://evil"}"#,
            r#"{"crit":["b64"],"x5c":[],"jwk":{}}"#,
            r#"{"x5u":null,"jku":null}"#,
            r#"{"kid":7}"#,
            r#"{"typ":{"a":1}}"#,
            r#"{"alg":"EdDSA","zip":"DEF","cty":"JWT"}"#,
            r#"{}"#,
            r#""EdDSA""#,
            r#"{"alg":"EdDSA""#,
        ] {
            assert_eq!(JoseHeader::parse(text.as_bytes()), serde_reading(text), "{text}");
        }
    }

    #[test]
    fn an_array_is_not_a_header_though_serde_read_an_empty_one_as_a_header_without_members() {
        for text in ["[]", "[null]", r#"["EdDSA"]"#] {
            assert!(serde_reading(text).is_some(), "{text}");
            assert_eq!(JoseHeader::parse(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn a_repeated_header_member_is_refused() {
        assert_eq!(JoseHeader::parse(br#"{"alg":"EdDSA","alg":"none"}"#), None);
        assert!(serde_reading(r#"{"alg":"EdDSA","alg":"none"}"#).is_none());
        // Stricter than serde: a repeated member serde ignored (not one it reads) is refused too.
        assert_eq!(JoseHeader::parse(br#"{"zip":1,"zip":2}"#), None);
    }
}
