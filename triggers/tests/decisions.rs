//! Trigger decisions over the event fixtures in `tests/fixtures/cognito/`, with a fake edge.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCreateAuthChallenge, CognitoEventUserPoolsDefineAuthChallenge,
    CognitoEventUserPoolsVerifyAuthChallenge,
};
use handoff_core::Reason;
use handoff_core::wire::{RedeemAnswer, RedeemRequest};
use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{Context, TriggerError, handle};
use handoff_triggers::verify::{self, NoVerdict, VerifyDecision};
use handoff_triggers::{RedeemError, Redeemer};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn event(name: &str) -> Value {
    let path = fixture_dir().join("cognito").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A scripted edge: answers in order, records what it was asked.
struct FakeEdge {
    answers: Mutex<Vec<Result<RedeemAnswer, RedeemError>>>,
    asked: Mutex<Vec<RedeemRequest>>,
}

impl FakeEdge {
    fn new(answers: Vec<Result<RedeemAnswer, RedeemError>>) -> Self {
        FakeEdge {
            answers: Mutex::new(answers),
            asked: Mutex::new(Vec::new()),
        }
    }
    fn asked(&self) -> Vec<RedeemRequest> {
        self.asked.lock().unwrap().clone()
    }
}

impl Redeemer for FakeEdge {
    fn redeem(&self, request: &RedeemRequest, _deadline: Instant) -> Result<RedeemAnswer, RedeemError> {
        self.asked.lock().unwrap().push(request.clone());
        let mut answers = self.answers.lock().unwrap();
        if answers.is_empty() {
            Err(RedeemError::Transport("no scripted answer".into()))
        } else {
            answers.remove(0)
        }
    }
}

/// The fixtures' web client (`callerContext.clientId` of every event fixture).
fn web_clients() -> Vec<String> {
    vec!["web-client-test".to_owned(), "web-client-other".to_owned()]
}

fn random() -> Result<[u8; NONCE_BYTES], String> {
    Ok([42; NONCE_BYTES])
}

fn run(name: &str, edge: Option<&FakeEdge>) -> (Result<Value, TriggerError>, Value) {
    let ctx = Context {
        redeemer: edge.map(|e| e as &dyn Redeemer),
        random: &random,
        budget: Duration::from_secs(2),
        web_clients: &web_clients(),
    };
    handle(event(name), &ctx)
}

fn define(name: &str) -> Value {
    let (out, _) = run(name, Some(&FakeEdge::new(Vec::new())));
    let out = out.unwrap();
    // Whatever AWS's types can read, our answer keeps readable; the request part is echoed unchanged.
    // (They cannot read ministack's pending round, `challengeResult: null`: the reason event.rs is tolerant.)
    if serde_json::from_value::<CognitoEventUserPoolsDefineAuthChallenge>(event(name)).is_ok() {
        let _: CognitoEventUserPoolsDefineAuthChallenge = serde_json::from_value(out.clone()).unwrap();
    }
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
fn create_asks_for_the_handoff_token_with_a_private_nonce() {
    let (out, _) = run("create.json", None);
    let out = out.unwrap();
    let _: CognitoEventUserPoolsCreateAuthChallenge = serde_json::from_value(out.clone()).unwrap();
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
        redeemer: None,
        random: &no_random,
        budget: Duration::from_secs(2),
        web_clients: &web_clients(),
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
        redeemer: None,
        random: &rnd,
        budget: Duration::from_secs(2),
        web_clients: &web_clients(),
    };
    let a = handle(event("create.json"), &ctx).0.unwrap();
    let b = handle(event("create.json"), &ctx).0.unwrap();
    assert_eq!(cell.get(), 2);
    assert_ne!(
        a["response"]["privateChallengeParameters"],
        b["response"]["privateChallengeParameters"]
    );
}

fn verify(name: &str, edge: Option<&FakeEdge>) -> (bool, Value) {
    let (out, record) = run(name, edge);
    let out = out.unwrap();
    let parsed: CognitoEventUserPoolsVerifyAuthChallenge = serde_json::from_value(out.clone()).unwrap();
    assert_eq!(
        parsed.response.answer_correct,
        out["response"]["answerCorrect"].as_bool().unwrap()
    );
    (parsed.response.answer_correct, record)
}

#[test]
fn verify_sends_the_golden_redeem_request_and_accepts_ok() {
    let edge = FakeEdge::new(vec![Ok(RedeemAnswer::OK)]);
    let (correct, record) = verify("verify.json", Some(&edge));
    assert!(correct);
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir().join("wire/redeem-request.json")).unwrap(),
    )
    .unwrap();
    let asked = edge.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(serde_json::to_value(&asked[0]).unwrap(), golden);
    assert_eq!(record["answer_correct"], true);
    assert_eq!(record["attempts"], 1);
}

