//! Verify's verdicts over the event fixtures in `tests/fixtures/cognito/verify-*.json`, with a scripted edge.

mod common;

use std::time::{Duration, Instant};

use aws_lambda_events::event::cognito::CognitoEventUserPoolsVerifyAuthChallenge;
use common::{FakeEdge, assert_conforms, event, fixtures, parsed, run, run_event};
use handoff_core::Reason;
use handoff_core::wire::RedeemAnswer;
use handoff_triggers::RedeemError;
use handoff_triggers::handler::TriggerError;
use handoff_triggers::redeem::{self, NoVerdict};
use handoff_triggers::verify::{self, VerifyDecision};
use serde_json::Value;

/// Verify's verdict on fixture `name` and the log record; the answer conforms to AWS's type.
fn verify(name: &str, edge: Option<&FakeEdge>) -> (bool, Value) {
    let (out, record) = run(name, edge);
    assert_conforms::<CognitoEventUserPoolsVerifyAuthChallenge>(name, out.as_ref().ok());
    let out = out.unwrap_or_else(|e| panic!("{name}: {e}"));
    let correct = out["response"]["answerCorrect"].as_bool();
    (correct.expect("answerCorrect is a bool"), record)
}

#[test]
fn every_verify_fixture_and_answer_parses_as_aws_verify_event() {
    for name in fixtures("verify") {
        verify(&name, Some(&FakeEdge::new(vec![Ok(RedeemAnswer::OK)])));
    }
}

#[test]
fn verify_sends_the_golden_redeem_request_and_accepts_ok() {
    let edge = FakeEdge::new(vec![Ok(RedeemAnswer::OK)]);
    let (correct, record) = verify("verify.json", Some(&edge));
    assert!(correct);
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixture_dir().join("wire/redeem-request.json")).unwrap(),
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
fn verify_fails_with_an_error_on_an_edge_failure_another_call_would_repeat_without_retrying_it() {
    for (err, kind) in [
        (RedeemError::Timeout, NoVerdict::Unavailable),
        (RedeemError::Status(500), NoVerdict::Unavailable),
        (RedeemError::Status(400), NoVerdict::Misconfigured),
        (RedeemError::Status(401), NoVerdict::Misconfigured),
        (RedeemError::Status(404), NoVerdict::Misconfigured),
        (RedeemError::Garbage("not json".into()), NoVerdict::Misconfigured),
        (
            RedeemError::Secret("access denied".into()),
            NoVerdict::Misconfigured,
        ),
    ] {
        let edge = FakeEdge::new(vec![Err(err.clone()), Ok(RedeemAnswer::OK)]);
        let (error, record) = verify_error("verify.json", Some(&edge));
        assert_eq!(error, TriggerError::NoVerdict(kind), "{err:?}");
        assert_eq!(edge.asked().len(), 1, "{err:?} must not be retried");
        assert_eq!(record["reason"], kind.code(), "{err:?}");
        assert_eq!(record["cause"], err.code(), "{err:?}");
        assert_eq!(record["attempts"], 1, "{err:?}");
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
fn verify_retries_a_lost_answer_and_a_gateway_status_once_with_the_same_nonce() {
    for failure in [
        RedeemError::Transport("connection reset".into()),
        RedeemError::Status(502),
        RedeemError::Status(503),
        RedeemError::Status(504),
    ] {
        let edge = FakeEdge::new(vec![Err(failure.clone()), Ok(RedeemAnswer::OK)]);
        let (correct, record) = verify("verify.json", Some(&edge));
        assert!(correct, "{failure:?}");
        let asked = edge.asked();
        assert_eq!(asked.len(), 2, "{failure:?}");
        assert_eq!(
            asked[0], asked[1],
            "the same request, nonce included: {failure:?}"
        );
        assert_eq!(record["attempts"], 2);
    }
}

#[test]
fn a_gateway_status_twice_is_unavailable_after_two_calls() {
    let edge = FakeEdge::new(vec![
        Err(RedeemError::Status(503)),
        Err(RedeemError::Status(503)),
        Ok(RedeemAnswer::OK),
    ]);
    let (error, record) = verify_error("verify.json", Some(&edge));
    assert_eq!(error, TriggerError::NoVerdict(NoVerdict::Unavailable));
    assert_eq!(edge.asked().len(), 2);
    assert_eq!(record["cause"], "edge_status");
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
fn a_connection_error_is_not_retried_once_the_budget_is_nearly_spent() {
    let request = verify::plan(&parsed(event("verify.json"))).request().clone();
    let refused = || Err(RedeemError::Connect("refused".into()));
    let edge = FakeEdge::new(vec![refused(), Ok(RedeemAnswer::OK)]);
    let asked = redeem::ask(&edge, &request, Instant::now() + Duration::from_millis(50));
    assert_eq!((asked.answer, asked.attempts), (refused(), 1));
    let edge = FakeEdge::new(vec![refused(), Ok(RedeemAnswer::OK)]);
    let asked = redeem::ask(&edge, &request, Instant::now() + redeem::BUDGET);
    assert_eq!((asked.answer, asked.attempts), (Ok(RedeemAnswer::OK), 2));
}

#[test]
fn verify_decides_purely_over_the_redeemer() {
    // The decision itself, without the handler: one value per path.
    let event = parsed(event("verify.json"));
    let now = Instant::now();
    let budget = Duration::from_secs(2);
    let decide = |answers| {
        let edge = FakeEdge::new(answers);
        verify::decide(&event, Some(&edge), now, budget).decision
    };
    assert_eq!(decide(vec![Ok(RedeemAnswer::OK)]), VerifyDecision::Correct);
    assert_eq!(
        decide(vec![Ok(RedeemAnswer::refused(Reason::Expired))]),
        VerifyDecision::Wrong("expired".into())
    );
    assert_eq!(
        decide(vec![Err(RedeemError::Status(502)), Err(RedeemError::Status(502))]),
        VerifyDecision::NoVerdict {
            kind: NoVerdict::Unavailable,
            cause: "edge_status"
        }
    );
    assert_eq!(
        verify::decide(&event, None, now, budget).decision,
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
    let (out, record) = run_event(oversized(), Some(&edge));
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
        let (out, record) = run_event(raw, Some(&edge));
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
