//! Keys and key sets: Ed25519 and RSA keys, each with a `kid`, loaded from JWK, JWK Set or PEM, printed as a
//! public JWK Set. Private material is redacted from `Debug`. Which algorithm a key may verify is fixed by its type.
//! This module holds the key model (material, secrets, checks); `jwk.rs` reads and writes JWKs, `pkcs.rs` PEM and
//! DER (SPKI, PKCS#1, PKCS#8), `set.rs` key sets.

mod jwk;
mod pkcs;
mod set;

pub use set::KeySet;

use crate::Algorithm;

/// Smallest RSA modulus accepted, in bytes (2048 bits).
pub const MIN_RSA_MODULUS_BYTES: usize = 256;
/// Longest `kid` accepted.
pub const MAX_KID_LEN: usize = 128;

/// A key could not be loaded or used. Always an operator's configuration problem (reason `misconfigured`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key error: {0}")]
pub struct KeyError(pub String);

pub(crate) fn key_err<T>(msg: impl Into<String>) -> Result<T, KeyError> {
    Err(KeyError(msg.into()))
}

/// Secret bytes: wiped on drop (zeroize), never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }
    /// The secret bytes. Handle with care.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // zeroize's volatile writes: the optimiser may not elide them (a copy the allocator moved is out of reach).
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// The private half of an RSA key (RFC 7518 section 6.3.2 members).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RsaPrivate {
    /// Private exponent.
    pub d: Secret,
    /// First prime factor.
    pub p: Secret,
    /// Second prime factor.
    pub q: Secret,
    /// First factor CRT exponent.
    pub dp: Secret,
    /// Second factor CRT exponent.
    pub dq: Secret,
    /// First CRT coefficient.
    pub qi: Secret,
}

/// Key material by type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Material {
    /// An Ed25519 key: the 32-byte public key, and the 32-byte private seed when this key can sign.
    Ed25519 {
        /// Public key bytes (JWK `x`).
        x: [u8; 32],
        /// Private seed (JWK `d`).
        d: Option<Secret>,
    },
    /// An RSA key: modulus and public exponent (big-endian), and the private parts when this key can sign.
    Rsa {
        /// Modulus (JWK `n`).
        n: Vec<u8>,
        /// Public exponent (JWK `e`).
        e: Vec<u8>,
        /// Private parts.
        private: Option<Box<RsaPrivate>>,
    },
}

/// One key with its id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Key {
    pub(crate) kid: String,
    pub(crate) material: Material,
}

pub(crate) fn check_kid(kid: &str) -> Result<(), KeyError> {
    if kid.is_empty() || kid.len() > MAX_KID_LEN || !kid.bytes().all(|b| b.is_ascii_graphic()) {
        return key_err(format!("kid must be 1-{MAX_KID_LEN} printable ASCII characters"));
    }
    Ok(())
}

pub(crate) fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

impl Key {
    /// A key from its parts. Checks the `kid` and, for RSA, the modulus size.
    pub fn new(kid: impl Into<String>, material: Material) -> Result<Key, KeyError> {
        let kid = kid.into();
        check_kid(&kid)?;
        if let Material::Rsa { n, e, .. } = &material {
            if strip_zeros(n).len() < MIN_RSA_MODULUS_BYTES {
                return key_err(format!("RSA key {kid:?} is shorter than 2048 bits"));
            }
            if strip_zeros(e).is_empty() {
                return key_err(format!("RSA key {kid:?} has a zero exponent"));
            }
        }
        Ok(Key { kid, material })
    }

    /// An Ed25519 key from a 32-byte seed, deriving the public key.
    #[cfg(feature = "rust-crypto")]
    pub fn ed25519_from_seed(kid: impl Into<String>, seed: [u8; 32]) -> Result<Key, KeyError> {
        let x = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        Key::new(
            kid,
            Material::Ed25519 {
                x,
                d: Some(Secret::new(seed.to_vec())),
            },
        )
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key material.
    pub fn material(&self) -> &Material {
        &self.material
    }

    /// The one algorithm this key signs and verifies with.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            Material::Ed25519 { .. } => Algorithm::EdDSA,
            Material::Rsa { .. } => Algorithm::RS256,
        }
    }

    /// Whether this key holds private material and can sign.
    pub fn can_sign(&self) -> bool {
        match &self.material {
            Material::Ed25519 { d, .. } => d.is_some(),
            Material::Rsa { private, .. } => private.is_some(),
        }
    }

    /// This key without its private material.
    pub fn to_public(&self) -> Key {
        let material = match &self.material {
            Material::Ed25519 { x, .. } => Material::Ed25519 { x: *x, d: None },
            Material::Rsa { n, e, .. } => Material::Rsa {
                n: n.clone(),
                e: e.clone(),
                private: None,
            },
        };
        Key {
            kid: self.kid.clone(),
            material,
        }
    }
}