#[test]
fn verify_logs_a_fingerprint_and_never_the_answer_or_nonce() {
    let edge = FakeEdge::new(vec![Ok(RedeemAnswer::refused(Reason::Replayed))]);
    let (correct, record) = verify("verify.json", Some(&edge));
    assert!(!correct);
    let token = event("verify.json")["request"]["challengeAnswer"]
        .as_str()
        .unwrap()
        .to_owned();
    let line = record.to_string();
    assert!(!line.contains(&token));
    assert!(!line.contains("n0nce-0123456789abcdef"));
    assert_eq!(record["answer_fp"], handoff_core::fingerprint(&token));
    assert_eq!(record["reason"], "replayed");
}

#[test]
fn verify_refuses_when_the_edge_refuses() {
    for reason in [
        Reason::Replayed,
        Reason::Expired,
        Reason::WrongUser,
        Reason::BadSignature,
    ] {
        let edge = FakeEdge::new(vec![Ok(RedeemAnswer::refused(reason))]);
        let (correct, record) = verify("verify.json", Some(&edge));
        assert!(!correct);
        assert_eq!(record["reason"], reason.as_str());
    }
}

/// Runs a Verify that must end in an invocation error (no verdict); returns the error and the log record.
fn verify_error(name: &str, edge: Option<&FakeEdge>) -> (TriggerError, Value) {
    let (out, record) = run(name, edge);
    let err = out.expect_err("no verdict must be an invocation error, never an answer");
    assert_eq!(record["level"], "error");
    assert_eq!(record["answer_correct"], false);
    (err, record)
}

#[test]
fn verify_fails_with_an_error_on_every_edge_failure_without_retrying_non_connection_errors() {
    for (err, kind) in [
        (RedeemError::Timeout, NoVerdict::Unavailable),
        (RedeemError::Status(500), NoVerdict::Unavailable),
        (RedeemError::Status(503), NoVerdict::Unavailable),
        (RedeemError::Status(401), NoVerdict::Misconfigured),
        (RedeemError::Status(404), NoVerdict::Misconfigured),
        (RedeemError::Garbage("not json".into()), NoVerdict::Misconfigured),
        (RedeemError::Transport("reset".into()), NoVerdict::Unavailable),
    ] {
        let edge = FakeEdge::new(vec![Err(err.clone()), Ok(RedeemAnswer::OK)]);
        let (error, record) = verify_error("verify.json", Some(&edge));
        assert_eq!(error, TriggerError::NoVerdict(kind), "{err:?}");
        assert_eq!(edge.asked().len(), 1, "{err:?} must not be retried");
        assert_eq!(record["reason"], kind.code(), "{err:?}");
        assert_eq!(record["cause"], err.code(), "{err:?}");
    }
}

#[test]
fn verify_errors_say_only_the_reason_code_and_log_no_answer() {
    let refused = || Err(RedeemError::Connect("io: Connection refused, 127.0.0.1:9".into()));
    let edge = FakeEdge::new(vec![refused(), refused()]);
    let (error, record) = verify_error("verify.json", Some(&edge));
    let message = error.to_string();
    assert!(message.contains("(unavailable)"), "{message}");
    // The message reaches the caller through Cognito: no edge address, no transport detail.
    assert!(
        !message.contains("127.0.0.1") && !message.contains("refused"),
        "{message}"
    );
    assert_eq!(error.code(), "unavailable");
    let token = event("verify.json")["request"]["challengeAnswer"]
        .as_str()
        .unwrap()
        .to_owned();
    let line = record.to_string();
    assert!(!line.contains(&token) && !line.contains("n0nce-0123456789abcdef"));
    assert_eq!(record["answer_fp"], handoff_core::fingerprint(&token));
    assert!(record["edge_error"].as_str().unwrap().contains("refused"));
}

#[test]
fn verify_retries_a_connection_error_once_with_the_same_nonce() {
    let edge = FakeEdge::new(vec![
        Err(RedeemError::Connect("refused".into())),
        Ok(RedeemAnswer::OK),
    ]);
    let (correct, record) = verify("verify.json", Some(&edge));
    assert!(correct);
    let asked = edge.asked();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[0].nonce, asked[1].nonce);
    assert_eq!(record["attempts"], 2);
}

