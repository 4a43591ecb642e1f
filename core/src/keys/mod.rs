//! Keys and key sets: Ed25519 and RSA keys, each with a `kid`, loaded from JWK, JWK Set or PEM, printed as a
//! public JWK Set. Private material is redacted from `Debug`. Which algorithm a key may verify is fixed by its type.
//! This module holds the key model (material, secrets, checks); `jwk.rs` reads and writes JWKs, `pkcs.rs` PEM and
//! DER (SPKI, PKCS#1, PKCS#8), `set.rs` key sets.

mod jwk;
mod pkcs;
mod set;

pub use set::KeySet;

use crate::{Algorithm, Reason};

/// Smallest RSA modulus accepted, in bytes (2048 bits).
pub const MIN_RSA_MODULUS_BYTES: usize = 256;
/// Longest `kid` accepted.
pub const MAX_KID_LEN: usize = 128;

/// A key could not be loaded or used: always an operator's configuration problem ([`KeyError::reason`] is
/// `misconfigured`). Inspect with [`KeyError::problem`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key error: {0}")]
pub struct KeyError(KeyProblem);

impl KeyError {
    /// What is wrong with the key.
    pub fn problem(&self) -> &KeyProblem {
        &self.0
    }

    /// The stable reason code: a key that does not load is the operator's to fix.
    pub fn reason(&self) -> Reason {
        Reason::Misconfigured
    }
}

impl From<KeyProblem> for KeyError {
    fn from(problem: KeyProblem) -> Self {
        KeyError(problem)
    }
}

/// What is wrong with a key, a key set or its encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    // JWK and JWK Set documents.
    /// A JWK is not JSON; the parser's message.
    #[error("JWK is not JSON: {0}")]
    JwkNotJson(String),
    /// A JWK member has the wrong JSON type (or `kty` is missing); the parser's message.
    #[error("JWK has a bad member: {0}")]
    BadMember(String),
    /// A JWK has no `kid`.
    #[error("JWK has no kid")]
    NoKid,
    /// A JWK member the key type needs is absent.
    #[error("JWK member {0:?} is missing")]
    MissingMember(&'static str),
    /// A JWK member is not base64url.
    #[error("JWK member {0:?} is not base64url")]
    NotBase64Url(&'static str),
    /// A JWK's `use` is not `sig`.
    #[error("JWK {kid:?} is not a signature key (use != sig)")]
    NotSignatureKey {
        /// The key's id.
        kid: String,
    },
    /// An `OKP` JWK whose curve is not Ed25519.
    #[error("JWK {kid:?}: only the Ed25519 curve is supported")]
    UnsupportedCurve {
        /// The key's id.
        kid: String,
    },
    /// A JWK `kty` other than `OKP` and `RSA`.
    #[error("JWK {kid:?}: key type {kty:?} is not supported")]
    UnsupportedKeyType {
        /// The key's id.
        kid: String,
        /// The `kty` given.
        kty: String,
    },
    /// An Ed25519 JWK member that is not 32 bytes long.
    #[error("JWK {kid:?}: {member} must be 32 bytes")]
    WrongMemberLength {
        /// The key's id.
        kid: String,
        /// `x` or `d`.
        member: &'static str,
    },
    /// A JWK's `alg` is not the algorithm of its key type.
    #[error("JWK {kid:?}: alg {alg:?} does not match its key type")]
    AlgorithmMismatch {
        /// The key's id.
        kid: String,
        /// The `alg` given.
        alg: String,
    },
    /// A JWK Set is not JSON; the parser's message.
    #[error("key set is not JSON: {0}")]
    SetNotJson(String),
    /// A JWK Set whose `keys` is not an array.
    #[error("\"keys\" must be an array")]
    KeysNotArray,

    // PEM and DER.
    /// No `-----BEGIN ` line.
    #[error("no PEM BEGIN line")]
    PemNoBegin,
    /// The BEGIN line has no closing dashes.
    #[error("PEM BEGIN line is not closed")]
    PemBeginNotClosed,
    /// No END line matching the BEGIN line's label.
    #[error("no PEM END line for {0:?}")]
    PemNoEnd(String),
    /// The PEM body is not base64.
    #[error("PEM body is not base64")]
    PemNotBase64,
    /// A PEM label other than the four key labels Handoff reads.
    #[error("PEM label {0:?} is not a supported key")]
    UnsupportedPemLabel(String),
    /// A DER structure that does not parse.
    #[error("{0} is not valid DER")]
    BadDer(DerStructure),
    /// A DER key whose algorithm is neither Ed25519 nor RSA.
    #[error("{0} key algorithm is neither Ed25519 nor RSA")]
    UnsupportedAlgorithm(KeyHalf),
    /// A DER Ed25519 key that is not 32 bytes long.
    #[error("Ed25519 {0} key must be 32 bytes")]
    WrongEd25519Length(KeyHalf),
    /// A PKCS#1 private key that is not version 0 (multi-prime RSA).
    #[error("only two-prime RSA private keys (version 0) are supported")]
    MultiPrimeRsa,
    /// An Ed25519 private key in PEM without the `rust-crypto` feature to derive its public half.
    #[error(
        "an Ed25519 private key in PEM needs the rust-crypto feature; load it as a JWK with x and d instead"
    )]
    Ed25519PemNeedsRustCrypto,

    // The key model.
    /// A `kid` that is empty, too long or not printable ASCII.
    #[error("kid must be 1-{MAX_KID_LEN} printable ASCII characters")]
    BadKid,
    /// An RSA modulus under [`MIN_RSA_MODULUS_BYTES`].
    #[error("RSA key {0:?} is shorter than 2048 bits")]
    RsaTooShort(String),
    /// An RSA public exponent of zero.
    #[error("RSA key {0:?} has a zero exponent")]
    ZeroExponent(String),

    // Key sets.
    /// Two keys of a set share a `kid`.
    #[error("kid {0:?} appears twice in the key set")]
    DuplicateKid(String),
    /// A JWK Set without keys.
    #[error("the key set is empty")]
    EmptySet,
    /// The chosen signing key is public only.
    #[error("key {0:?} has no private material")]
    NoPrivateMaterial(String),
    /// The chosen signing `kid` names no key of the set.
    #[error("no key {0:?} in the key set")]
    NoSuchKid(String),
}

