//! Dispatch on `triggerSource`: parse the event, decide, write `response` into the event, produce a log record.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::create::{self, NONCE_BYTES};
use crate::event::{self, Event};
use crate::redeem::{NoVerdict, Redeemer};
use crate::verify;
use crate::{define, log};

/// What a handler needs from the outside world.
pub struct Context<'a> {
    /// The edge client; `None` when the configuration is missing or invalid (Define and Verify then fail with
    /// an error, reason `misconfigured`).
    pub redeemer: Option<&'a dyn Redeemer>,
    /// The web app clients Define lets through (`HANDOFF_WEB_CLIENT_IDS`).
    pub web_clients: &'a [String],
    /// Fresh random bytes for Create's nonce.
    pub random: &'a dyn Fn() -> Result<[u8; NONCE_BYTES], String>,
    /// Verify's time budget for the edge ([`crate::redeem::BUDGET`] in production).
    pub budget: Duration,
}

/// Why the trigger answers with an error (Cognito then fails the sign-in with UserLambdaValidationException).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerError {
    /// The event is not a JSON object with a known `triggerSource`.
    UnknownTrigger(String),
    /// Create was asked for a challenge Define never asks for.
    UnexpectedChallenge,
    /// The operating system gave no random bytes.
    NoRandomness(String),
    /// Verify could not get a verdict from the edge (down, failing, or set up wrong): no answer, not a wrong one.
    NoVerdict(NoVerdict),
}

impl TriggerError {
    /// The stable reason code logged, and the error type reported to the Lambda runtime.
    pub const fn code(&self) -> &'static str {
        match self {
            TriggerError::UnknownTrigger(_) => "unknown_trigger",
            TriggerError::UnexpectedChallenge => "unexpected_challenge",
            TriggerError::NoRandomness(_) => "no_randomness",
            TriggerError::NoVerdict(kind) => kind.code(),
        }
    }
}

impl std::fmt::Display for TriggerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TriggerError::UnknownTrigger(source) => write!(f, "unsupported triggerSource {source:?}"),
            TriggerError::UnexpectedChallenge => {
                f.write_str("CreateAuthChallenge for a challenge other than CUSTOM_CHALLENGE")
            }
            TriggerError::NoRandomness(e) => write!(f, "no randomness for the challenge nonce: {e}"),
            // Cognito passes this message on to whoever called RespondToAuthChallenge: the code only, no detail.
            TriggerError::NoVerdict(NoVerdict::Unavailable) => f.write_str(
                "handoff: the link could not be checked, the verification service is unavailable \
                 (unavailable); the link was not used, try again later",
            ),
            TriggerError::NoVerdict(NoVerdict::Misconfigured) => f.write_str(
                "handoff: the link could not be checked, the verification service is misconfigured \
                 (misconfigured); the link was not used",
            ),
        }
    }
}

impl std::error::Error for TriggerError {}

/// Handles one event: the event with its `response` filled in, or an error; in both cases the log record.
pub fn handle(mut raw: Value, ctx: &Context<'_>) -> (Result<Value, TriggerError>, Value) {
    let event: Event = serde_json::from_value(raw.clone()).unwrap_or_default();
    let source = event.trigger_source.clone().unwrap_or_default();
    let mut record = json!({
        "level": "info",
        "trigger": source,
        "user_pool_id": event.user_pool_id,
        "client_id": event.client_id(),
        "user_not_found": event.user_not_found(),
    });
    let response = match source.as_str() {
        // Without a configuration no sign-in could finish: refuse at the first step, loudly.
        event::DEFINE if ctx.redeemer.is_none() => Err(TriggerError::NoVerdict(NoVerdict::Misconfigured)),
        event::DEFINE => {
            let decision = define::decide(&event, ctx.web_clients);
            record["decision"] = decision.code().into();
            record["rounds"] = event.request().session.as_ref().map_or(0, Vec::len).into();
            Ok(decision.response())
        }
        event::CREATE => match (ctx.random)() {
            Err(e) => Err(TriggerError::NoRandomness(e)),
            Ok(bytes) => create::respond(&event, &create::nonce(bytes)).map_err(|refusal| {
                record["reason"] = refusal.code().into();
                TriggerError::UnexpectedChallenge
            }),
        },
        event::VERIFY => {
            let started = Instant::now();
            let outcome = verify::verify(&event, ctx.redeemer, started, ctx.budget);
            record["answer_correct"] = (outcome.decision == verify::VerifyDecision::Correct).into();
            record["reason"] = outcome.decision.reason().into();
            if let verify::VerifyDecision::NoVerdict { cause, .. } = outcome.decision {
                record["cause"] = cause.into();
            }
            record["answer_fp"] = outcome.answer_fp.clone().into();
            record["attempts"] = outcome.attempts.into();
            record["probe"] = outcome.probe.into();
            record["edge_error"] = outcome.error.clone().into();
            record["ms"] = (started.elapsed().as_millis() as u64).into();
            outcome.response().map_err(TriggerError::NoVerdict)
        }
        _ => Err(TriggerError::UnknownTrigger(source.clone())),
    };
    let result = match (response, raw.as_object_mut()) {
        (Ok(response), Some(object)) => {
            object.insert("response".into(), response);
            Ok(raw)
        }
        (Ok(_), None) => Err(TriggerError::UnknownTrigger(source)),
        (Err(e), _) => Err(e),
    };
    if let Err(e) = &result {
        record["level"] = "error".into();
        if record["reason"].is_null() {
            record["reason"] = e.code().into();
        }
        record["error"] = e.to_string().into();
    }
    (result, record)
}

/// [`handle`], then write the log record.
pub fn handle_and_log(raw: Value, ctx: &Context<'_>) -> Result<Value, TriggerError> {
    let (result, record) = handle(raw, ctx);
    log::emit(&record);
    result
}
