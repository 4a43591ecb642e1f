//! Token fingerprints for logs: enough to correlate lines about one token, useless for redeeming it.

use sha2::{Digest, Sha256};

/// The first 8 bytes of SHA-256 over the token text, as 16 hex digits.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    crate::hex::encode(&digest[..8])
}
