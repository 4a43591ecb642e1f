//! What a verifier accepts: issuer, audiences, lifetime, leeway, algorithms, size. Secure defaults, in the style
//! of jsonwebtoken's `Validation`, but with the clock passed in by the caller.

use crate::Algorithm;
use crate::error::{Error, ErrorKind, Misconfiguration, err};

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

    /// Checks the policy itself; a [`crate::Verifier`] calls this and answers `misconfigured` if it fails.
    pub fn check(&self) -> Result<(), Error> {
        let problem = if self.issuer.is_empty() {
            Misconfiguration::NoIssuer
        } else if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
            Misconfiguration::NoAudience
        } else if self.max_ttl == 0 || self.max_ttl > HARD_MAX_TTL_SECS {
            Misconfiguration::MaxTtl
        } else if self.leeway > MAX_LEEWAY_SECS {
            Misconfiguration::Leeway
        } else if self.algorithms.is_empty() {
            Misconfiguration::NoAlgorithm
        } else if !(256..=8192).contains(&self.max_token_bytes) {
            Misconfiguration::MaxTokenBytes
        } else {
            return Ok(());
        };
        err(ErrorKind::Misconfigured(problem))
    }
}
