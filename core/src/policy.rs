//! What a verifier accepts: issuer, audiences, lifetime, leeway, algorithms, size. Secure defaults, in the style
//! of jsonwebtoken's `Validation`, but with the clock passed in by the caller.

use crate::Algorithm;
use crate::error::{Error, ErrorKind, err};

/// The largest handoff token anyone accepts (the edge's default policy, the trigger's answer, the page's and the
/// CLI's unverified read): a real one is well under 1 KB.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// Longest lifetime (`exp - iat`) any policy may allow, in seconds.
pub const HARD_MAX_TTL_SECS: u64 = 300;
/// Largest clock leeway any policy may allow, in seconds.
pub const MAX_LEEWAY_SECS: u64 = 5;
/// The `typ` header every handoff token carries.
pub const TOKEN_TYPE: &str = "handoff+jwt";

/// Verification policy. Build with [`Policy::new`]; every field is public and documented with its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The exact `iss` required. Defaults to empty, which [`Policy::check`] rejects: set it.
    pub issuer: String,
    /// Accepted `aud` values (the web app client ids). Defaults to empty, which [`Policy::check`] rejects.
    pub audiences: Vec<String>,
    /// Longest accepted `exp - iat`, in seconds. Defaults to 60; at most [`HARD_MAX_TTL_SECS`].
    pub max_ttl: u64,
    /// Clock leeway for `exp`, `nbf` and `iat`, in seconds. Defaults to 2; at most [`MAX_LEEWAY_SECS`].
    pub leeway: u64,
    /// Algorithms accepted at all; each key still allows only its own. Defaults to EdDSA and RS256.
    pub algorithms: Vec<Algorithm>,
    /// Longest accepted token, in bytes. Defaults to 4096.
    pub max_token_bytes: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            issuer: String::new(),
            audiences: Vec::new(),
            max_ttl: 60,
            leeway: 2,
            algorithms: vec![Algorithm::EdDSA, Algorithm::RS256],
            max_token_bytes: MAX_TOKEN_BYTES,
        }
    }
}

impl Policy {
    /// A policy for this issuer and these audiences, with the defaults for everything else.
    pub fn new(issuer: impl Into<String>, audiences: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Policy {
            issuer: issuer.into(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            ..Policy::default()
        }
    }

    /// Checks the policy itself; [`crate::verify`] calls this and answers `misconfigured` if it fails.
    pub fn check(&self) -> Result<(), Error> {
        if self.issuer.is_empty() {
            return err(ErrorKind::Misconfigured("policy issuer is empty".into()));
        }
        if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
            return err(ErrorKind::Misconfigured(
                "policy needs at least one non-empty audience".into(),
            ));
        }
        if self.max_ttl == 0 || self.max_ttl > HARD_MAX_TTL_SECS {
            return err(ErrorKind::Misconfigured(format!(
                "max_ttl must be 1..={HARD_MAX_TTL_SECS} s"
            )));
        }
        if self.leeway > MAX_LEEWAY_SECS {
            return err(ErrorKind::Misconfigured(format!(
                "leeway must be at most {MAX_LEEWAY_SECS} s"
            )));
        }
        if self.algorithms.is_empty() {
            return err(ErrorKind::Misconfigured("policy allows no algorithm".into()));
        }
        if !(256..=8192).contains(&self.max_token_bytes) {
            return err(ErrorKind::Misconfigured(
                "max_token_bytes must be 256..=8192".into(),
            ));
        }
        Ok(())
    }
}
