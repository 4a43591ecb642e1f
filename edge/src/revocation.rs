//! Revoked access tokens: after a sign-out (`RevokeToken`, `GlobalSignOut`, an admin sign-out) an access token
//! still verifies locally until it expires (up to a day), and each handoff it buys yields a new refresh token.
//! So issuing asks Cognito's `GetUser` whether the token is still current: real Cognito refuses a revoked token
//! with `NotAuthorizedException` (`tests/fixtures/cognito-api/error-get-user-revoked.json`).
//!
//! A current answer is remembered per token for [`FRESH_SECS`] in the isolate, so one user asking for several
//! links costs one `GetUser`, and a flood of requests with one token cannot spend the account's Cognito quota.
//! Anything but a clear answer (timeout, 5xx, throttling) fails closed: `unavailable`.

use std::collections::HashMap;

use handoff_core::cognito_api::{ErrorBody, ErrorKind, error_name};
use handoff_core::json;

/// How long a current `GetUser` answer is trusted, in seconds: the longest a revoked token still gets links.
pub const FRESH_SECS: u64 = 30;
/// Most tokens remembered at once (older entries are dropped first).
pub const MAX_REMEMBERED: usize = 4096;
/// `X-Amz-Target` of `GetUser`.
pub const GET_USER_TARGET: &str = "AWSCognitoIdentityProviderService.GetUser";

/// What `GetUser` said about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The token is current.
    Current,
    /// Cognito refuses it: revoked (or expired, or the user was deleted or disabled).
    Revoked,
    /// No clear answer (for the logs): fail closed.
    Unknown(String),
}

/// Reads a `GetUser` answer: status, `x-amzn-ErrorType` header, body.
pub fn verdict(status: u16, error_type: Option<&str>, body: &[u8]) -> Verdict {
    if status == 200 {
        let user = json::parse_object_bytes(body)
            .is_some_and(|answer| answer.get("Username").and_then(json::Value::as_str).is_some());
        return if user {
            Verdict::Current
        } else {
            Verdict::Unknown("GetUser answered 200 without a user".into())
        };
    }
    let error = ErrorBody::parse(body);
    let name = error_type
        .map(error_name)
        .filter(|n| !n.is_empty())
        .or(error
            .type_name
            .as_deref()
            .or(error.code.as_deref())
            .map(error_name))
        .unwrap_or_default();
    match ErrorKind::from_type(name) {
        // Revoked, expired, a deleted or disabled user: no new session either way.
        ErrorKind::NotAuthorized | ErrorKind::UserNotFound => Verdict::Revoked,
        kind => Verdict::Unknown(format!("GetUser answered {status} ({})", kind.name())),
    }
}

/// Tokens recently found current, by fingerprint (never the token itself).
#[derive(Debug, Default)]
pub struct Recent {
    checked: HashMap<String, u64>,
}

impl Recent {
    /// Whether the token with this fingerprint was found current within [`FRESH_SECS`] of `now`.
    pub fn is_fresh(&self, fingerprint: &str, now: u64) -> bool {
        self.checked
            .get(fingerprint)
            .is_some_and(|&at| now >= at && now - at < FRESH_SECS)
    }

    /// Remembers a current answer; drops expired entries, and the oldest when full.
    pub fn remember(&mut self, fingerprint: &str, now: u64) {
        if self.checked.len() >= MAX_REMEMBERED {
            self.checked
                .retain(|_, &mut at| now >= at && now - at < FRESH_SECS);
        }
        if self.checked.len() >= MAX_REMEMBERED
            && let Some(oldest) = self
                .checked
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
        {
            self.checked.remove(&oldest);
        }
        self.checked.insert(fingerprint.to_owned(), now);
    }
}

#[cfg(target_arch = "wasm32")]
pub use remote::check;

#[cfg(target_arch = "wasm32")]
mod remote {
    use std::cell::RefCell;

    use handoff_core::cognito_api::{CONTENT_TYPE, ERROR_TYPE_HEADER};
    use handoff_core::json;

    use crate::outgoing;

    use super::{GET_USER_TARGET, Recent, Verdict, verdict};

