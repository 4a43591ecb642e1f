//! Cognito's public API types: request bodies in Cognito's shape, answers read, tokens redacted, error types named.
//! Runs natively and on wasm32.

use handoff_core::cognito_api::{
    AuthAnswer, CONTENT_TYPE, ErrorAnswer, ErrorBody, ErrorKind, InitiateAuth, Op, RETRY_BACKOFF_MS,
    RespondToAuthChallenge, TARGET_PREFIX, Tokens, confirm_device_body, error_name, initiate_auth_body,
    respond_body,
};
use serde_json::{Value, json};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn initiate_auth_body_is_cognitos_shape() {
    let body: Value = serde_json::from_str(&initiate_auth_body("web", "alice")).unwrap();
    assert_eq!(
        body,
        json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": "web", "AuthParameters": {"USERNAME": "alice"}})
    );
}

#[test]
fn respond_body_is_cognitos_shape() {
    let body: Value = serde_json::from_str(&respond_body("web", "S2", "alice", "t.o.k")).unwrap();
    assert_eq!(
        body,
        json!({
            "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": "web", "Session": "S2",
            "ChallengeResponses": {"USERNAME": "alice", "ANSWER": "t.o.k"}
        })
    );
    assert_eq!(
        Op::RespondToAuthChallenge.target(),
        format!("{TARGET_PREFIX}.RespondToAuthChallenge")
    );
    assert_eq!(Op::InitiateAuth.target(), format!("{TARGET_PREFIX}.InitiateAuth"));
    assert_eq!(
        Op::InitiateAuth.target(),
        format!("{TARGET_PREFIX}.{}", Op::InitiateAuth.name())
    );
    assert_eq!(CONTENT_TYPE, "application/x-amz-json-1.1");
}

#[test]
fn other_flows_use_the_same_body() {
    let body = InitiateAuth {
        auth_flow: "USER_PASSWORD_AUTH",
        client_id: "mobile",
        auth_parameters: [("USERNAME", "alice"), ("PASSWORD", "pw")].into(),
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "mobile", "AuthParameters": {"USERNAME": "alice", "PASSWORD": "pw"}})
    );
}

#[test]
fn request_debug_hides_secrets() {
    let initiate = InitiateAuth {
        auth_flow: "USER_PASSWORD_AUTH",
        client_id: "mobile",
        auth_parameters: [("USERNAME", "alice"), ("PASSWORD", "hunter2")].into(),
    };
    assert!(!format!("{initiate:?}").contains("hunter2"));
    let respond = RespondToAuthChallenge::custom_challenge("web", "SESSION-1", "alice", "t.o.k");
    let shown = format!("{respond:?}");
    assert!(
        !shown.contains("t.o.k") && !shown.contains("SESSION-1"),
        "{shown}"
    );
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
    let a: AuthAnswer = serde_json::from_str("{}").unwrap();
    assert_eq!(a, AuthAnswer::default());
}

#[test]
fn new_device_metadata_and_confirm_device() {
    // A pool that tracks devices answers with NewDeviceMetadata beside the tokens.
    let a: AuthAnswer = serde_json::from_str(
        r#"{"AuthenticationResult":{"AccessToken":"a","NewDeviceMetadata":
            {"DeviceKey":"us-east-1_0f2c","DeviceGroupKey":"-Xb9"}}}"#,
    )
    .unwrap();
    let metadata = a.authentication_result.unwrap().new_device_metadata.unwrap();
    assert_eq!(metadata.device_key, "us-east-1_0f2c");
    assert_eq!(metadata.device_group_key, "-Xb9");
    let body: serde_json::Value = serde_json::from_str(&confirm_device_body(
        "at",
        "us-east-1_0f2c",
        "Firefox",
        "dmVy",
        "c2Fs",
    ))
    .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"AccessToken": "at", "DeviceKey": "us-east-1_0f2c", "DeviceName": "Firefox",
            "DeviceSecretVerifierConfig": {"PasswordVerifier": "dmVy", "Salt": "c2Fs"}})
    );
    assert_eq!(
        Op::ConfirmDevice.target(),
        "AWSCognitoIdentityProviderService.ConfirmDevice"
    );
}

#[test]
fn tokens_debug_never_shows_a_token() {
    let tokens = Tokens {
        access_token: "access-secret".into(),
        id_token: Some("id-secret".into()),
        refresh_token: Some("refresh-secret".into()),
        expires_in: Some(3600),
        token_type: Some("Bearer".into()),
        new_device_metadata: None,
    };
    let shown = format!("{tokens:?}");
    assert!(!shown.contains("secret"), "{shown}");
    assert!(shown.contains("3600"), "{shown}");
    // Stored tokens read back the same (the CLI keeps them in its session file).
    let back: Tokens = serde_json::from_value(serde_json::to_value(&tokens).unwrap()).unwrap();
    assert_eq!(back, tokens);
}

