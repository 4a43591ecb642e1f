//! VerifyAuthChallengeResponse: the answer is correct only when the edge says so. Starts from
//! `answerCorrect = false` and sets true on exactly one path, a `{"ok": true}` redeem answer. Everything else
//! (unknown user, a missing `sub`, nonce or client id, a non-string answer, no configuration, a network error,
//! a timeout, a non-200 status, a body that is not the wire format) leaves it false.
//!
//! The budget for the whole redeem, including at most one retry, is [`BUDGET`]: well inside Cognito's 5 s
//! trigger limit. Only a connection error is retried (the request never reached the edge, or did not finish
//! connecting); the retry carries the same nonce, so even a redeem that did reach the edge stays idempotent.

use std::time::{Duration, Instant};

use handoff_core::wire::{RedeemAnswer, RedeemRequest};
use handoff_core::{Reason, fingerprint};
use serde_json::{Value, json};

use crate::create::NONCE_PARAM;
use crate::event::Event;

/// Total time a Verify may spend on the edge, retry included.
pub const BUDGET: Duration = Duration::from_secs(2);
/// Longest answer sent to the edge; the edge rejects tokens over 4 KiB anyway.
pub const MAX_ANSWER_BYTES: usize = 4096;
/// A retry is only worth starting with at least this much budget left.
const MIN_RETRY_BUDGET: Duration = Duration::from_millis(100);

/// Why a redeem call produced no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemError {
    /// The connection could not be set up (refused, unreachable, DNS, connect timeout): safe to retry.
    Connect(String),
    /// The edge did not answer within the time left.
    Timeout,
    /// The edge answered with a status other than 200.
    Status(u16),
    /// The edge answered 200 with a body that is not a redeem answer.
    Garbage(String),
    /// Any other transport failure (reset mid-response, TLS, ...).
    Transport(String),
}

impl RedeemError {
    /// The stable code logged.
    pub fn code(&self) -> &'static str {
        match self {
            RedeemError::Connect(_) => "edge_unreachable",
            RedeemError::Timeout => "edge_timeout",
            RedeemError::Status(_) => "edge_status",
            RedeemError::Garbage(_) => "edge_garbage",
            RedeemError::Transport(_) => "edge_transport",
        }
    }
}

impl std::fmt::Display for RedeemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedeemError::Connect(m) => write!(f, "cannot connect to the edge: {m}"),
            RedeemError::Timeout => f.write_str("the edge did not answer in time"),
            RedeemError::Status(s) => write!(f, "the edge answered HTTP {s}"),
            RedeemError::Garbage(m) => write!(f, "the edge's answer is not a redeem answer: {m}"),
            RedeemError::Transport(m) => write!(f, "transport error: {m}"),
        }
    }
}

/// Something that can ask the edge to redeem a token: the HTTP client in production, fakes in tests.
pub trait Redeemer: Send + Sync {
    /// One `POST /v1/redeem`, giving up at `deadline`.
    fn redeem(&self, request: &RedeemRequest, deadline: Instant) -> Result<RedeemAnswer, RedeemError>;
}

/// What Verify decided, with what to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The verdict.
    pub answer_correct: bool,
    /// Why not (a core [`Reason`] code from the edge, or a trigger code such as `missing_sub`); `None` when correct.
    pub reason: Option<String>,
    /// Fingerprint of the answer when it was a string, for correlating logs (never the answer).
    pub answer_fp: Option<String>,
    /// Redeem calls made (0, 1 or 2).
    pub attempts: u8,
    /// The last transport error, if any.
    pub error: Option<String>,
}

impl Outcome {
    fn refuse(reason: &str, answer_fp: Option<String>) -> Self {
        Outcome {
            answer_correct: false,
            reason: Some(reason.into()),
            answer_fp,
            attempts: 0,
            error: None,
        }
    }

    /// The trigger's `response` object.
    pub fn response(&self) -> Value {
        json!({"answerCorrect": self.answer_correct})
    }
}

/// Decides whether `event`'s answer is correct, asking `redeemer` (absent: not configured) with the time
/// between `now` and `now + budget`.
pub fn verify(event: &Event, redeemer: Option<&dyn Redeemer>, now: Instant, budget: Duration) -> Outcome {
    let answer = match &event.request().challenge_answer {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let fp = answer.map(fingerprint);
    if event.user_not_found() {
        return Outcome::refuse("user_not_found", fp);
    }
    let Some(token) = answer.filter(|a| !a.is_empty()) else {
        return Outcome::refuse(Reason::Malformed.as_str(), fp);
    };
    if token.len() > MAX_ANSWER_BYTES {
        return Outcome::refuse(Reason::TokenTooLarge.as_str(), fp);
    }
    let Some(sub) = event.user_attribute("sub") else {
        return Outcome::refuse("missing_sub", fp);
    };
    let Some(username) = event.username() else {
        return Outcome::refuse("missing_username", fp);
    };
    let Some(client_id) = event.client_id() else {
        return Outcome::refuse("missing_client_id", fp);
    };
    let Some(nonce) = event.private_parameter(NONCE_PARAM) else {
        return Outcome::refuse("missing_nonce", fp);
    };
    let Some(redeemer) = redeemer else {
        return Outcome::refuse(Reason::Misconfigured.as_str(), fp);
    };
    let request = RedeemRequest {
        token: token.to_owned(),
        sub: sub.to_owned(),
        username: username.to_owned(),
        client_id: client_id.to_owned(),
        nonce: nonce.to_owned(),
    };
    let deadline = now + budget;
    let mut outcome = Outcome::refuse(Reason::Unavailable.as_str(), fp);
    loop {
        outcome.attempts += 1;
        match redeemer.redeem(&request, deadline) {
            Ok(RedeemAnswer { ok: true, .. }) => {
                outcome.answer_correct = true;
                outcome.reason = None;
                return outcome;
            }
            Ok(RedeemAnswer { ok: false, reason }) => {
                outcome.reason = Some(reason.map_or("refused", Reason::as_str).into());
                return outcome;
            }
            Err(err) => {
                outcome.reason = Some(err.code().into());
                outcome.error = Some(err.to_string());
                let retry = matches!(err, RedeemError::Connect(_))
                    && outcome.attempts == 1
                    && deadline.saturating_duration_since(Instant::now()) >= MIN_RETRY_BUDGET;
                if !retry {
                    return outcome;
                }
            }
        }
    }
}