#[test]
fn verify_retries_at_most_once_then_fails_with_unavailable() {
    let edge = FakeEdge::new(vec![
        Err(RedeemError::Connect("refused".into())),
        Err(RedeemError::Connect("refused".into())),
        Ok(RedeemAnswer::OK),
    ]);
    let (error, record) = verify_error("verify.json", Some(&edge));
    assert_eq!(error, TriggerError::NoVerdict(NoVerdict::Unavailable));
    assert_eq!(edge.asked().len(), 2);
    assert_eq!(record["reason"], "unavailable");
    assert_eq!(record["cause"], "edge_unreachable");
    assert_eq!(record["attempts"], 2);
}

#[test]
fn verify_decides_purely_over_the_redeemer() {
    // The decision itself, without the handler: one value per path.
    let raw = event("verify.json");
    let parsed: handoff_triggers::event::Event = serde_json::from_value(raw).unwrap();
    let now = Instant::now();
    let budget = Duration::from_secs(2);
    let decide = |answers| {
        let edge = FakeEdge::new(answers);
        verify::verify(&parsed, Some(&edge), now, budget).decision
    };
    assert_eq!(decide(vec![Ok(RedeemAnswer::OK)]), VerifyDecision::Correct);
    assert_eq!(
        decide(vec![Ok(RedeemAnswer::refused(Reason::Expired))]),
        VerifyDecision::Wrong("expired".into())
    );
    assert_eq!(
        decide(vec![Err(RedeemError::Status(502))]),
        VerifyDecision::NoVerdict {
            kind: NoVerdict::Unavailable,
            cause: "edge_status"
        }
    );
    assert_eq!(
        verify::verify(&parsed, None, now, budget).decision,
        VerifyDecision::NoVerdict {
            kind: NoVerdict::Misconfigured,
            cause: "not_configured"
        }
    );
}

/// Every Verify fixture whose event cannot carry a valid answer, with the local refusal code it logs.
const INCOMPLETE: [(&str, &str); 7] = [
    ("verify-user-not-found.json", "user_not_found"),
    ("verify-missing-sub.json", "missing_sub"),
    ("verify-missing-username.json", "missing_username"),
    ("verify-missing-nonce.json", "missing_nonce"),
    ("verify-missing-client-id.json", "missing_client_id"),
    ("verify-non-string-answer.json", "malformed"),
    ("verify-empty-answer.json", "malformed"),
];

fn parsed(raw: Value) -> handoff_triggers::event::Event {
    serde_json::from_value(raw).unwrap()
}

fn oversized() -> Value {
    let mut raw = event("verify.json");
    raw["request"]["challengeAnswer"] = "a".repeat(verify::MAX_ANSWER_BYTES + 1).into();
    raw
}

#[test]
fn plan_redeems_a_complete_answer_for_its_user() {
    let plan = verify::plan(&parsed(event("verify.json")));
    let verify::Plan::Redeem(request) = plan else {
        panic!("a complete event is redeemed: {plan:?}");
    };
    assert_eq!(request.username, "alice");
    assert_eq!(request.sub, "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60");
}

#[test]
fn verify_forwards_the_pages_context_binding_from_client_metadata() {
    let mut raw = event("verify.json");
    raw["request"]["clientMetadata"] = serde_json::json!({"handoff_binding": "eyJraWQiOiJrMSJ9.dGFn"});
    let verify::Plan::Redeem(request) = verify::plan(&parsed(raw.clone())) else {
        panic!("a complete event is redeemed");
    };
    assert_eq!(request.binding.as_deref(), Some("eyJraWQiOiJrMSJ9.dGFn"));
    // Something that cannot be a binding is dropped: the edge then refuses for lack of one.
    for junk in [
        serde_json::json!("a b"),
        serde_json::json!(42),
        serde_json::json!("x".repeat(1025)),
    ] {
        raw["request"]["clientMetadata"]["handoff_binding"] = junk;
        let verify::Plan::Redeem(request) = verify::plan(&parsed(raw.clone())) else {
            panic!("still redeemed");
        };
        assert_eq!(request.binding, None);
    }
    let verify::Plan::Redeem(request) = verify::plan(&parsed(event("verify.json"))) else {
        panic!("redeemed");
    };
    assert_eq!(request.binding, None, "no ClientMetadata, no binding");
}

