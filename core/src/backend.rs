//! The signature-crypto seam. Core owns the JWT format and every rule; a backend only signs bytes and checks a
//! signature over bytes with a key whose algorithm core already chose. Native code uses [`crate::RustCrypto`]
//! (jsonwebtoken); the edge plugs in workerd's WebCrypto through [`AsyncSignatureBackend`].

use crate::Key;

/// A backend failure (not a bad signature): the key could not be imported, the primitive is unavailable, ...
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

/// Synchronous signature crypto.
pub trait SignatureBackend {
    /// Whether `signature` is valid for `message` under `key`, with `key.algorithm()`.
    fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError>;
    /// Signs `message` with `key` (which holds private material), with `key.algorithm()`.
    fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError>;
}

/// Asynchronous signature crypto (WebCrypto returns promises). Futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait AsyncSignatureBackend {
    /// Whether `signature` is valid for `message` under `key`, with `key.algorithm()`.
    async fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError>;
    /// Signs `message` with `key` (which holds private material), with `key.algorithm()`.
    async fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError>;
}

/// Wraps a synchronous backend for the async API (tests run one corpus through both paths).
#[derive(Debug, Clone, Copy)]
pub struct Blocking<B>(pub B);

impl<B: SignatureBackend> AsyncSignatureBackend for Blocking<B> {
    async fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError> {
        self.0.verify(key, message, signature)
    }
    async fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        self.0.sign(key, message)
    }
}
