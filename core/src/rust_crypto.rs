//! [`SignatureBackend`] on jsonwebtoken's pure-Rust crypto (feature `rust-crypto`): native code, CLI, tests.

use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::backend::{BackendError, SignatureBackend};
use crate::keys::Material;
use crate::{Algorithm, Key, b64};

/// jsonwebtoken (RustCrypto) as a signature backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

fn jwt_alg(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
    }
}

impl SignatureBackend for RustCrypto {
    fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError> {
        let decoding = match key.material() {
            Material::Ed25519 { x, .. } => DecodingKey::from_ed_components(&b64::encode(x))
                .map_err(|_| BackendError::KeyImport(Algorithm::EdDSA))?,
            Material::Rsa { n, e, .. } => DecodingKey::from_rsa_raw_components(n, e),
        };
        jsonwebtoken::crypto::verify(
            &b64::encode(signature),
            message,
            &decoding,
            jwt_alg(key.algorithm()),
        )
        .map_err(|_| BackendError::Verify(key.algorithm()))
    }

    fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        let der = key.private_der().ok_or_else(|| BackendError::NoPrivateKey {
            kid: key.kid().to_owned(),
        })?;
        let encoding = match key.algorithm() {
            Algorithm::EdDSA => EncodingKey::from_ed_der(der.expose()),
            Algorithm::RS256 => EncodingKey::from_rsa_der(der.expose()),
        };
        let signature = jsonwebtoken::crypto::sign(message, &encoding, jwt_alg(key.algorithm()))
            .map_err(|_| BackendError::Sign(key.algorithm()))?;
        b64::decode(&signature).ok_or(BackendError::Sign(key.algorithm()))
    }
}
