//! Cognito's public API as the page uses it: two unsigned JSON 1.1 calls (`InitiateAuth` with CUSTOM_AUTH, then
//! `RespondToAuthChallenge` with the token as the answer), their answers, and what each error means for the user.

pub use handoff_core::cognito_api::{
    AuthAnswer, CONTENT_TYPE, CUSTOM_CHALLENGE, NewDeviceMetadata, Op, Tokens, confirm_device_body,
    initiate_auth_body, respond_body, respond_body_bound,
};
use handoff_core::cognito_api::{ErrorAnswer, ErrorKind};

use crate::outcome::Failure;

/// The screen for a Cognito error answer (read by core's [`ErrorAnswer::read`], the same reading as the CLI's).
/// `token_expired` is the page's own judgement of the token's `exp` right now: Cognito answers "not authorized"
/// for every refusal and never says why, so an expired token is the only refusal the page can name.
pub fn failure(answer: &ErrorAnswer, token_expired: bool) -> Failure {
    if answer.retryable() {
        return Failure::Network;
    }
    let refused = || {
        if token_expired {
            Failure::Expired
        } else {
            Failure::Unusable
        }
    };
    match &answer.kind {
        // A refused answer, a disabled or unknown user, a dead session.
        ErrorKind::NotAuthorized
        | ErrorKind::UserNotFound
        | ErrorKind::UserNotConfirmed
        | ErrorKind::PasswordResetRequired => refused(),
        ErrorKind::Other(name)
            if matches!(name.as_str(), "CodeMismatchException" | "ExpiredCodeException") =>
        {
            refused()
        }
        // Triggers failing, the pool or client set up wrong, or a request the page should never send.
        _ => Failure::Misconfigured,
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

    fn answer(status: u16, header: Option<&str>, body: &str) -> ErrorAnswer {
        ErrorAnswer::read(status, header, body.as_bytes())
    }

    #[test]
    fn error_names_from_header_or_body() {
        let e = answer(
            400,
            Some("NotAuthorizedException:http://internal.amazon.com/"),
            "{}",
        );
        assert_eq!(e.kind, ErrorKind::NotAuthorized);
        let e = answer(
            400,
            None,
            r#"{"__type":"com.amazonaws.cognito.identity.idp.model#TooManyRequestsException","message":"Rate exceeded"}"#,
        );
        assert_eq!(e.kind, ErrorKind::TooManyRequests);
        assert_eq!(e.message, "Rate exceeded");
        let e = answer(502, None, "<html>bad gateway</html>");
        assert_eq!(e.kind, ErrorKind::InternalError);
        assert!(e.retryable());
    }

    /// The screen for an error type (the same for every operation: the page cannot tell more from one).
    fn screen(kind: &str, expired: bool) -> Failure {
        failure(&answer(400, Some(kind), ""), expired)
    }

    #[test]
    fn maps_errors_to_screens() {
        assert_eq!(screen("NotAuthorizedException", false), Failure::Unusable);
        assert_eq!(screen("NotAuthorizedException", true), Failure::Expired);
        assert_eq!(screen("UserNotFoundException", false), Failure::Unusable);
        assert_eq!(screen("CodeMismatchException", false), Failure::Unusable);
        assert_eq!(screen("TooManyRequestsException", false), Failure::Network);
        assert_eq!(screen("InternalErrorException", true), Failure::Network);
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
            assert_eq!(screen(kind, false), Failure::Misconfigured, "{kind}");
            assert_eq!(screen(kind, true), Failure::Misconfigured, "{kind}");
        }
        // A failing trigger is never retried, even if a proxy turned it into a 5xx.
        let lambda = answer(500, Some("UnexpectedLambdaException"), "");
        assert!(!lambda.retryable());
        assert_eq!(failure(&lambda, false), Failure::Misconfigured);
    }
}
