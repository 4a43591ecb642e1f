//! The claims of a handoff token, their shape rules, and the time and audience checks against a policy.

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::error::{Error, ErrorKind, err};
use crate::json::{self, ToJson};
use crate::policy::{HARD_MAX_TTL_SECS, Policy};

/// Longest accepted string claim, in bytes.
pub const MAX_CLAIM_LEN: usize = 512;
/// Random bytes in a `jti` minted by [`new_jti`] (128 bits).
pub const JTI_RANDOM_BYTES: usize = 16;

/// The claims of a handoff token (times in Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The edge's issuer URL.
    pub iss: String,
    /// The web app's Cognito client id.
    pub aud: String,
    /// The Cognito user's `sub`.
    pub sub: String,
    /// The Cognito username.
    pub username: String,
    /// The mobile client id that asked for the token.
    pub azp: String,
    /// Issued at.
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expires at.
    pub exp: u64,
    /// Unique token id: at least 128 random bits, base64url.
    pub jti: String,
    /// Where the web app should land after sign-in: a same-origin path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
}

/// A fresh `jti` from caller-supplied random bytes (core has no randomness of its own).
pub fn new_jti(random: [u8; JTI_RANDOM_BYTES]) -> String {
    b64::encode(random)
}

/// Claims as they arrive: every member optional so that a missing one gets its own reason.
#[derive(Debug, PartialEq, Eq, Deserialize)]
pub(crate) struct RawClaims {
    iss: Option<String>,
    aud: Option<String>,
    sub: Option<String>,
    username: Option<String>,
    azp: Option<String>,
    iat: Option<u64>,
    nbf: Option<u64>,
    exp: Option<u64>,
    jti: Option<String>,
    redirect: Option<String>,
}

impl RawClaims {
    /// Reads a decoded payload as serde reads [`RawClaims`]: a JSON object whose known members, when present
    /// and not `null`, are strings or whole numbers; other members are ignored. `None` for anything else (and,
    /// stricter than serde, for a repeated member name).
    pub(crate) fn read(payload: &[u8]) -> Option<RawClaims> {
        let object = json::parse_object_bytes(payload)?;
        let read = || -> Result<RawClaims, json::Mismatch> {
            Ok(RawClaims {
                iss: object.opt_str("iss")?,
                aud: object.opt_str("aud")?,
                sub: object.opt_str("sub")?,
                username: object.opt_str("username")?,
                azp: object.opt_str("azp")?,
                iat: object.opt_u64("iat")?,
                nbf: object.opt_u64("nbf")?,
                exp: object.opt_u64("exp")?,
                jti: object.opt_str("jti")?,
                redirect: object.opt_str("redirect")?,
            })
        };
        read().ok()
    }

    /// Requires every claim Handoff relies on. `nbf` defaults to `iat`.
    pub(crate) fn require(self) -> Result<Claims, Error> {
        fn need<T>(v: Option<T>, name: &'static str) -> Result<T, Error> {
            v.ok_or_else(|| ErrorKind::MissingClaim(name).into())
        }
        let iat = need(self.iat, "iat")?;
        Ok(Claims {
            iss: need(self.iss, "iss")?,
            aud: need(self.aud, "aud")?,
            sub: need(self.sub, "sub")?,
            username: need(self.username, "username")?,
            azp: need(self.azp, "azp")?,
            exp: need(self.exp, "exp")?,
            jti: need(self.jti, "jti")?,
            nbf: self.nbf.unwrap_or(iat),
            iat,
            redirect: self.redirect,
        })
    }
}

impl ToJson for Claims {
    /// The claims as JSON, byte for byte as serde_json writes them (the member order of the struct, `redirect`
    /// only when there is one).
    fn write_json(&self, out: &mut String) {
        let mut w = json::ObjectWriter::new(out);
        w.str("iss", &self.iss)
            .str("aud", &self.aud)
            .str("sub", &self.sub)
            .str("username", &self.username)
            .str("azp", &self.azp)
            .u64("iat", self.iat)
            .u64("nbf", self.nbf)
            .u64("exp", self.exp)
            .str("jti", &self.jti)
            .opt_str("redirect", self.redirect.as_deref());
        w.end();
    }
}

