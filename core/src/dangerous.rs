//! Reading a token WITHOUT verifying it. Only for the landing page, which must know the username (to start
//! Cognito's custom auth) and the redirect before the edge has checked anything. Nothing read here may be
//! trusted: the edge verifies the token during sign-in, and the page re-checks the redirect itself.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, err};
use crate::json;

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
/// Read with [`crate::json`], not serde (the page's wasm), and as serde reads [`InsecurePayload`]; a payload with
/// a repeated member is refused, so no reader can find a different username in it than this one.
pub fn insecure_payload(token: &str, max_bytes: usize) -> Result<InsecurePayload, Error> {
    let text = payload_text(token, max_bytes)?;
    let malformed = || Error::from(ErrorKind::Malformed("payload is not the expected JSON"));
    let payload = json::parse_object(&text).ok_or_else(malformed)?;
    let read = || -> Result<InsecurePayload, json::Mismatch> {
        Ok(InsecurePayload {
            username: payload.opt_str("username")?,
            redirect: payload.opt_str("redirect")?,
            exp: payload.opt_u64("exp")?,
            aud: payload.opt_str("aud")?,
            sub: payload.opt_str("sub")?,
            iat: payload.opt_u64("iat")?,
            jti: payload.opt_str("jti")?,
        })
    };
    read().map_err(|_| malformed())
}

/// Decodes the payload of any JWT-shaped `token` as `T` without checking its signature or claims: THE one
/// unverified read of the code base (`grep dangerous` lists every caller). Fails on tokens over `max_bytes`, on
/// anything but three parts with a base64url payload, and on a payload that is not the JSON `T` expects.
pub fn insecure_decode<T: DeserializeOwned>(token: &str, max_bytes: usize) -> Result<T, Error> {
    let text = payload_text(token, max_bytes)?;
    serde_json::from_str(&text).map_err(|_| ErrorKind::Malformed("payload is not the expected JSON").into())
}

/// The payload of a JWT-shaped `token` as text: at most `max_bytes`, three parts, base64url, UTF-8.
fn payload_text(token: &str, max_bytes: usize) -> Result<String, Error> {
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
    String::from_utf8(bytes).map_err(|_| ErrorKind::Malformed("payload is not UTF-8").into())
}
