//! The Cognito client and the redeem flow over recorded answer shapes in `tests/fixtures/cognito-api/`.

use std::cell::RefCell;
use std::path::PathBuf;

use handoff_cli::cognito::{Client, Error, ErrorKind, RawResponse, Transport, parse_response};
use handoff_cli::landing::{self, FlowError};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn recorded(name: &str) -> RawResponse {
    let text = std::fs::read_to_string(fixtures().join("cognito-api").join(name)).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let body = match &fixture["body"] {
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    RawResponse {
        status: fixture["status"].as_u64().unwrap() as u16,
        error_type: fixture["headers"]["x-amzn-ErrorType"].as_str().map(str::to_owned),
        body,
    }
}

/// Replays recorded answers in order and records each request (target, JSON body).
struct Replay {
    answers: RefCell<Vec<RawResponse>>,
    sent: RefCell<Vec<(String, Value)>>,
}

impl Replay {
    fn new(names: &[&str]) -> Self {
        Replay {
            answers: RefCell::new(names.iter().map(|n| recorded(n)).collect()),
            sent: RefCell::new(Vec::new()),
        }
    }
}

impl Transport for &Replay {
    fn post(&self, target: &str, body: Vec<u8>) -> Result<RawResponse, Error> {
        self.sent
            .borrow_mut()
            .push((target.to_owned(), serde_json::from_slice(&body).unwrap()));
        let mut answers = self.answers.borrow_mut();
        if answers.is_empty() {
            Err(Error::Network("no more recorded answers".into()))
        } else {
            Ok(answers.remove(0))
        }
    }
}

fn client(replay: &Replay) -> Client<&Replay> {
    let mut client = Client::new(replay);
    client.backoff = vec![std::time::Duration::ZERO; 2];
    client
}

fn golden_token() -> String {
    let text = std::fs::read_to_string(fixtures().join("wire/redeem-request.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn link() -> landing::Link {
    landing::parse_link(&format!("https://app.example/handoff#handoff={}", golden_token())).unwrap()
}

#[test]
fn every_error_fixture_maps_to_its_kind_and_message() {
    for (name, kind, message) in [
        (
            "error-not-authorized-wrong-answer.json",
            ErrorKind::NotAuthorized,
            "Incorrect username or password.",
        ),
        (
            "error-not-authorized-session-expired.json",
            ErrorKind::NotAuthorized,
            "Invalid session for the user, session is expired.",
        ),
        (
            "error-not-authorized-invalid-session.json",
            ErrorKind::NotAuthorized,
            "Invalid session for the user.",
        ),
        (
            "error-user-lambda-validation.json",
            ErrorKind::UserLambdaValidation,
            "VerifyAuthChallengeResponse failed with error Task timed out after 5.00 seconds.",
        ),
        (
            "error-too-many-requests.json",
            ErrorKind::TooManyRequests,
            "Rate exceeded",
        ),
        (
            "error-invalid-parameter-flow.json",
            ErrorKind::InvalidParameter,
            "Auth flow not enabled for this client",
        ),
        (
            "error-resource-not-found.json",
            ErrorKind::ResourceNotFound,
            "User pool client 1example23456789 does not exist.",
        ),
        (
            "error-user-not-found.json",
            ErrorKind::UserNotFound,
            "User does not exist.",
        ),
        (
            "error-internal.json",
            ErrorKind::InternalError,
            "Internal server error.",
        ),
        (
            "error-type-in-header-only.json",
            ErrorKind::TooManyRequests,
            "Rate exceeded",
        ),
        (
            "error-namespaced-type.json",
            ErrorKind::NotAuthorized,
            "Incorrect username or password.",
        ),
    ] {
        match parse_response::<Value>(&recorded(name)) {
            Err(Error::Service {
                kind: got,
                message: m,
                ..
            }) => {
                assert_eq!(got, kind, "{name}");
                assert_eq!(m, message, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn unknown_error_types_keep_their_name() {
    let raw = RawResponse {
        status: 400,
        error_type: None,
        body: br#"{"__type":"CodeDeliveryFailureException","message":"x"}"#.to_vec(),
    };
    let err = parse_response::<Value>(&raw).unwrap_err();
    assert_eq!(
        err.kind(),
        Some(&ErrorKind::Other("CodeDeliveryFailureException".into()))
    );
    assert!(err.to_string().contains("CodeDeliveryFailureException"));
}

#[test]
fn a_bodyless_server_error_is_internal_and_a_bodyless_client_error_is_unexpected() {
    let five = RawResponse {
        status: 503,
        error_type: None,
        body: b"<html>".to_vec(),
    };
    assert_eq!(
        parse_response::<Value>(&five).unwrap_err().kind(),
        Some(&ErrorKind::InternalError)
    );
    let four = RawResponse {
        status: 403,
        error_type: None,
        body: Vec::new(),
    };
    assert!(matches!(
        parse_response::<Value>(&four),
        Err(Error::Unexpected(_))
    ));
}

#[test]
fn password_sign_in_sends_the_json_1_1_request_and_reads_the_tokens() {
    let replay = Replay::new(&["initiate-auth-password-ok.json"]);
    let answer = client(&replay)
        .password_auth("mobile-client-test", "alice", "pw")
        .unwrap();
    let tokens = answer.authentication_result.unwrap();
    assert_eq!(tokens.expires_in, Some(3600));
    assert!(tokens.refresh_token.is_some() && tokens.id_token.is_some());
    let sent = replay.sent.borrow();
    assert_eq!(sent[0].0, "AWSCognitoIdentityProviderService.InitiateAuth");
    assert_eq!(sent[0].1["AuthFlow"], "USER_PASSWORD_AUTH");
    assert_eq!(sent[0].1["ClientId"], "mobile-client-test");
    assert_eq!(sent[0].1["AuthParameters"]["USERNAME"], "alice");
    // Debug never shows a token.
    assert!(!format!("{tokens:?}").contains(&tokens.access_token));
}

#[test]
fn redeem_answers_as_the_username_and_with_the_session_cognito_returned() {
    let replay = Replay::new(&[
        "initiate-auth-custom-challenge.json",
        "respond-custom-challenge-ok.json",
    ]);
    let tokens = landing::redeem(&client(&replay), "web-client-test", &link(), &mut |_| {}).unwrap();
    let claims = landing::unverified_claims(tokens.id_token.as_deref().unwrap()).unwrap();
    assert_eq!(claims["sub"], "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60");

    let sent = replay.sent.borrow();
    assert_eq!(sent.len(), 2, "exactly two calls on the happy path");
    assert_eq!(sent[0].1["AuthFlow"], "CUSTOM_AUTH");
    assert_eq!(sent[0].1["AuthParameters"]["USERNAME"], "alice");
    assert_eq!(
        sent[1].0,
        "AWSCognitoIdentityProviderService.RespondToAuthChallenge"
    );
    let respond = &sent[1].1;
    assert_eq!(respond["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(respond["ClientId"], "web-client-test");
    assert_eq!(respond["Session"], "AYABeFIXTURE-session-round-1");
    assert_eq!(respond["ChallengeResponses"]["USERNAME"], "alice-internal");
    assert_eq!(respond["ChallengeResponses"]["ANSWER"], golden_token());
}

#[test]
fn redeem_falls_back_to_the_sent_username_when_cognito_names_none() {
    let replay = Replay::new(&[
        "initiate-auth-custom-challenge-ministack.json",
        "respond-custom-challenge-ok.json",
    ]);
    landing::redeem(&client(&replay), "web-client-test", &link(), &mut |_| {}).unwrap();
    let sent = replay.sent.borrow();
    assert_eq!(sent[1].1["ChallengeResponses"]["USERNAME"], "alice");
    assert_eq!(sent[1].1["Session"], "ministack-session");
}

#[test]
fn redeem_refuses_a_second_round() {
    let replay = Replay::new(&[
        "initiate-auth-custom-challenge.json",
        "respond-custom-challenge-another-round.json",
    ]);
    let err = landing::redeem(&client(&replay), "web-client-test", &link(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, FlowError::Protocol(_)), "{err}");
    assert_eq!(replay.sent.borrow().len(), 2, "no second answer is sent");
}

#[test]
fn redeem_reports_a_refused_token_as_not_authorized_without_retrying() {
    let replay = Replay::new(&[
        "initiate-auth-custom-challenge.json",
        "error-not-authorized-wrong-answer.json",
        "respond-custom-challenge-ok.json",
    ]);
    let err = landing::redeem(&client(&replay), "web-client-test", &link(), &mut |_| {}).unwrap_err();
    match err {
        FlowError::Cognito(e) => assert_eq!(e.kind(), Some(&ErrorKind::NotAuthorized)),
        other => panic!("{other}"),
    }
    assert_eq!(replay.sent.borrow().len(), 2);
}

#[test]
fn redeem_reports_an_unknown_user_like_a_bad_token() {
    // PreventUserExistenceErrors: the unknown user gets a challenge, then the same NotAuthorized.
    let replay = Replay::new(&[
        "initiate-auth-custom-challenge.json",
        "error-not-authorized-wrong-answer.json",
    ]);
    let err = landing::redeem(&client(&replay), "web-client-test", &link(), &mut |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cognito: NotAuthorizedException (400): Incorrect username or password."
    );
}

#[test]
fn throttling_is_retried_with_the_same_request() {
    let replay = Replay::new(&[
        "error-too-many-requests.json",
        "error-type-in-header-only.json",
        "initiate-auth-custom-challenge.json",
        "respond-custom-challenge-ok.json",
    ]);
    landing::redeem(&client(&replay), "web-client-test", &link(), &mut |_| {}).unwrap();
    let sent = replay.sent.borrow();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0], sent[2]);
}

#[test]
fn retries_stop_after_the_backoff_runs_out() {
    let replay = Replay::new(&[
        "error-internal.json",
        "error-internal.json",
        "error-internal.json",
        "error-internal.json",
    ]);
    let err = client(&replay)
        .custom_auth("web-client-test", "alice")
        .unwrap_err();
    assert_eq!(err.kind(), Some(&ErrorKind::InternalError));
    assert_eq!(replay.sent.borrow().len(), 3);
}

#[test]
fn a_trigger_failure_is_not_retried() {
    let replay = Replay::new(&[
        "error-user-lambda-validation.json",
        "initiate-auth-custom-challenge.json",
    ]);
    let err = client(&replay)
        .custom_auth("web-client-test", "alice")
        .unwrap_err();
    assert_eq!(err.kind(), Some(&ErrorKind::UserLambdaValidation));
    assert_eq!(replay.sent.borrow().len(), 1);
}

#[test]
fn links_are_read_from_the_fragment_only() {
    let token = golden_token();
    let link = landing::parse_link(&format!("https://app.example/h?x=1#foo=bar&handoff={token}")).unwrap();
    assert_eq!(link.username, "alice");
    assert_eq!(link.token, token);
    assert!(!format!("{link:?}").contains(&token));
    for bad in [
        format!("https://app.example/h?handoff={token}"),
        "https://app.example/h#handoff=".into(),
        "https://app.example/h#handoff=not-a-jwt".into(),
        format!("https://app.example/h#handoff={}", "a".repeat(5000)),
    ] {
        assert!(
            matches!(landing::parse_link(&bad), Err(FlowError::BadLink(_))),
            "{bad}"
        );
    }
}

#[test]
fn no_answer_is_retried_for_sign_in_calls_as_on_the_page() {
    // The replay has nothing to answer with: every call is a network error. A sign-in call is sent 1 + 2 times
    // (the client's two pauses), as core's policy says; the CLI's admin calls are sent once.
    let replay = Replay::new(&[]);
    let err = client(&replay)
        .custom_auth("web-client-test", "alice")
        .unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    assert_eq!(replay.sent.borrow().len(), 3);
    let replay = Replay::new(&[]);
    let err = client(&replay)
        .call_retrying::<Value>("AdminCreateUser", &serde_json::json!({}))
        .unwrap_err();
    assert!(matches!(err, Error::Network(_)));
    assert_eq!(replay.sent.borrow().len(), 1);
    // The default pauses are core's, the page's too.
    assert_eq!(
        Client::new(&replay).backoff,
        [250, 500, 1000].map(std::time::Duration::from_millis)
    );
}
