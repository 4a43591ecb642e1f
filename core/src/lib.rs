//! handoff-core: the single source of truth for Handoff's token.
//!
//! It owns the token format (JWS compact, `typ: handoff+jwt`), the claims, the verification policy and its
//! stable reason codes, key sets, the redirect rules, the edge API's wire types, and the types of Cognito's public
//! API that the clients speak ([`cognito_api`]). It does no I/O, reads no clock and draws no random numbers: time
//! and random bytes are arguments. Signature crypto is pluggable
//! ([`SignatureBackend`], [`AsyncSignatureBackend`]); `RustCrypto` (feature `rust-crypto`) is the native one.
//!
//! ```
//! # #[cfg(feature = "rust-crypto")] {
//! use handoff_core::{Claims, Key, KeySet, Policy, RustCrypto, mint, new_jti, Verifier};
//! let keys = KeySet::new(vec![Key::ed25519_from_seed("k1", [7; 32]).unwrap()]).unwrap();
//! let now = 1_700_000_000;
//! let claims = Claims {
//!     iss: "https://edge.example".into(), aud: "web-client".into(), sub: "3f1c".into(),
//!     username: "alice".into(), azp: "mobile-client".into(), iat: now, nbf: now, exp: now + 60,
//!     jti: new_jti([1; 16]), redirect: Some("/orders/42".into()),
//! };
//! let token = mint(&claims, &keys, &RustCrypto).unwrap();
//! let policy = Policy::new("https://edge.example", ["web-client"]);
//! let verified = Verifier::new(&keys, &policy).verify(&token, now + 1, &RustCrypto).unwrap();
//! assert_eq!(verified.claims().username, "alice");
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod access_token;
mod algorithm;
mod b64;
mod backend;
pub mod civil;
mod claims;
pub mod cognito_api;
pub mod dangerous;
mod der;
mod error;
mod fingerprint;
pub mod hex;
pub mod json;
mod jws;
mod keys;
pub mod link;
pub mod named;
mod pem;
mod policy;
mod reason;
mod redirect;
#[cfg(feature = "rust-crypto")]
mod rust_crypto;
pub mod slots;
mod token;
pub mod wire;

pub use access_token::{AccessClaims, AccessPolicy, verify_access_token_async};
pub use algorithm::Algorithm;
pub use backend::{AsyncSignatureBackend, BackendError, Blocking, SignatureBackend};
pub use claims::{Claims, JTI_RANDOM_BYTES, MAX_CLAIM_LEN, new_jti};
pub use error::{Error, ErrorKind, Misconfiguration};
pub use fingerprint::fingerprint;
pub use jws::FORBIDDEN_HEADERS;
pub use keys::{
    DerStructure, Key, KeyError, KeyHalf, KeyProblem, KeySet, MAX_KID_LEN, MIN_RSA_MODULUS_BYTES, Material,
    RsaPrivate, Secret,
};
pub use policy::{HARD_MAX_TTL_SECS, MAX_LEEWAY_SECS, MAX_TOKEN_BYTES, Policy, TOKEN_TYPE};
pub use reason::Reason;
pub use redirect::{MAX_REDIRECT_LEN, RedirectError, check_allowlist_entry, check_redirect};
#[cfg(feature = "rust-crypto")]
pub use rust_crypto::RustCrypto;
pub use token::{Header, Verified, Verifier, mint, mint_async};

/// base64url (no padding) helpers, as used in tokens and JWKs.
pub mod base64url {
    pub use crate::b64::{decode, encode};
}