#[test]
fn plan_probes_with_stand_ins_when_the_event_cannot_carry_a_valid_answer() {
    let answer = event("verify.json")["request"]["challengeAnswer"].clone();
    let mut cases: Vec<(Value, &str)> = INCOMPLETE.iter().map(|(n, r)| (event(n), *r)).collect();
    cases.push((oversized(), "token_too_large"));
    for (raw, reason) in cases {
        let event_answer = raw["request"]["challengeAnswer"].clone();
        let event_nonce = raw["request"]["privateChallengeParameters"]["nonce"].clone();
        let event_client = raw["callerContext"]["clientId"].clone();
        let plan = verify::plan(&parsed(raw));
        let verify::Plan::Probe { request, reason: got } = plan else {
            panic!("{reason}: must be a probe: {plan:?}");
        };
        assert_eq!(got, reason);
        // Never the user: not the typed username, not a sub; stand-ins no verified token can hold.
        assert_eq!(request.sub, verify::PROBE_SUB, "{reason}");
        assert_eq!(request.username, verify::PROBE_USERNAME, "{reason}");
        assert!(request.sub.starts_with('\0') && request.username.starts_with('\0'));
        // Every field non-empty and short, so the edge answers 200 and not 400.
        for field in [
            &request.sub,
            &request.username,
            &request.client_id,
            &request.nonce,
        ] {
            assert!(
                !field.is_empty() && field.len() <= handoff_core::MAX_CLAIM_LEN,
                "{reason}"
            );
        }
        // The answer itself when usable (the edge takes a real token's path), else a non-token placeholder.
        if event_answer == answer {
            assert_eq!(Value::from(request.token.clone()), answer, "{reason}");
        } else {
            assert_eq!(request.token, verify::PROBE_TOKEN, "{reason}");
        }
        match event_nonce.as_str() {
            Some(nonce) if !nonce.is_empty() => assert_eq!(request.nonce, nonce),
            _ => assert_eq!(request.nonce, verify::PROBE_NONCE, "{reason}"),
        }
        match event_client.as_str() {
            Some(client) if !client.is_empty() => assert_eq!(request.client_id, client),
            _ => assert_eq!(request.client_id, verify::PROBE_CLIENT_ID, "{reason}"),
        }
    }
}

#[test]
fn verify_probes_the_edge_once_when_the_event_is_incomplete_and_says_wrong() {
    for (name, reason) in INCOMPLETE {
        // Whatever the edge answers (even an impossible ok), a probe's verdict is wrong.
        for answer in [RedeemAnswer::refused(Reason::WrongUser), RedeemAnswer::OK] {
            let edge = FakeEdge::new(vec![Ok(answer)]);
            let (correct, record) = verify(name, Some(&edge));
            assert!(!correct, "{name}");
            assert_eq!(edge.asked().len(), 1, "{name} must reach the edge exactly once");
            assert_eq!(record["reason"], reason, "{name}");
            assert_eq!(record["probe"], true, "{name}");
            assert_eq!(record["attempts"], 1, "{name}");
        }
    }
    let edge = FakeEdge::new(vec![Ok(RedeemAnswer::OK)]);
    let (_, record) = verify("verify.json", Some(&edge));
    assert_eq!(record["probe"], false);
}

#[test]
fn verify_refuses_an_oversized_answer_after_probing() {
    let edge = FakeEdge::new(vec![Ok(RedeemAnswer::OK)]);
    let ctx = Context {
        redeemer: Some(&edge),
        random: &random,
        budget: Duration::from_secs(2),
        web_clients: &web_clients(),
    };
    let (out, record) = handle(oversized(), &ctx);
    assert_eq!(out.unwrap()["response"]["answerCorrect"], false);
    assert_eq!(record["reason"], "token_too_large");
    let asked = edge.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].token, verify::PROBE_TOKEN);
}

