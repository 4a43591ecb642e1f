//! The signature-crypto seam. Core owns the JWT format and every rule; a backend only signs bytes and checks a
//! signature over bytes with a key whose algorithm core already chose. Native code uses [`crate::RustCrypto`]
//! (jsonwebtoken); the edge plugs in workerd's WebCrypto through [`AsyncSignatureBackend`].

use crate::{Algorithm, Key};

/// A backend failure (not a bad signature: the backend itself could not run). Reason `internal`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The backend would not take the key (a malformed public key, WebCrypto's `importKey` refused it).
    #[error("{0} key import failed")]
    KeyImport(Algorithm),
    /// Asked to sign with a key that holds no private material.
    #[error("key {kid:?} cannot sign")]
    NoPrivateKey {
        /// The key's id.
        kid: String,
    },
    /// The signing primitive failed, or returned something that is not a signature.
    #[error("{0} signing failed")]
    Sign(Algorithm),
    /// The verification primitive failed (a signature that does not verify is `Ok(false)`, not this).
    #[error("{0} verification failed")]
    Verify(Algorithm),
    /// The source of random bytes failed.
    #[error("random bytes unavailable")]
    Randomness,
}

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

impl<B: SignatureBackend + ?Sized> SignatureBackend for &B {
    fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError> {
        (**self).verify(key, message, signature)
    }
    fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        (**self).sign(key, message)
    }
}

/// Wraps a synchronous backend for the async API: the synchronous `verify` and `mint` are the async ones over
/// this, polled once (one implementation of every rule, not two).
#[derive(Debug, Clone, Copy)]
pub struct Blocking<B>(pub B);

/// Runs a future whose every await is on a [`Blocking`] backend, which is ready at once, to its end.
pub(crate) fn run_ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(out) => out,
        // Only Blocking backends are run this way; their futures never pend.
        std::task::Poll::Pending => unreachable!("a Blocking backend's future pended"),
    }
}

impl<B: SignatureBackend> AsyncSignatureBackend for Blocking<B> {
    async fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError> {
        self.0.verify(key, message, signature)
    }
    async fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        self.0.sign(key, message)
    }
}
