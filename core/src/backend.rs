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
