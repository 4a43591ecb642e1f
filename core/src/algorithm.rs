//! The signature algorithms a handoff token may use. The algorithm always comes from the key, never the header.

use serde::{Deserialize, Serialize};

/// A JWS algorithm Handoff accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    /// Ed25519 (RFC 8037). The default: cheap to sign, 64-byte signatures, short URLs.
    EdDSA,
    /// RSASSA-PKCS1-v1_5 with SHA-256, for RSA keys of at least 2048 bits.
    RS256,
}

impl Algorithm {
    /// The JOSE name (`"EdDSA"`, `"RS256"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::RS256 => "RS256",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