/// A DER structure Handoff reads, as named in [`KeyProblem::BadDer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DerStructure {
    /// X.509 SubjectPublicKeyInfo (`PUBLIC KEY`).
    SubjectPublicKeyInfo,
    /// PKCS#1 RSAPublicKey (`RSA PUBLIC KEY`).
    RsaPublicKey,
    /// PKCS#1 RSAPrivateKey (`RSA PRIVATE KEY`).
    RsaPrivateKey,
    /// PKCS#8 PrivateKeyInfo (`PRIVATE KEY`).
    Pkcs8,
    /// The Ed25519 seed inside PKCS#8.
    Ed25519PrivateKey,
}

impl std::fmt::Display for DerStructure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DerStructure::SubjectPublicKeyInfo => "SubjectPublicKeyInfo",
            DerStructure::RsaPublicKey => "RSAPublicKey",
            DerStructure::RsaPrivateKey => "RSAPrivateKey",
            DerStructure::Pkcs8 => "PKCS#8",
            DerStructure::Ed25519PrivateKey => "Ed25519 private key",
        })
    }
}

/// The public or the private half of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHalf {
    /// The public key.
    Public,
    /// The private key.
    Private,
}

impl std::fmt::Display for KeyHalf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyHalf::Public => "public",
            KeyHalf::Private => "private",
        })
    }
}

pub(crate) fn key_err<T>(problem: KeyProblem) -> Result<T, KeyError> {
    Err(problem.into())
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
        return key_err(KeyProblem::BadKid);
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
                return key_err(KeyProblem::RsaTooShort(kid));
            }
            if strip_zeros(e).is_empty() {
                return key_err(KeyProblem::ZeroExponent(kid));
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
