//! API errors: a stable reason code, a fixed human message, the extra headers some statuses need, and what the
//! request's log line says about them. The message is always a constant chosen here: nothing from the request
//! (and so never a token) reaches it.

use handoff_core::Reason;
use handoff_core::wire::ErrorBody;

use crate::log::Note;

/// An error answer: `{"error": <reason>, "message": ...}` with the reason's HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The stable reason code.
    pub reason: Reason,
    /// A fixed explanation.
    pub message: &'static str,
    /// `Retry-After` seconds (429).
    pub retry_after: Option<u64>,
    /// `Allow` header value (405).
    pub allow: Option<&'static str>,
    /// What the log line says beyond the reason (never part of the answer).
    pub note: Note,
}

impl ApiError {
    /// An error with this reason and message.
    pub const fn new(reason: Reason, message: &'static str) -> Self {
        ApiError {
            reason,
            message,
            retry_after: None,
            allow: None,
            note: Note::none(),
        }
    }

    /// The same error, with `detail` for the log line.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.note.detail = Some(detail.into());
        self
    }

    /// The same error, concerning `token` (its fingerprint goes to the log line).
    pub fn token(mut self, token: &str) -> Self {
        self.note.token(token);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        http_status(self.reason)
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(self.reason, self.message)
    }

    /// The generic answer for a configuration problem (details go to the logs only).
    pub const fn misconfigured() -> Self {
        ApiError::new(Reason::Misconfigured, "the service is misconfigured")
    }

    /// The generic answer for an unexpected failure (details go to the logs only).
    pub const fn internal() -> Self {
        ApiError::new(Reason::Internal, "an unexpected error occurred")
    }

    /// A dependency (ledger, key store) did not answer.
    pub const fn unavailable() -> Self {
        ApiError::new(Reason::Unavailable, "a dependency is unavailable; retry later")
    }

    /// The answer for a refused Cognito access token: `invalid_access_token` whatever is wrong with the token
    /// (core's kind, e.g. expired or an id token, goes to the log line); our own faults are ours.
    pub fn access_token(error: &handoff_core::Error) -> Self {
        let answer = match error.reason() {
            Reason::Misconfigured => ApiError::misconfigured(),
            Reason::Internal => ApiError::internal(),
            _ => ApiError::new(
                Reason::InvalidAccessToken,
                "the access token is not a valid, current access token",
            ),
        };
        answer.detail(format!("access token: {error}"))
    }

    /// Too many tokens for this user.
    pub const fn rate_limited(retry_after: u64) -> Self {
        let mut error = ApiError::new(Reason::RateLimited, "too many handoff tokens; retry later");
        error.retry_after = Some(retry_after);
        error
    }
}

/// The HTTP status of an answer with `reason` when the request itself fails (the edge's mapping: core only names
/// reasons).
pub const fn http_status(reason: Reason) -> u16 {
    match reason {
        Reason::Unauthorized | Reason::InvalidAccessToken | Reason::AccessTokenRevoked => 401,
        Reason::PayloadTooLarge => 413,
        Reason::UnsupportedMediaType => 415,
        Reason::MethodNotAllowed => 405,
        Reason::NotFound => 404,
        Reason::RateLimited => 429,
        Reason::WrongContext => 403,
        Reason::Misconfigured | Reason::Internal => 500,
        Reason::Unavailable => 503,
        _ => 400,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff_core::{Error, ErrorKind};

    #[test]
    fn statuses_follow_core_reasons() {
        assert_eq!(ApiError::misconfigured().status(), 500);
        assert_eq!(ApiError::unavailable().status(), 503);
        assert_eq!(ApiError::rate_limited(7).status(), 429);
        assert_eq!(ApiError::rate_limited(7).retry_after, Some(7));
        for kind in [
            ErrorKind::Expired,
            ErrorKind::NotAccessToken,
            ErrorKind::WrongClient,
            ErrorKind::UnknownKey,
        ] {
            let answer = ApiError::access_token(&Error::from(kind));
            assert_eq!(
                (answer.reason, answer.status()),
                (Reason::InvalidAccessToken, 401)
            );
        }
        assert_eq!(
            ApiError::access_token(&Error::from(ErrorKind::Backend(
                handoff_core::BackendError::Randomness
            )))
            .status(),
            500
        );
        assert_eq!(
            ApiError::access_token(&Error::from(ErrorKind::Misconfigured(
                handoff_core::Misconfiguration::NoSigningKey
            )))
            .reason,
            Reason::Misconfigured
        );
    }

    #[test]
    fn the_log_note_travels_with_the_error_and_stays_out_of_the_body() {
        let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln";
        let error = ApiError::unavailable().detail("ledger: down").token(token);
        assert_eq!(error.note.detail.as_deref(), Some("ledger: down"));
        assert_eq!(error.note.token_fp, Some(handoff_core::fingerprint(token)));
        let body = serde_json::to_string(&error.body()).unwrap();
        assert!(!body.contains("ledger: down") && !body.contains(&handoff_core::fingerprint(token)));
        let refused = ApiError::access_token(&Error::from(ErrorKind::Expired));
        assert!(refused.note.detail.is_some(), "the kind of refusal is logged");
    }

    #[test]
    fn bodies_are_the_wire_error_shape() {
        let json = serde_json::to_value(ApiError::rate_limited(3).body()).unwrap();
        assert_eq!(json["error"], "rate_limited");
        assert!(json["message"].is_string());
        assert_eq!(json.as_object().unwrap().len(), 2);
    }
}
