//! Constant-time checks of the redeem secret. Both sides are hashed first, so neither the content nor the
//! length of an accepted secret leaks through timing, and every configured secret is always compared.

use handoff_core::Secret;
use sha2::{Digest, Sha256};

/// Whether `a` and `b` are equal, in time independent of where they differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether `presented` equals one of `secrets`. Compares against every secret, with no early exit.
pub fn matches_any(presented: &str, secrets: &[Secret]) -> bool {
    let mut found = false;
    for secret in secrets {
        found |= ct_eq(presented.as_bytes(), secret.expose());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_and_unequal_inputs() {
        assert!(ct_eq(b"same-secret", b"same-secret"));
        assert!(!ct_eq(b"same-secret", b"same-secreT"));
        assert!(!ct_eq(b"same-secret", b"same-secret-longer"));
        assert!(!ct_eq(b"", b"x"));
        assert!(ct_eq(b"", b""));
    }

    #[test]
    fn either_of_two_secrets_is_accepted() {
        let secrets = [
            Secret::new(b"current-0123456789".to_vec()),
            Secret::new(b"previous-0123456789".to_vec()),
        ];
        assert!(matches_any("current-0123456789", &secrets));
        assert!(matches_any("previous-0123456789", &secrets));
        assert!(!matches_any("current-012345678", &secrets));
        assert!(!matches_any("", &secrets));
        assert!(!matches_any("current-0123456789", &[]));
    }
}
