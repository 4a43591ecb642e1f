//! Cognito's public API types: request bodies in Cognito's shape, answers read, tokens redacted, error types named.
//! Runs natively and on wasm32.

use handoff_core::cognito_api::{
    AuthAnswer, CONTENT_TYPE, ErrorAnswer, ErrorBody, ErrorKind, InitiateAuth, Op, RETRY_BACKOFF_MS,
    RespondToAuthChallenge, TARGET_PREFIX, Tokens, confirm_device_body, error_name, initiate_auth_body,
    respond_body, respond_body_bound,
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
    assert_eq!(a.challenge_parameters.get("USERNAME").unwrap(), "u-1");
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

/// Answers real Cognito, emulators and broken proxies give, and answers no one should accept.
const ANSWERS: &[&str] = &[
    "{}",
    r#"{"ChallengeName":"CUSTOM_CHALLENGE","Session":"S1","ChallengeParameters":{"USERNAME":"u-1","handoff":"jwt"}}"#,
    r#"{"ChallengeName":null,"Session":null,"AuthenticationResult":null}"#,
    r#"{"AuthenticationResult":{"AccessToken":"A","IdToken":"I","RefreshToken":"R","ExpiresIn":3600,"TokenType":"Bearer"},"ChallengeParameters":{}}"#,
    r#"{"AuthenticationResult":{"AccessToken":"a","NewDeviceMetadata":{"DeviceKey":"k","DeviceGroupKey":"g"}}}"#,
    r#"{"AuthenticationResult":{"AccessToken":"a","NewDeviceMetadata":null,"Extra":[1,{"x":true}]},"Other":1.5e3}"#,
    r#"{"ChallengeName":"CUSTOM_CHALLENGE","ChallengeParameters":{"USERNAME":"\u00e9\ud83d\ude00\n"}}"#,
    r#"{"ChallengeName":"CUSTOM_CHALLENGE","ChallengeParameters":{"handoff":"jwt","USERNAME":"u-1","A":"1"}}"#,
    // Not answers: wrong kinds, missing required members, not an object, not JSON.
    r#"{"ChallengeParameters":null}"#,
    r#"{"ChallengeParameters":{"n":1}}"#,
    r#"{"ChallengeName":7}"#,
    r#"{"AuthenticationResult":{}}"#,
    r#"{"AuthenticationResult":{"AccessToken":"a","ExpiresIn":-1}}"#,
    r#"{"AuthenticationResult":{"AccessToken":"a","ExpiresIn":3600.0}}"#,
    r#"{"AuthenticationResult":{"AccessToken":"a","NewDeviceMetadata":{"DeviceKey":"k"}}}"#,
    r#"{"AuthenticationResult":"tokens"}"#,
    "null",
    "",
    "{",
    r#"{"Session":"S1",}"#,
];

#[test]
fn the_pages_answer_reader_reads_every_answer_as_serde_does() {
    for text in ANSWERS {
        let serde = serde_json::from_str::<AuthAnswer>(text).ok();
        assert_eq!(AuthAnswer::parse(text), serde, "{text}");
    }
    // Both kinds occur above, so the comparison is not vacuous.
    assert!(ANSWERS.iter().filter(|t| AuthAnswer::parse(t).is_some()).count() >= 6);
    assert!(ANSWERS.iter().filter(|t| AuthAnswer::parse(t).is_none()).count() >= 10);
    // One deliberate difference: serde's derive also reads a struct from an array of its members in order (`[]`
    // is an answer with every member absent); an answer is an object, so the page refuses it.
    assert!(serde_json::from_str::<AuthAnswer>("[]").is_ok());
    assert_eq!(AuthAnswer::parse("[]"), None);
    assert_eq!(AuthAnswer::parse(r#"["CUSTOM_CHALLENGE"]"#), None);
}

#[test]
fn the_pages_answer_reader_refuses_a_repeated_member() {
    // serde_json keeps the last `Session`; the page refuses the answer instead of guessing.
    let text = r#"{"Session":"S1","Session":"S2"}"#;
    assert!(serde_json::from_str::<AuthAnswer>(text).is_err());
    assert_eq!(AuthAnswer::parse(text), None);
    let text = r#"{"ChallengeParameters":{"USERNAME":"a","USERNAME":"b"}}"#;
    assert_eq!(
        serde_json::from_str::<AuthAnswer>(text)
            .unwrap()
            .challenge_parameters
            .get("USERNAME")
            .unwrap(),
        "b"
    );
    assert_eq!(AuthAnswer::parse(text), None);
}

#[test]
fn the_pages_error_reader_reads_every_body_as_serde_does() {
    for text in [
        r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
        r#"{"code":"UserLambdaValidationException","Message":"m","errorMessage":"e"}"#,
        r#"{"__type":null,"message":"only a message"}"#,
        r#"{"__type":42,"message":"m"}"#,
        "<html><body>502 Bad Gateway</body></html>",
        "",
        "[]",
    ] {
        let serde = serde_json::from_str::<ErrorBody>(text).unwrap_or_default();
        assert_eq!(ErrorBody::parse(text.as_bytes()), serde, "{text}");
    }
    assert_eq!(ErrorBody::parse(b"\xff\xfe"), ErrorBody::default());
}

#[test]
fn the_request_bodies_are_written_byte_for_byte_as_serde_writes_them() {
    let odd = "quote \" backslash \\ newline \n tab \t nul \u{0} del \u{7f} \u{e9}\u{1F600} </script>";
    for (client, session, user, answer) in [("web", "S2", "alice", "t.o.k"), (odd, odd, odd, odd)] {
        let respond = RespondToAuthChallenge::custom_challenge(client, session, user, answer);
        assert_eq!(respond.to_json(), serde_json::to_string(&respond).unwrap());
        assert_eq!(respond_body(client, session, user, answer), respond.to_json());
        let bound = respond.clone().with_binding(odd);
        assert_eq!(bound.to_json(), serde_json::to_string(&bound).unwrap());
        assert_eq!(
            respond_body_bound(client, session, user, answer, Some(odd)),
            bound.to_json()
        );
        assert_eq!(
            respond_body_bound(client, session, user, answer, None),
            respond.to_json()
        );
        let initiate = InitiateAuth::custom_auth(client, user);
        assert_eq!(initiate.to_json(), serde_json::to_string(&initiate).unwrap());
        assert_eq!(initiate_auth_body(client, user), initiate.to_json());
    }
    let password = InitiateAuth {
        auth_flow: "USER_PASSWORD_AUTH",
        client_id: "mobile",
        auth_parameters: [("USERNAME", "alice"), ("PASSWORD", "p\"w")].into(),
    };
    assert_eq!(password.to_json(), serde_json::to_string(&password).unwrap());
    assert_eq!(
        handoff_core::cognito_api::revoke_token_body("web", "r\"t"),
        serde_json::to_string(&json!({"ClientId": "web", "Token": "r\"t"})).unwrap()
    );
    assert_eq!(
        confirm_device_body("a", "k", "Chrome \"1\"", "v", "s"),
        r#"{"AccessToken":"a","DeviceKey":"k","DeviceName":"Chrome \"1\"","DeviceSecretVerifierConfig":{"PasswordVerifier":"v","Salt":"s"}}"#
    );
}
