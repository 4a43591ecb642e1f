//! Cognito's public API as the page uses it: two unsigned JSON 1.1 calls (`InitiateAuth` with CUSTOM_AUTH, then
//! `RespondToAuthChallenge` with the token as the answer), their answers, and what each error means for the user.

pub use handoff_core::cognito_api::{
    AuthAnswer, CONTENT_TYPE, CUSTOM_CHALLENGE, NewDeviceMetadata, Op, Tokens, confirm_device_body,
    initiate_auth_body, respond_body,
};
use handoff_core::cognito_api::{ErrorBody, ErrorKind, error_name};

use crate::binding;
use crate::outcome::Failure;

/// The `RespondToAuthChallenge` body for CUSTOM_CHALLENGE (core's [`respond_body`]), with the context binding's
/// proof as `ClientMetadata: {"handoff_binding": proof}` when there is one (Cognito hands `ClientMetadata` to the
/// Verify trigger as `request.clientMetadata`). Without a proof it is exactly core's body. The member is added to
/// core's JSON text rather than through `#[serde(flatten)]`, which costs the page 2.5 KB gzip.
pub fn respond_body_bound(
    client_id: &str,
    session: &str,
    username: &str,
    answer: &str,
    proof: Option<&str>,
) -> String {
    let mut body = respond_body(client_id, session, username, answer);
    if let Some(proof) = proof
        && body.ends_with('}')
    {
        // Core's body is one JSON object: reopen it and add the member.
        body.pop();
        body.push_str(",\"ClientMetadata\":{\"");
        body.push_str(binding::METADATA_KEY);
        body.push_str("\":");
        body.push_str(&serde_json::to_string(proof).expect("a string serializes"));
        body.push_str("}}");
    }
    body
}

/// A Cognito error answer: HTTP status plus the exception name (`NotAuthorizedException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoError {
    /// The HTTP status.
    pub status: u16,
    /// The bare exception name, or empty when the answer named none.
    pub kind: String,
}

impl CognitoError {
    /// Reads the exception name from the `x-amzn-ErrorType` header or the body's `__type`. Both may carry extra
    /// text (`NotAuthorizedException:http://...`, `com.amazonaws...#NotAuthorizedException`).
    pub fn from_answer(status: u16, error_type_header: Option<&str>, body: &str) -> CognitoError {
        let raw = error_type_header
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .or_else(|| ErrorBody::parse(body.as_bytes()).type_name)
            .unwrap_or_default();
        let name = error_name(&raw);
        CognitoError {
            status,
            kind: name.to_owned(),
        }
    }

    /// Throttling and server-side failures: the request did not take effect, so sending it again is safe. A
    /// failing trigger never is, even if a proxy turned it into a 5xx.
    pub fn retryable(&self) -> bool {
        let kind = ErrorKind::from_type(&self.kind);
        kind.retryable() || (self.status >= 500 && !kind.trigger_failed())
    }

    /// The screen for this error. `token_expired` is the page's own judgement of the token's `exp` right now:
    /// Cognito answers "not authorized" for every refusal and never says why, so an expired token is the only
    /// refusal the page can name.
    pub fn failure(&self, token_expired: bool) -> Failure {
        if self.retryable() {
            return Failure::Network;
        }
        match ErrorKind::from_type(&self.kind) {
            // A refused answer, a disabled or unknown user, a dead session.
            ErrorKind::NotAuthorized
            | ErrorKind::UserNotFound
            | ErrorKind::UserNotConfirmed
            | ErrorKind::PasswordResetRequired => self.refused(token_expired),
            ErrorKind::Other(name)
                if matches!(name.as_str(), "CodeMismatchException" | "ExpiredCodeException") =>
            {
                self.refused(token_expired)
            }
            // Triggers failing, the pool or client set up wrong, or a request the page should never send.
            _ => Failure::Misconfigured,
        }
    }