    /// Longest a `GetUser` call may take, in milliseconds.
    const TIMEOUT_MS: u64 = 2_000;

    thread_local! {
        static RECENT: RefCell<Recent> = RefCell::new(Recent::default());
    }

    /// Asks `GetUser` at `endpoint` whether `access_token` is still current (remembered for a while).
    pub async fn check(endpoint: &str, access_token: &str, now: u64) -> Verdict {
        let fingerprint = handoff_core::fingerprint(access_token);
        if RECENT.with_borrow(|r| r.is_fresh(&fingerprint, now)) {
            return Verdict::Current;
        }
        let verdict = crate::outgoing::within(TIMEOUT_MS, get_user(endpoint, access_token))
            .await
            .unwrap_or_else(|| Verdict::Unknown(format!("GetUser timed out after {TIMEOUT_MS} ms")));
        if verdict == Verdict::Current {
            RECENT.with_borrow_mut(|r| r.remember(&fingerprint, now));
        }
        verdict
    }

    async fn get_user(endpoint: &str, access_token: &str) -> Verdict {
        let body = json::object(&[("AccessToken", json::Out::Str(access_token))]);
        let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", GET_USER_TARGET)];
        let Some(request) = outgoing::request(endpoint, Some((&body, &headers))) else {
            return Verdict::Unknown("COGNITO_ENDPOINT is not a valid URL".into());
        };
        let response = match outgoing::fetch(&request).await {
            Ok(response) => response,
            Err(_) => return Verdict::Unknown("GetUser: no answer".into()),
        };
        let status = response.status();
        let error_type = response.headers().get(ERROR_TYPE_HEADER).ok().flatten();
        let body = outgoing::text(&response).await.unwrap_or_default();
        verdict(status, error_type.as_deref(), body.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture(name: &str) -> (u16, Option<String>, Vec<u8>) {
        let path = format!(
            "{}/../tests/fixtures/cognito-api/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let header = json["headers"]["x-amzn-ErrorType"].as_str().map(str::to_owned);
        (
            json["status"].as_u64().unwrap() as u16,
            header,
            json["body"].to_string().into_bytes(),
        )
    }

    #[test]
    fn real_cognito_refuses_a_revoked_access_token() {
        let (status, header, body) = fixture("error-get-user-revoked.json");
        assert_eq!(verdict(status, header.as_deref(), &body), Verdict::Revoked);
        // The header alone, or the body alone, is enough.
        assert_eq!(verdict(status, None, &body), Verdict::Revoked);
        assert_eq!(verdict(status, header.as_deref(), b""), Verdict::Revoked);
    }

    #[test]
    fn a_current_token_and_unclear_answers() {
        let (status, header, body) = fixture("get-user-ok.json");
        assert_eq!(verdict(status, header.as_deref(), &body), Verdict::Current);
        let (status, header, body) = fixture("error-too-many-requests.json");
        assert!(matches!(
            verdict(status, header.as_deref(), &body),
            Verdict::Unknown(_)
        ));
        let (status, header, body) = fixture("error-internal.json");
        assert!(matches!(
            verdict(status, header.as_deref(), &body),
            Verdict::Unknown(_)
        ));
        assert!(matches!(verdict(200, None, b"<html>"), Verdict::Unknown(_)));
        assert!(matches!(verdict(502, None, b""), Verdict::Unknown(_)));
    }

    #[test]
    fn current_answers_are_trusted_for_a_while_and_the_memory_is_bounded() {
        let mut recent = Recent::default();
        assert!(!recent.is_fresh("fp", 1000));
        recent.remember("fp", 1000);
        assert!(recent.is_fresh("fp", 1000 + FRESH_SECS - 1));
        assert!(!recent.is_fresh("fp", 1000 + FRESH_SECS));
        assert!(
            !recent.is_fresh("fp", 999),
            "a clock that went back trusts nothing"
        );
        for i in 0..(MAX_REMEMBERED + 10) {
            recent.remember(&format!("k{i}"), 2000 + i as u64 / 1000);
        }
        assert!(recent.checked.len() <= MAX_REMEMBERED);
    }
}
