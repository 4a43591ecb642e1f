//! API errors: a stable reason code, a fixed human message, and the extra headers some statuses need. The
//! message is always a constant chosen here: nothing from the request (and so never a token) reaches it.

use handoff_core::Reason;
use handoff_core::wire::ErrorBody;

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
}

impl ApiError {
    /// An error with this reason and message.
    pub const fn new(reason: Reason, message: &'static str) -> Self {
        ApiError {
            reason,
            message,
            retry_after: None,
            allow: None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.reason.http_status()
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

    /// The answer for a refused Cognito access token (its kind goes to the logs).
    pub fn access_token(error: &handoff_core::AccessTokenError) -> Self {
        match error.reason() {
            Reason::InvalidAccessToken => ApiError::new(
                Reason::InvalidAccessToken,
                "the access token is not a valid, current access token",
            ),
            Reason::Misconfigured => ApiError::misconfigured(),
            _ => ApiError::internal(),
        }
    }

    /// Too many tokens for this user.
    pub const fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(Reason::RateLimited, "too many handoff tokens; retry later")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff_core::AccessTokenError;

    #[test]
    fn statuses_follow_core_reasons() {
        assert_eq!(ApiError::misconfigured().status(), 500);
        assert_eq!(ApiError::unavailable().status(), 503);
        assert_eq!(ApiError::rate_limited(7).status(), 429);
        assert_eq!(ApiError::rate_limited(7).retry_after, Some(7));
        assert_eq!(ApiError::access_token(&AccessTokenError::Expired).status(), 401);
        assert_eq!(
            ApiError::access_token(&AccessTokenError::Backend("x".into())).status(),
            500
        );
    }

    #[test]
    fn bodies_are_the_wire_error_shape() {
        let json = serde_json::to_value(ApiError::rate_limited(3).body()).unwrap();
        assert_eq!(json["error"], "rate_limited");
        assert!(json["message"].is_string());
        assert_eq!(json.as_object().unwrap().len(), 2);
    }
}
