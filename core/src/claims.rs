//! The claims of a handoff token, their shape rules, and the time and audience checks against a policy.

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::error::{Error, ErrorKind, err};
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
#[derive(Deserialize)]
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
