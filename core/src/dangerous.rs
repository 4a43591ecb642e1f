//! Reading a token WITHOUT verifying it. Only for the landing page, which must know the username (to start
//! Cognito's custom auth) and the redirect before the edge has checked anything. Nothing read here may be
//! trusted: the edge verifies the token during sign-in, and the page re-checks the redirect itself.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, err};

/// The unverified payload members the landing page uses. Every member may be absent or a lie.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InsecurePayload {
    /// Cognito username to sign in as.
    pub username: Option<String>,
    /// Where to land afterwards (re-check with [`crate::check_redirect`]).
    pub redirect: Option<String>,
    /// Expiry, to show "expired" without a round trip.
    pub exp: Option<u64>,
    /// The web client id the token is meant for.
    pub aud: Option<String>,
    /// The user's immutable id (Cognito's `sub`): the same person under every alias.
    pub sub: Option<String>,
    /// When it was issued (Amplify's `clockDrift` is computed from a Cognito access token's `iat`).
    pub iat: Option<u64>,
    /// The token's id (the edge finds a burn record by it before spending a signature check).
    pub jti: Option<String>,
}

/// Decodes the payload of `token` into [`InsecurePayload`] without checking its signature or claims (see
/// [`insecure_decode`]).
pub fn insecure_payload(token: &str, max_bytes: usize) -> Result<InsecurePayload, Error> {
    insecure_decode(token, max_bytes)
}

/// Decodes the payload of any JWT-shaped `token` as `T` without checking its signature or claims: THE one
/// unverified read of the code base (`grep dangerous` lists every caller). Fails on tokens over `max_bytes`, on
/// anything but three parts with a base64url payload, and on a payload that is not the JSON `T` expects.
pub fn insecure_decode<T: DeserializeOwned>(token: &str, max_bytes: usize) -> Result<T, Error> {
    if token.len() > max_bytes {
        return err(ErrorKind::TooLarge {
            len: token.len(),
            max: max_bytes,
        });
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts[..] else {
        return err(ErrorKind::Malformed("expected three dot-separated parts"));
    };
    let bytes = crate::b64::decode(payload).ok_or(ErrorKind::Malformed("payload is not base64url"))?;
    // `&str` first, then JSON: the landing page parses everything through serde_json's one `&str` reader.
    let text = std::str::from_utf8(&bytes).map_err(|_| ErrorKind::Malformed("payload is not UTF-8"))?;
    serde_json::from_str(text).map_err(|_| ErrorKind::Malformed("payload is not the expected JSON").into())
}