impl Claims {
    /// Shape rules that hold for every token, minted or verified: non-empty bounded strings, a well-formed
    /// `jti`, `iat <= nbf < exp`, and a lifetime within the hard maximum.
    pub fn check_shape(&self) -> Result<(), Error> {
        let strings: [(&'static str, &str); 5] = [
            ("iss", &self.iss),
            ("aud", &self.aud),
            ("sub", &self.sub),
            ("username", &self.username),
            ("azp", &self.azp),
        ];
        for (name, value) in strings {
            if value.is_empty() || value.len() > MAX_CLAIM_LEN || value.chars().any(char::is_control) {
                return err(ErrorKind::InvalidClaim(name));
            }
        }
        let jti_ok = (22..=64).contains(&self.jti.len())
            && self
                .jti
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !jti_ok {
            return err(ErrorKind::InvalidClaim("jti"));
        }
        if self.exp <= self.iat || self.nbf < self.iat || self.nbf >= self.exp {
            return err(ErrorKind::InvalidClaim("exp"));
        }
        if self.exp - self.iat > HARD_MAX_TTL_SECS {
            return err(ErrorKind::LifetimeTooLong);
        }
        if self
            .redirect
            .as_ref()
            .is_some_and(|r| r.is_empty() || r.len() > crate::redirect::MAX_REDIRECT_LEN)
        {
            return err(ErrorKind::InvalidClaim("redirect"));
        }
        Ok(())
    }

    /// Issuer, audience and time checks against `policy` at time `now` (Unix seconds).
    pub(crate) fn check_policy(&self, policy: &Policy, now: u64) -> Result<(), Error> {
        if self.iss != policy.issuer {
            return err(ErrorKind::WrongIssuer);
        }
        if !policy.audiences.contains(&self.aud) {
            return err(ErrorKind::WrongAudience);
        }
        if now >= self.exp.saturating_add(policy.leeway) {
            return err(ErrorKind::Expired);
        }
        if now.saturating_add(policy.leeway) < self.nbf.max(self.iat) {
            return err(ErrorKind::NotYetValid);
        }
        if self.exp.saturating_sub(self.iat) > policy.max_ttl {
            return err(ErrorKind::LifetimeTooLong);
        }
        self.check_shape()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Payloads around every rule of the claims reader: types, `null`, unknown members, odd numbers, not objects.
    pub(crate) const PAYLOADS: &[&str] = &[
        r#"{"iss":"https://e","aud":"web","sub":"s","username":"u","azp":"m","iat":1,"nbf":1,"exp":61,"jti":"j"}"#,
        r#"{"iss":"i","redirect":"/a?b=\"c\"","extra":[1,{"x":null}],"n":-1.5e3}"#,
        r#"{"iss":null,"aud":null,"iat":null,"redirect":null}"#,
        r#"{}"#,
        r#" { "exp" : 18446744073709551615 } "#,
        r#"{"exp":18446744073709551616}"#,
        r#"{"exp":60.0}"#,
        r#"{"exp":-1}"#,
        r#"{"exp":6e1}"#,
        r#"{"exp":"60"}"#,
        r#"{"iss":1}"#,
        r#"{"iss":["i"]}"#,
        r#"{"sub":"\u00e9\ud83d\ude00"}"#,
        r#"[]"#,
        r#""claims""#,
        r#"null"#,
        r#"{"iss":"i"} x"#,
        r#"{"iss":"i""#,
        "",
    ];

    #[test]
    fn the_claims_reader_reads_what_serde_read() {
        for text in PAYLOADS {
            let serde: Option<RawClaims> = serde_json::from_str(text).ok();
            assert_eq!(RawClaims::read(text.as_bytes()), serde, "{text}");
        }
        assert_eq!(RawClaims::read(b"{\"iss\":\"\xff\"}"), None);
    }

    #[test]
    fn a_repeated_claim_is_refused_where_serde_refused_it_too() {
        let twice = br#"{"sub":"a","sub":"b"}"#;
        assert!(serde_json::from_slice::<RawClaims>(twice).is_err());
        assert_eq!(RawClaims::read(twice), None);
    }

    #[test]
    fn claims_are_written_byte_for_byte_as_serde_json_writes_them() {
        let mut claims = Claims {
            iss: "https://edge.example/\"q\"\\".into(),
            aud: "web".into(),
            sub: "sub-\u{1}\u{e9}".into(),
            username: "alice".into(),
            azp: "mobile".into(),
            iat: 0,
            nbf: 1_800_000_000,
            exp: u64::MAX,
            jti: "AAAAAAAAAAAAAAAAAAAAAA".into(),
            redirect: None,
        };
        assert_eq!(claims.to_json(), serde_json::to_string(&claims).unwrap());
        claims.redirect = Some("/inbox?x=<\u{2028}>".into());
        assert_eq!(claims.to_json(), serde_json::to_string(&claims).unwrap());
    }
}
