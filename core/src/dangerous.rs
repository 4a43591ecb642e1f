//! Reading a token WITHOUT verifying it. Only for the landing page, which must know the username (to start
//! Cognito's custom auth) and the redirect before the edge has checked anything. Nothing read here may be
//! trusted: the edge verifies the token during sign-in, and the page re-checks the redirect itself.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, err};
use crate::json;

/// The unverified payload members the landing page uses. Every member may be absent or a lie.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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
    // One pass over the members (each name is there once: the reader refuses repeats), as serde reads the struct:
    // `null` is absent, another kind is malformed, unknown members are ignored. One pass rather than a lookup per
    // member: the landing page's wasm is the smaller for it.
    let mut read = InsecurePayload::default();
    for (name, value) in payload.iter() {
        let ok = match name {
            "username" => string_member(value, &mut read.username),
            "redirect" => string_member(value, &mut read.redirect),
            "exp" => whole_member(value, &mut read.exp),
            "aud" => string_member(value, &mut read.aud),
            "sub" => string_member(value, &mut read.sub),
            "iat" => whole_member(value, &mut read.iat),
            "jti" => string_member(value, &mut read.jti),
            _ => true,
        };
        if !ok {
            return Err(malformed());
        }
    }
    Ok(read)
}

/// Reads an optional string member into `slot`; `false` if it is another kind.
fn string_member(value: &json::Value, slot: &mut Option<String>) -> bool {
    match value {
        json::Value::Null => true,
        json::Value::String(s) => {
            *slot = Some(s.clone());
            true
        }
        _ => false,
    }
}

/// Reads an optional whole-number member ([`json::Value::as_u64`]) into `slot`; `false` if it is anything else.
fn whole_member(value: &json::Value, slot: &mut Option<u64>) -> bool {
    *slot = value.as_u64();
    slot.is_some() || *value == json::Value::Null
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
