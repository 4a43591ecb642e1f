//! Create's challenges over the event fixtures in `tests/fixtures/cognito/create-*.json`.

mod common;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCreateAuthChallenge;
use common::{assert_conforms, context, event, fixtures, run};
use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{Context, TriggerError, handle};

#[test]
fn every_create_fixture_and_answer_parses_as_aws_create_event() {
    for name in fixtures("create-") {
        let (out, _) = run(&name, None);
        assert_conforms::<CognitoEventUserPoolsCreateAuthChallenge>(&name, out.as_ref().ok());
    }
}

#[test]
fn create_asks_for_the_handoff_token_with_a_private_nonce() {
    let (out, _) = run("create.json", None);
    let out = out.unwrap();
    assert_conforms::<CognitoEventUserPoolsCreateAuthChallenge>("create.json", Some(&out));
    let response = &out["response"];
    assert_eq!(
        response["publicChallengeParameters"],
        serde_json::json!({"handoff": "jwt"})
    );
    assert_eq!(response["challengeMetadata"], "HANDOFF_JWT");
    let nonce = response["privateChallengeParameters"]["nonce"].as_str().unwrap();
    assert_eq!(nonce, handoff_core::base64url::encode([42; NONCE_BYTES]));
    assert!(handoff_core::base64url::decode(nonce).unwrap().len() * 8 >= 128);
}

#[test]
fn create_gives_an_unknown_user_the_same_shape_of_challenge() {
    let known = run("create.json", None).0.unwrap();
    let unknown = run("create-user-not-found.json", None).0.unwrap();
    assert_eq!(known["response"], unknown["response"]);
}

#[test]
fn create_refuses_other_challenges() {
    let (out, record) = run("create-unexpected-challenge.json", None);
    assert_eq!(out.unwrap_err(), TriggerError::UnexpectedChallenge);
    assert_eq!(record["level"], "error");
}

#[test]
fn create_fails_without_randomness() {
    let no_random = || -> Result<[u8; NONCE_BYTES], String> { Err("entropy pool closed".into()) };
    let ctx = Context {
        random: &no_random,
        ..context(None)
    };
    assert!(matches!(
        handle(event("create.json"), &ctx).0,
        Err(TriggerError::NoRandomness(_))
    ));
}

#[test]
fn create_draws_a_fresh_nonce_each_time() {
    let cell = std::cell::Cell::new(0u8);
    let rnd = || -> Result<[u8; NONCE_BYTES], String> {
        cell.set(cell.get() + 1);
        Ok([cell.get(); NONCE_BYTES])
    };
    let ctx = Context {
        random: &rnd,
        ..context(None)
    };
    let a = handle(event("create.json"), &ctx).0.unwrap();
    let b = handle(event("create.json"), &ctx).0.unwrap();
    assert_eq!(cell.get(), 2);
    assert_ne!(
        a["response"]["privateChallengeParameters"],
        b["response"]["privateChallengeParameters"]
    );
}