#[test]
fn error_bodies_are_read_leniently() {
    let body = ErrorBody::parse(
        br#"{"__type":"com.amazonaws.cognito.identity.idp.model#TooManyRequestsException","message":"Rate exceeded"}"#,
    );
    assert_eq!(
        body.type_name.as_deref(),
        Some("com.amazonaws.cognito.identity.idp.model#TooManyRequestsException")
    );
    assert_eq!(body.message(), "Rate exceeded");
    let body = ErrorBody::parse(br#"{"code":"UserNotFoundException","errorMessage":"gone"}"#);
    assert_eq!(
        (body.code.as_deref(), body.message()),
        (Some("UserNotFoundException"), "gone")
    );
    assert_eq!(ErrorBody::parse(br#"{"Message":"M"}"#).message(), "M");
    assert_eq!(
        ErrorBody::parse(b"<html>bad gateway</html>"),
        ErrorBody::default()
    );
    assert_eq!(ErrorBody::parse(b"").message(), "");
}

#[test]
fn error_names_drop_prefix_and_suffix() {
    for (raw, want) in [
        ("NotAuthorizedException", "NotAuthorizedException"),
        (
            "NotAuthorizedException:http://internal.amazon.com/",
            "NotAuthorizedException",
        ),
        (
            "com.amazonaws.cognito.identity.idp.model#TooManyRequestsException",
            "TooManyRequestsException",
        ),
        (" UserNotFoundException ", "UserNotFoundException"),
        ("", ""),
    ] {
        assert_eq!(error_name(raw), want, "{raw:?}");
    }
}

#[test]
fn error_kinds_by_name() {
    for (raw, kind) in [
        ("NotAuthorizedException", ErrorKind::NotAuthorized),
        (
            "ns#UserLambdaValidationException",
            ErrorKind::UserLambdaValidation,
        ),
        ("ThrottlingException", ErrorKind::TooManyRequests),
        ("TooManyRequestsException:http://x/", ErrorKind::TooManyRequests),
        ("ServiceUnavailable", ErrorKind::InternalError),
        ("InternalFailure", ErrorKind::InternalError),
        (
            "CodeDeliveryFailureException",
            ErrorKind::Other("CodeDeliveryFailureException".into()),
        ),
    ] {
        assert_eq!(ErrorKind::from_type(raw), kind, "{raw}");
    }
    for kind in [
        ErrorKind::NotAuthorized,
        ErrorKind::InvalidParameter,
        ErrorKind::InternalError,
    ] {
        assert_eq!(ErrorKind::from_type(kind.name()), kind);
    }
    assert!(ErrorKind::TooManyRequests.retryable() && ErrorKind::InternalError.retryable());
    assert!(!ErrorKind::NotAuthorized.retryable() && !ErrorKind::UserLambdaValidation.retryable());
    for kind in [
        ErrorKind::UserLambdaValidation,
        ErrorKind::InvalidLambdaResponse,
        ErrorKind::UnexpectedLambda,
    ] {
        assert!(kind.trigger_failed() && !kind.retryable(), "{kind:?}");
    }
    assert!(!ErrorKind::NotAuthorized.trigger_failed());
}

#[test]
fn one_reading_of_an_error_answer() {
    // Body first (`__type`, then `code`), then the header; decorations dropped.
    let both = ErrorAnswer::read(
        400,
        Some("TooManyRequestsException:http://internal.amazon.com/"),
        br#"{"__type":"x#NotAuthorizedException","message":"Incorrect username or password."}"#,
    );
    assert_eq!(both.kind, ErrorKind::NotAuthorized);
    assert_eq!(both.message, "Incorrect username or password.");
    assert_eq!(
        ErrorAnswer::read(400, None, br#"{"code":"UserNotFoundException"}"#).kind,
        ErrorKind::UserNotFound
    );
    assert_eq!(
        ErrorAnswer::read(400, Some("InternalErrorException:"), b"<html>").kind,
        ErrorKind::InternalError
    );
    // Nothing named: a gateway's 5xx did not take effect; a bare 4xx is nobody's type.
    assert_eq!(
        ErrorAnswer::read(502, None, b"<html>").kind,
        ErrorKind::InternalError
    );
    assert_eq!(
        ErrorAnswer::read(403, None, b"").kind,
        ErrorKind::Other(String::new())
    );
}

#[test]
fn one_retry_policy() {
    let retryable = |status, kind: &str| ErrorAnswer::read(status, Some(kind), b"").retryable();
    assert!(retryable(400, "TooManyRequestsException"));
    assert!(retryable(500, "InternalErrorException"));
    assert!(retryable(503, "SomethingElseException"));
    assert!(!retryable(400, "NotAuthorizedException"));
    // A failing trigger never, even as a 5xx.
    assert!(!retryable(500, "UserLambdaValidationException"));
    assert!(!retryable(502, "UnexpectedLambdaException"));
    // Without an answer: every operation Handoff makes may go again; the CLI's admin calls may not.
    for op in Op::ALL {
        assert!(op.retry_without_answer(), "{op:?}");
        assert_eq!(Op::from_name(op.name()), Some(op));
    }
    assert_eq!(Op::from_name("AdminCreateUser"), None);
    assert_eq!(RETRY_BACKOFF_MS, [250, 500, 1000]);
}
