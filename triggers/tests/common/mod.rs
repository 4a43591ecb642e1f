//! Shared by the trigger tests: the Cognito event fixtures (`tests/fixtures/cognito/`), a scripted edge, the
//! handler run over them, and the conformance check against AWS's own event types. `runtime` is the fake Lambda
//! Runtime API the binary tests use.
// Each test crate uses a part of this module.
#![allow(dead_code)]

pub mod runtime;

use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use handoff_core::wire::{RedeemAnswer, RedeemRequest};
use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::event::Event;
use handoff_triggers::handler::{Context, TriggerError, handle};
use handoff_triggers::{RedeemError, Redeemer};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `tests/fixtures/` at the workspace root.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// The Cognito event fixture `name` as JSON.
pub fn event(name: &str) -> Value {
    let path = fixture_dir().join("cognito").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// The names of the Cognito event fixtures starting with `prefix` (`define-`, ...), sorted: a fixture added
/// to the folder is checked without being listed anywhere.
pub fn fixtures(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir().join("cognito"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix) && name.ends_with(".json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no {prefix}*.json fixture");
    names
}

/// `raw` read as the triggers read it.
pub fn parsed(raw: Value) -> Event {
    serde_json::from_value(raw).unwrap()
}

/// A scripted edge: answers in order, records what it was asked.
pub struct FakeEdge {
    answers: Mutex<Vec<Result<RedeemAnswer, RedeemError>>>,
    asked: Mutex<Vec<RedeemRequest>>,
}

impl FakeEdge {
    pub fn new(answers: Vec<Result<RedeemAnswer, RedeemError>>) -> Self {
        FakeEdge {
            answers: Mutex::new(answers),
            asked: Mutex::new(Vec::new()),
        }
    }

    pub fn asked(&self) -> Vec<RedeemRequest> {
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

/// The fixtures' web clients (`callerContext.clientId` of every event fixture is the first).
pub static WEB_CLIENTS: LazyLock<Vec<String>> =
    LazyLock::new(|| vec!["web-client-test".to_owned(), "web-client-other".to_owned()]);

/// Fixed randomness: the nonce is always 24 bytes of 42.
pub fn random() -> Result<[u8; NONCE_BYTES], String> {
    Ok([42; NONCE_BYTES])
}

/// What the handler needs, with `edge` as the redeemer (`None`: not configured) and fixed randomness.
pub fn context(edge: Option<&FakeEdge>) -> Context<'_> {
    Context {
        redeemer: edge.map(|e| e as &dyn Redeemer),
        web_clients: &WEB_CLIENTS,
        random: &random,
        budget: Duration::from_secs(2),
    }
}

/// Handles `raw` with `edge`; the result and the log line as written.
pub fn run_event(raw: Value, edge: Option<&FakeEdge>) -> (Result<Value, TriggerError>, Value) {
    let (result, line) = handle(raw, &context(edge));
    (result, serde_json::from_str(&line.to_string()).unwrap())
}

/// Handles fixture `name` with `edge`; the result and the log line as written.
pub fn run(name: &str, edge: Option<&FakeEdge>) -> (Result<Value, TriggerError>, Value) {
    run_event(event(name), edge)
}

/// A fixture that AWS's types cannot read as it stands: the one difference, and how to remove it. It is still
/// checked: it must fail to parse as is (else the entry is stale), then parse once the difference is removed,
/// and so must our answer to it.
struct Unreadable {
    fixture: &'static str,
    why: &'static str,
    remove: fn(&mut Value),
}

/// The known differences between the fixtures (real Cognito, ministack) and AWS's types.
const AWS_UNREADABLE: &[Unreadable] = &[Unreadable {
    fixture: "define-pending-round.json",
    why: "ministack sends a pending round as `challengeResult: null`; AWS's types want a bool",
    remove: pending_rounds_as_failed,
}];

fn pending_rounds_as_failed(raw: &mut Value) {
    for round in raw["request"]["session"].as_array_mut().into_iter().flatten() {
        if round["challengeResult"].is_null() {
            round["challengeResult"] = false.into();
        }
    }
}

/// Conformance with AWS's event type `T` (`CognitoEventUserPools...`): fixture `name` parses as `T`, and so
/// does `answer`, the event with our `response` (when the trigger answered). A fixture that does not parse fails
/// the test, named; [`AWS_UNREADABLE`] lists the known differences.
pub fn assert_conforms<T: DeserializeOwned>(name: &str, answer: Option<&Value>) {
    let parses = |value: &Value| serde_json::from_value::<T>(value.clone()).map(|_| ());
    let mut input = event(name);
    let mut answer = answer.cloned();
    if let Some(known) = AWS_UNREADABLE.iter().find(|u| u.fixture == name) {
        assert!(
            parses(&input).is_err(),
            "{name} now parses as {}: drop its AWS_UNREADABLE entry ({})",
            std::any::type_name::<T>(),
            known.why
        );
        (known.remove)(&mut input);
        answer.iter_mut().for_each(known.remove);
    }
    if let Err(e) = parses(&input) {
        panic!(
            "fixture {name} does not parse as {}: {e}",
            std::any::type_name::<T>()
        );
    }
    if let Some(answer) = answer
        && let Err(e) = parses(&answer)
    {
        panic!(
            "our answer to {name} does not parse as {}: {e}\n{answer}",
            std::any::type_name::<T>()
        );
    }
}