    fn refused(&self, token_expired: bool) -> Failure {
        if token_expired {
            Failure::Expired
        } else {
            Failure::Unusable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respond_body_carries_the_binding_as_client_metadata() {
        assert_eq!(
            respond_body_bound("web", "S1", "u-1", "h.p.s", Some("b1.b2_-")),
            r#"{"ChallengeName":"CUSTOM_CHALLENGE","ClientId":"web","Session":"S1","#.to_owned()
                + r#""ChallengeResponses":{"ANSWER":"h.p.s","USERNAME":"u-1"},"#
                + r#""ClientMetadata":{"handoff_binding":"b1.b2_-"}}"#
        );
        // The proof is a JSON string, whatever it holds (the flow passes on only base64url and dots anyway).
        let odd = respond_body_bound("web", "S1", "u-1", "h.p.s", Some("\"}"));
        let parsed: serde_json::Value = serde_json::from_str(&odd).unwrap();
        assert_eq!(parsed["ClientMetadata"]["handoff_binding"], "\"}");
        assert_eq!(parsed.as_object().unwrap().len(), 5);
        // Without a proof: core's body, byte for byte (no empty ClientMetadata).
        assert_eq!(
            respond_body_bound("web", "S1", "u-1", "h.p.s", None),
            respond_body("web", "S1", "u-1", "h.p.s")
        );
    }

    #[test]
    fn error_names_from_header_or_body() {
        let e = CognitoError::from_answer(
            400,
            Some("NotAuthorizedException:http://internal.amazon.com/"),
            "{}",
        );
        assert_eq!(e.kind, "NotAuthorizedException");
        let e = CognitoError::from_answer(
            400,
            None,
            r#"{"__type":"com.amazonaws.cognito.identity.idp.model#TooManyRequestsException","message":"Rate exceeded"}"#,
        );
        assert_eq!(e.kind, "TooManyRequestsException");
        let e = CognitoError::from_answer(502, None, "<html>bad gateway</html>");
        assert_eq!(e.kind, "");
        assert!(e.retryable());
    }

    fn failure(kind: &str, _op: Op, expired: bool) -> Failure {
        CognitoError::from_answer(400, Some(kind), "").failure(expired)
    }

    #[test]
    fn maps_errors_to_screens() {
        use Op::*;
        assert_eq!(
            failure("NotAuthorizedException", RespondToAuthChallenge, false),
            Failure::Unusable
        );
        assert_eq!(
            failure("NotAuthorizedException", RespondToAuthChallenge, true),
            Failure::Expired
        );
        assert_eq!(
            failure("NotAuthorizedException", InitiateAuth, false),
            Failure::Unusable
        );
        assert_eq!(
            failure("UserNotFoundException", InitiateAuth, false),
            Failure::Unusable
        );
        assert_eq!(
            failure("CodeMismatchException", RespondToAuthChallenge, false),
            Failure::Unusable
        );
        assert_eq!(
            failure("TooManyRequestsException", InitiateAuth, false),
            Failure::Network
        );
        assert_eq!(
            failure("InternalErrorException", RespondToAuthChallenge, true),
            Failure::Network
        );
        for kind in [
            "ResourceNotFoundException",
            "InvalidParameterException",
            "UserLambdaValidationException",
            "InvalidLambdaResponseException",
            "UnexpectedLambdaException",
            "InvalidUserPoolConfigurationException",
            "SomethingNewException",
            "",
        ] {
            assert_eq!(
                failure(kind, InitiateAuth, false),
                Failure::Misconfigured,
                "{kind}"
            );
            assert_eq!(
                failure(kind, RespondToAuthChallenge, false),
                Failure::Misconfigured,
                "{kind}"
            );
        }
        // A failing trigger is never retried, even if a proxy turned it into a 5xx.
        let lambda = CognitoError {
            status: 500,
            kind: "UnexpectedLambdaException".into(),
        };
        assert!(!lambda.retryable());
        assert_eq!(lambda.failure(false), Failure::Misconfigured);
    }
}