/// Finding: an answer short in bytes but long once JSON-escaped (quotes, backslashes, controls) made the edge
/// answer 413, which read as "misconfigured" (false alarms, the wrong screen). It is simply a wrong answer now,
/// and the edge only ever sees a stand-in whose JSON is as short as itself.
#[test]
fn an_answer_that_cannot_be_a_token_is_a_wrong_answer_never_forwarded() {
    let escapes = [
        "\"".repeat(4000),
        "\\".repeat(4000),
        "\u{1}".repeat(4000),
        "eyJh.eyJi.c2ln\"".to_owned(),
        "a b.c.d".to_owned(),
    ];
    for answer in escapes {
        let mut raw = event("verify.json");
        raw["request"]["challengeAnswer"] = answer.clone().into();
        let edge = FakeEdge::new(vec![Ok(RedeemAnswer::OK)]);
        let ctx = Context {
            redeemer: Some(&edge),
            random: &random,
            budget: Duration::from_secs(2),
            web_clients: &web_clients(),
        };
        let (out, record) = handle(raw, &ctx);
        assert_eq!(out.unwrap()["response"]["answerCorrect"], false, "{answer:?}");
        assert_eq!(record["reason"], "malformed");
        let asked = edge.asked();
        assert_eq!(asked[0].token, verify::PROBE_TOKEN);
        let body = serde_json::to_vec(&asked[0]).unwrap();
        assert!(
            body.len() < 1024,
            "the probe body stays small: {} bytes",
            body.len()
        );
    }
    assert!(verify::token_shaped(
        "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    ));
    assert!(!verify::token_shaped(""));
}

#[test]
fn an_unreachable_edge_gives_the_same_error_whether_the_event_is_complete_or_not() {
    let failures = [
        vec![
            Err(RedeemError::Connect("refused".into())),
            Err(RedeemError::Connect("refused".into())),
        ],
        vec![Err(RedeemError::Timeout)],
        vec![Err(RedeemError::Status(503))],
        vec![Err(RedeemError::Transport("reset".into()))],
        vec![Err(RedeemError::Status(401))],
        vec![Err(RedeemError::Garbage("<html>".into()))],
    ];
    for script in failures {
        let known_edge = FakeEdge::new(script.clone());
        let (known, known_record) = verify_error("verify.json", Some(&known_edge));
        for (name, _) in INCOMPLETE {
            let edge = FakeEdge::new(script.clone());
            let (error, record) = verify_error(name, Some(&edge));
            assert_eq!(error, known, "{name}: {script:?}");
            // Same outward message, same retry rule, same log codes.
            assert_eq!(error.to_string(), known.to_string(), "{name}");
            assert_eq!(edge.asked().len(), known_edge.asked().len(), "{name}: {script:?}");
            for key in ["reason", "cause", "attempts"] {
                assert_eq!(record[key], known_record[key], "{name}: {key}");
            }
        }
    }
}

#[test]
fn a_probe_retries_a_connection_error_once_then_says_wrong() {
    let edge = FakeEdge::new(vec![
        Err(RedeemError::Connect("refused".into())),
        Ok(RedeemAnswer::refused(Reason::WrongUser)),
    ]);
    let (correct, record) = verify("verify-user-not-found.json", Some(&edge));
    assert!(!correct);
    let asked = edge.asked();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[0], asked[1]);
    assert_eq!(record["attempts"], 2);
    assert_eq!(record["reason"], "user_not_found");
}

#[test]
fn verify_fails_with_an_error_when_not_configured_whoever_the_user() {
    for name in [
        "verify.json",
        "verify-user-not-found.json",
        "verify-empty-answer.json",
    ] {
        let (error, record) = verify_error(name, None);
        assert_eq!(error, TriggerError::NoVerdict(NoVerdict::Misconfigured), "{name}");
        assert_eq!(record["reason"], "misconfigured", "{name}");
        assert_eq!(record["cause"], "not_configured", "{name}");
    }
}

#[test]
fn unknown_trigger_sources_are_errors() {
    let mut raw = event("define-one-success.json");
    raw["triggerSource"] = "PreSignUp_SignUp".into();
    let ctx = Context {
        redeemer: None,
        random: &random,
        budget: Duration::from_secs(2),
        web_clients: &web_clients(),
    };
    assert!(matches!(
        handle(raw, &ctx).0,
        Err(TriggerError::UnknownTrigger(_))
    ));
    assert!(matches!(
        handle(Value::String("x".into()), &ctx).0,
        Err(TriggerError::UnknownTrigger(_))
    ));
}

#[test]
fn define_refuses_clients_that_are_not_configured_web_clients() {
    let mut other = event("define-empty-session.json");
    other["callerContext"]["clientId"] = "admin-client-with-custom-auth".into();
    let edge = FakeEdge::new(Vec::new());
    let ctx = Context {
        redeemer: Some(&edge),
        random: &random,
        budget: Duration::from_secs(2),
        web_clients: &web_clients(),
    };
    let (out, record) = handle(other.clone(), &ctx);
    assert_eq!(
        out.unwrap()["response"],
        serde_json::json!({"issueTokens": false, "failAuthentication": true})
    );
    assert_eq!(record["decision"], "client_not_allowed");
    // Even a correct answer from another client never issues tokens.
    let mut won = event("define-one-success.json");
    won["callerContext"]["clientId"] = "admin-client-with-custom-auth".into();
    assert_eq!(handle(won, &ctx).1["decision"], "client_not_allowed");
    // No client id at all fails too.
    other["callerContext"] = Value::Null;
    assert_eq!(handle(other, &ctx).1["decision"], "client_not_allowed");
    // The second configured client is let through.
    let mut second = event("define-empty-session.json");
    second["callerContext"]["clientId"] = "web-client-other".into();
    assert_eq!(handle(second, &ctx).1["decision"], "custom_challenge");
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
