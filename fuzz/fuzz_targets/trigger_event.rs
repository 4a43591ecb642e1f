//! Cognito trigger events through `handoff_triggers::handler::handle`, with a fake edge.
//!
//! Input: one control byte, then the event's JSON text. Control bits 0..=5 script the fake edge's answers (two
//! bits per call: ok, refused, connection error, 503), bit 6 makes the randomness fail, bit 7 removes the
//! configuration (no redeemer).
//!
//! Nothing panics, and everything fails closed:
//! - every member of the event except `response` comes back unchanged;
//! - Define answers `issueTokens: true` only for an allowed client, a known user, and a session whose last round
//!   is a successful CUSTOM_CHALLENGE, never together with `failAuthentication: true`, never unconfigured;
//! - Verify answers `answerCorrect: true` only if the fake edge said ok to a redeem of exactly this event's answer,
//!   user, client and nonce; it asks at most twice, forwards only token-shaped answers, and never names an unknown
//!   user's typed username to the edge;
//! - Create's nonce is the randomness given; the log record never holds the answer.
#![no_main]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use handoff_core::Reason;
use handoff_core::base64url;
use handoff_core::wire::{RedeemAnswer, RedeemRequest};
use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{Context, handle};
use handoff_triggers::verify::{PROBE_SUB, PROBE_USERNAME, token_shaped};
use handoff_triggers::{RedeemError, Redeemer};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const DEFINE: &str = "DefineAuthChallenge_Authentication";
const CREATE: &str = "CreateAuthChallenge_Authentication";
const VERIFY: &str = "VerifyAuthChallengeResponse_Authentication";

/// A scripted edge that remembers what it was asked and what it said.
struct FakeEdge {
    script: u8,
    asked: Mutex<Vec<(RedeemRequest, bool)>>,
}

impl Redeemer for FakeEdge {
    fn redeem(&self, request: &RedeemRequest, _deadline: Instant) -> Result<RedeemAnswer, RedeemError> {
        let mut asked = self.asked.lock().unwrap();
        let call = asked.len().min(2);
        let answer = match (self.script >> (2 * call)) & 3 {
            0 => Ok(RedeemAnswer::OK),
            1 => Ok(RedeemAnswer::refused(Reason::Replayed)),
            2 => Err(RedeemError::Connect("refused".into())),
            _ => Err(RedeemError::Status(503)),
        };
        asked.push((
            request.clone(),
            matches!(answer, Ok(RedeemAnswer { ok: true, .. })),
        ));
        answer
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, json)) = data.split_first() else {
        return;
    };
    let Ok(event) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let edge = FakeEdge {
        script: control & 0x3f,
        asked: Mutex::new(Vec::new()),
    };
    let configured = control & 0x80 == 0;
    let random_fails = control & 0x40 != 0;
    let random = move || {
        if random_fails {
            Err("no entropy".to_owned())
        } else {
            Ok([42u8; NONCE_BYTES])
        }
    };
    let web_clients = vec!["web-client-test".to_owned(), "web-client-other".to_owned()];
    let ctx = Context {
        redeemer: configured.then_some(&edge as &dyn Redeemer),
        web_clients: &web_clients,
        random: &random,
        budget: Duration::from_secs(2),
    };
    let (result, record) = handle(event.clone(), &ctx);
    let asked = edge.asked.into_inner().unwrap();

    let source = event.get("triggerSource").and_then(Value::as_str).unwrap_or("");
    let request = &event["request"];
    let answer = request.get("challengeAnswer").and_then(Value::as_str);
    let user_not_found = request.get("userNotFound") == Some(&Value::Bool(true));
    let client = event["callerContext"].get("clientId").and_then(Value::as_str);

    assert!(asked.len() <= 2, "Verify asked the edge {} times", asked.len());
    assert!(source == VERIFY || asked.is_empty(), "only Verify asks the edge");
    for (sent, _) in &asked {
        assert!(
            token_shaped(&sent.token),
            "forwarded an answer that cannot be a token"
        );
        if user_not_found {
            assert_eq!(sent.username, PROBE_USERNAME, "named an unknown user to the edge");
            assert_eq!(sent.sub, PROBE_SUB);
        }
    }

    // The log record never holds the answer (unless the event carries the same text elsewhere).
    if let Some(answer) = answer.filter(|a| a.len() >= 16) {
        let mut elsewhere = event.clone();
        elsewhere["request"]["challengeAnswer"] = Value::Null;
        if !elsewhere.to_string().contains(answer) && !answer.contains('\\') && !answer.contains('"') {
            assert!(
                !record.to_string().contains(answer),
                "the log record holds the answer"
            );
        }
    }

    let out = match result {
        Ok(out) => out,
        Err(_) => return,
    };
    let object = out.as_object().expect("the answer is the event object");
    let mut echoed = object.clone();
    let response = echoed.remove("response").expect("a response member");
    let mut original = event.as_object().expect("an object event").clone();
    original.remove("response");
    assert_eq!(echoed, original, "members other than response changed");

    match source {
        DEFINE => {
            assert!(configured, "Define answered without a configuration");
            let issue = response["issueTokens"] == Value::Bool(true);
            let fail = response["failAuthentication"] == Value::Bool(true);
            assert!(!(issue && fail), "issueTokens and failAuthentication together");
            if let Some(name) = response.get("challengeName") {
                assert_eq!(name, "CUSTOM_CHALLENGE");
            }
            if issue {
                assert!(
                    client.is_some_and(|c| web_clients.iter().any(|w| w == c)),
                    "client {client:?}"
                );
                assert!(!user_not_found, "tokens for an unknown user");
                let last = request["session"].as_array().and_then(|s| s.last());
                assert!(
                    last.is_some_and(|round| round["challengeName"] == "CUSTOM_CHALLENGE"
                        && round["challengeResult"] == Value::Bool(true)),
                    "tokens without a successful CUSTOM_CHALLENGE last: {:?}",
                    request["session"]
                );
            }
        }
        VERIFY => {
            assert!(configured, "Verify answered without a configuration");
            if response["answerCorrect"] == Value::Bool(true) {
                assert!(!user_not_found, "a correct answer for an unknown user");
                let text = |v: &Value| v.as_str().map(str::to_owned);
                let expected = (
                    answer.map(str::to_owned),
                    text(&request["userAttributes"]["sub"]),
                    text(&event["userName"]),
                    client.map(str::to_owned),
                    text(&request["privateChallengeParameters"]["nonce"]),
                );
                assert!(
                    asked.iter().any(|(sent, said_ok)| {
                        *said_ok
                            && expected
                                == (
                                    Some(sent.token.clone()),
                                    Some(sent.sub.clone()),
                                    Some(sent.username.clone()),
                                    Some(sent.client_id.clone()),
                                    Some(sent.nonce.clone()),
                                )
                    }),
                    "answerCorrect without the edge's ok for this exact event"
                );
            } else {
                assert_eq!(response["answerCorrect"], Value::Bool(false));
            }
        }
        CREATE => {
            assert!(!random_fails, "a challenge without randomness");
            let nonce = &response["privateChallengeParameters"]["nonce"];
            assert_eq!(nonce, &Value::from(base64url::encode([42u8; NONCE_BYTES])));
            let asked_for = &request["challengeName"];
            assert!(
                asked_for.is_null() || asked_for == "CUSTOM_CHALLENGE",
                "created {asked_for:?}"
            );
        }
        other => panic!("answered an event with triggerSource {other:?}"),
    }
});
