//! Cognito's public API as the page uses it: two unsigned JSON 1.1 calls (`InitiateAuth` with CUSTOM_AUTH, then
//! `RespondToAuthChallenge` with the token as the answer), their answers, and what each error means for the user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::outcome::Failure;

/// `Content-Type` of every request.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// `X-Amz-Target` prefix; the operation name follows.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// The challenge the Define trigger asks for.
pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";

/// The two operations the page calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Starts CUSTOM_AUTH for a username.
    InitiateAuth,
    /// Answers the custom challenge with the token.
    RespondToAuthChallenge,
}

impl Op {
    /// The `X-Amz-Target` header value.
    pub const fn target(self) -> &'static str {
        match self {
            Op::InitiateAuth => "AWSCognitoIdentityProviderService.InitiateAuth",
            Op::RespondToAuthChallenge => "AWSCognitoIdentityProviderService.RespondToAuthChallenge",
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateAuth<'a> {
    auth_flow: &'static str,
    client_id: &'a str,
    auth_parameters: BTreeMap<&'static str, &'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RespondToAuthChallenge<'a> {
    challenge_name: &'static str,
    client_id: &'a str,
    session: &'a str,
    challenge_responses: BTreeMap<&'static str, &'a str>,
}

/// The `InitiateAuth` body: `{AuthFlow: CUSTOM_AUTH, ClientId, AuthParameters: {USERNAME}}`.
pub fn initiate_auth_body(client_id: &str, username: &str) -> String {
    let body = InitiateAuth {
        auth_flow: "CUSTOM_AUTH",
        client_id,
        auth_parameters: BTreeMap::from([("USERNAME", username)]),
    };
    serde_json::to_string(&body).expect("plain strings serialize")
}

/// The `RespondToAuthChallenge` body: `{ChallengeName: CUSTOM_CHALLENGE, ClientId, Session,
/// ChallengeResponses: {USERNAME, ANSWER: token}}`.
pub fn respond_body(client_id: &str, session: &str, username: &str, token: &str) -> String {
    let body = RespondToAuthChallenge {
        challenge_name: CUSTOM_CHALLENGE,
        client_id,
        session,
        challenge_responses: BTreeMap::from([("USERNAME", username), ("ANSWER", token)]),
    };
    serde_json::to_string(&body).expect("plain strings serialize")
}

/// The answer of either call (members the page does not use are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthAnswer {
    /// The next challenge, if any.
    #[serde(default)]
    pub challenge_name: Option<String>,
    /// The session for the next call (real Cognito issues a new one every round).
    #[serde(default)]
    pub session: Option<String>,
    /// Public challenge parameters; real Cognito includes `USERNAME` (the canonical username).
    #[serde(default)]
    pub challenge_parameters: BTreeMap<String, String>,
    /// The tokens, once signed in.
    #[serde(default)]
    pub authentication_result: Option<Tokens>,
}

/// Cognito's `AuthenticationResult`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tokens {
    /// The access token (required for a session).
    pub access_token: String,
    /// The id token.
    #[serde(default)]
    pub id_token: Option<String>,
    /// The refresh token.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Lifetime of the access token, in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"***")
            .field("id_token", &self.id_token.as_ref().map(|_| "***"))
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// A Cognito error answer: HTTP status plus the exception name (`NotAuthorizedException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoError {
    /// The HTTP status.
    pub status: u16,
    /// The bare exception name, or empty when the answer named none.
    pub kind: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "__type", default)]
    kind: Option<String>,
}

impl CognitoError {
    /// Reads the exception name from the `x-amzn-ErrorType` header or the body's `__type`. Both may carry extra
    /// text (`NotAuthorizedException:http://...`, `com.amazonaws...#NotAuthorizedException`).
    pub fn from_answer(status: u16, error_type_header: Option<&str>, body: &str) -> CognitoError {
        let raw = error_type_header
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .or_else(|| serde_json::from_str::<ErrorBody>(body).ok().and_then(|b| b.kind))
            .unwrap_or_default();
        let name = raw.split(':').next().unwrap_or_default();
        let name = name.rsplit('#').next().unwrap_or_default();
        CognitoError {
            status,
            kind: name.trim().to_owned(),
        }
    }

    /// Throttling and server-side failures: the request did not take effect, so sending it again is safe.
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "TooManyRequestsException"
                | "ThrottlingException"
                | "InternalErrorException"
                | "ServiceUnavailable"
        ) || (self.status >= 500 && !self.lambda_failure())
    }

    fn lambda_failure(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "UserLambdaValidationException" | "InvalidLambdaResponseException" | "UnexpectedLambdaException"
        )
    }

    /// The screen for this error. `token_expired` is the page's own judgement of the token's `exp` right now:
    /// Cognito answers "not authorized" for every refusal and never says why, so an expired token is the only
    /// refusal the page can name.
    pub fn failure(&self, token_expired: bool) -> Failure {
        match self.kind.as_str() {
            _ if self.retryable() => Failure::Network,
            // A refused answer, a disabled or unknown user, a dead session.
            "NotAuthorizedException"
            | "UserNotFoundException"
            | "UserNotConfirmedException"
            | "PasswordResetRequiredException"
            | "CodeMismatchException"
            | "ExpiredCodeException" => {
                if token_expired {
                    Failure::Expired
                } else {
                    Failure::Unusable
                }
            }
            // Triggers failing, the pool or client set up wrong, or a request the page should never send.
            _ => Failure::Misconfigured,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiate_auth_body_is_cognitos_shape() {
        let body: serde_json::Value = serde_json::from_str(&initiate_auth_body("web", "alice")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": "web", "AuthParameters": {"USERNAME": "alice"}})
        );
    }

    #[test]
    fn respond_body_is_cognitos_shape() {
        let body: serde_json::Value =
            serde_json::from_str(&respond_body("web", "S2", "alice", "t.o.k")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": "web", "Session": "S2",
                "ChallengeResponses": {"USERNAME": "alice", "ANSWER": "t.o.k"}
            })
        );
        assert_eq!(
            Op::RespondToAuthChallenge.target(),
            format!("{TARGET_PREFIX}RespondToAuthChallenge")
        );
        assert_eq!(Op::InitiateAuth.target(), format!("{TARGET_PREFIX}InitiateAuth"));
    }

    #[test]
    fn parses_answers() {
        let a: AuthAnswer = serde_json::from_str(
            r#"{"ChallengeName":"CUSTOM_CHALLENGE","Session":"S1","ChallengeParameters":{"USERNAME":"u-1","handoff":"jwt"}}"#,
        )
        .unwrap();
        assert_eq!(a.challenge_name.as_deref(), Some("CUSTOM_CHALLENGE"));
        assert_eq!(a.challenge_parameters["USERNAME"], "u-1");
        let a: AuthAnswer = serde_json::from_str(
            r#"{"AuthenticationResult":{"AccessToken":"A","IdToken":"I","RefreshToken":"R","ExpiresIn":3600,"TokenType":"Bearer"},"ChallengeParameters":{}}"#,
        )
        .unwrap();
        let tokens = a.authentication_result.unwrap();
        assert_eq!(
            (tokens.access_token.as_str(), tokens.expires_in),
            ("A", Some(3600))
        );
        assert!(!format!("{tokens:?}").contains("\"A\""));
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
