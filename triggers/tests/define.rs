//! Define's decisions over the event fixtures in `tests/fixtures/cognito/define-*.json`.

mod common;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsDefineAuthChallenge;
use common::{FakeEdge, assert_conforms, event, fixtures, run, run_event};
use handoff_triggers::handler::TriggerError;
use handoff_triggers::redeem::NoVerdict;
use serde_json::{Value, json};

/// Define's `response` to fixture `name`; the answer conforms to AWS's type and echoes the request unchanged.
fn define(name: &str) -> Value {
    let (out, _) = run(name, Some(&FakeEdge::new(Vec::new())));
    assert_conforms::<CognitoEventUserPoolsDefineAuthChallenge>(name, out.as_ref().ok());
    let out = out.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(out["request"], event(name)["request"]);
    out["response"].clone()
}

fn assert_challenge(response: &Value) {
    assert_eq!(response["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(response["issueTokens"], false);
    assert_eq!(response["failAuthentication"], false);
}

fn assert_fail(response: &Value) {
    assert_eq!(response["issueTokens"], false);
    assert_eq!(response["failAuthentication"], true);
}

#[test]
fn every_define_fixture_and_answer_parses_as_aws_define_event() {
    for name in fixtures("define-") {
        define(&name);
    }
}

#[test]
fn define_starts_with_one_custom_challenge() {
    assert_challenge(&define("define-empty-session.json"));
}

#[test]
fn define_issues_tokens_after_one_correct_custom_challenge() {
    let response = define("define-one-success.json");
    assert_eq!(response["issueTokens"], true);
    assert_eq!(response["failAuthentication"], false);
}

#[test]
fn define_fails_after_a_wrong_answer_and_never_offers_a_second_attempt() {
    assert_fail(&define("define-one-failure.json"));
}

#[test]
fn define_gives_an_unknown_user_the_same_first_step_as_a_known_one() {
    // Outwardly identical to a real user with a bad token: challenge first, failure after the answer.
    assert_eq!(
        define("define-user-not-found.json"),
        define("define-empty-session.json")
    );
}

#[test]
fn define_never_issues_tokens_to_an_unknown_user() {
    assert_fail(&define("define-user-not-found-after-round.json"));
}

#[test]
fn define_fails_on_a_challenge_it_never_asked_for() {
    assert_fail(&define("define-unexpected-challenge.json"));
}

#[test]
fn define_fails_on_a_second_round_even_if_it_succeeded() {
    assert_fail(&define("define-two-rounds.json"));
}

#[test]
fn define_fails_on_a_pending_round() {
    assert_fail(&define("define-pending-round.json"));
}

#[test]
fn define_logs_its_decision() {
    let (_, record) = run("define-one-failure.json", Some(&FakeEdge::new(Vec::new())));
    assert_eq!(record["decision"], "challenge_failed");
    assert_eq!(record["trigger"], "DefineAuthChallenge_Authentication");
}

#[test]
fn define_refuses_clients_that_are_not_configured_web_clients() {
    let edge = FakeEdge::new(Vec::new());
    let decision = |raw: Value| run_event(raw, Some(&edge)).1["decision"].clone();
    let mut other = event("define-empty-session.json");
    other["callerContext"]["clientId"] = "admin-client-with-custom-auth".into();
    let (out, record) = run_event(other.clone(), Some(&edge));
    assert_eq!(
        out.unwrap()["response"],
        json!({"issueTokens": false, "failAuthentication": true})
    );
    assert_eq!(record["decision"], "client_not_allowed");
    // Even a correct answer from another client never issues tokens.
    let mut won = event("define-one-success.json");
    won["callerContext"]["clientId"] = "admin-client-with-custom-auth".into();
    assert_eq!(decision(won), "client_not_allowed");
    // No client id at all fails too.
    other["callerContext"] = Value::Null;
    assert_eq!(decision(other), "client_not_allowed");
    // The second configured client is let through.
    let mut second = event("define-empty-session.json");
    second["callerContext"]["clientId"] = "web-client-other".into();
    assert_eq!(decision(second), "custom_challenge");
}

#[test]
fn define_without_configuration_fails_the_invocation_as_misconfigured() {
    let (out, record) = run("define-empty-session.json", None);
    assert_eq!(
        out.unwrap_err(),
        TriggerError::NoVerdict(NoVerdict::Misconfigured)
    );
    assert_eq!(record["reason"], "misconfigured");
}

#[test]
fn unknown_trigger_sources_are_errors() {
    let mut raw = event("define-one-success.json");
    raw["triggerSource"] = "PreSignUp_SignUp".into();
    assert!(matches!(
        run_event(raw, None).0,
        Err(TriggerError::UnknownTrigger(_))
    ));
    assert!(matches!(
        run_event(Value::String("x".into()), None).0,
        Err(TriggerError::UnknownTrigger(_))
    ));
}
