//! Dispatch on `triggerSource`: parse the event, decide, write `response` into the event, produce the log line.

use std::time::{Duration, Instant};

use lambda_runtime::Diagnostic;
use serde_json::Value;

use crate::create::{self, NONCE_BYTES};
use crate::event::{self, Event};
use crate::log::{self, DefineLog, LogLine, VerifyLog};
use crate::redeem::{NoVerdict, Redeemer};
use crate::{define, verify};

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
    /// The handler did not finish (it panicked); only the entry point reports it.
    Unfinished(String),
}

impl TriggerError {
    /// The stable reason code logged, and the error type reported to the Lambda runtime.
    pub const fn code(&self) -> &'static str {
        match self {
            TriggerError::UnknownTrigger(_) => "unknown_trigger",
            TriggerError::UnexpectedChallenge => "unexpected_challenge",
            TriggerError::NoRandomness(_) => "no_randomness",
            TriggerError::NoVerdict(kind) => kind.code(),
            TriggerError::Unfinished(_) => "internal",
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
            TriggerError::Unfinished(e) => write!(f, "the handler did not finish: {e}"),
        }
    }
}

impl std::error::Error for TriggerError {}

/// The invocation error the runtime reports (Cognito turns it into `UserLambdaValidationException` with the
/// message): a stable type naming the reason code, and the error's outward message.
impl From<TriggerError> for Diagnostic {
    fn from(e: TriggerError) -> Diagnostic {
        Diagnostic {
            error_type: format!("Handoff.{}", e.code()),
            error_message: e.to_string(),
        }
    }
}

impl From<NoVerdict> for TriggerError {
    fn from(kind: NoVerdict) -> Self {
        TriggerError::NoVerdict(kind)
    }
}

impl From<create::Refusal> for TriggerError {
    fn from(refusal: create::Refusal) -> Self {
        match refusal {
            create::Refusal::UnexpectedChallenge => TriggerError::UnexpectedChallenge,
        }
    }
}

/// Handles one event: the event with its `response` filled in, or an error; in both cases the log line.
pub fn handle(mut raw: Value, ctx: &Context<'_>) -> (Result<Value, TriggerError>, LogLine) {
    let event: Event = serde_json::from_value(raw.clone()).unwrap_or_default();
    let source = event.trigger_source.clone().unwrap_or_default();
    let mut line = LogLine::new(
        source.clone(),
        event.user_pool_id.clone(),
        event.client_id().map(str::to_owned),
        event.user_not_found(),
    );
    let response = match source.as_str() {
        event::DEFINE => handle_define(&event, ctx, &mut line),
        event::CREATE => handle_create(&event, ctx),
        event::VERIFY => handle_verify(&event, ctx, &mut line),
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
        line.failed(e.code(), e.to_string());
    }
    (result, line)
}

fn handle_define(event: &Event, ctx: &Context<'_>, line: &mut LogLine) -> Result<Value, TriggerError> {
    // Without a configuration no sign-in could finish: refuse at the first step, loudly.
    if ctx.redeemer.is_none() {
        return Err(NoVerdict::Misconfigured.into());
    }
    let decision = define::decide(event, ctx.web_clients);
    line.define = Some(DefineLog {
        decision: decision.code(),
        rounds: event.request().session.as_ref().map_or(0, Vec::len),
    });
    Ok(decision.response())
}

fn handle_create(event: &Event, ctx: &Context<'_>) -> Result<Value, TriggerError> {
    let bytes = (ctx.random)().map_err(TriggerError::NoRandomness)?;
    Ok(create::respond(event, &create::nonce(bytes))?)
}

fn handle_verify(event: &Event, ctx: &Context<'_>, line: &mut LogLine) -> Result<Value, TriggerError> {
    let started = Instant::now();
    let outcome = verify::decide(event, ctx.redeemer, started, ctx.budget);
    let response = outcome.response();
    let cause = match outcome.decision {
        verify::VerifyDecision::NoVerdict { cause, .. } => Some(cause),
        _ => None,
    };
    line.reason = Some(outcome.decision.reason().map(str::to_owned));
    line.verify = Some(VerifyLog {
        answer_correct: outcome.decision == verify::VerifyDecision::Correct,
        cause,
        answer_fp: outcome.answer_fp,
        attempts: outcome.attempts,
        probe: outcome.probe,
        edge_error: outcome.error,
        ms: started.elapsed().as_millis() as u64,
    });
    Ok(response?)
}

/// [`handle`], then write the log line.
pub fn handle_and_log(raw: Value, ctx: &Context<'_>) -> Result<Value, TriggerError> {
    let (result, line) = handle(raw, ctx);
    log::emit(&line);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_reaches_the_runtime_as_its_reason_code_and_outward_message() {
        let diagnostic = Diagnostic::from(TriggerError::NoVerdict(NoVerdict::Unavailable));
        assert_eq!(diagnostic.error_type, "Handoff.unavailable");
        assert!(diagnostic.error_message.contains("(unavailable)"));
        let diagnostic = Diagnostic::from(TriggerError::Unfinished("task 1 panicked".into()));
        assert_eq!(diagnostic.error_type, "Handoff.internal");
        assert_eq!(
            diagnostic.error_message,
            "the handler did not finish: task 1 panicked"
        );
    }
}
