//! VerifyAuthChallengeResponse: the answer is correct only when the edge says so, and the edge being unable to
//! say is not the same thing as the edge saying no.
//!
//! Three verdicts ([`VerifyDecision`]):
//! - **correct**: the edge answered `200 {"ok": true}` to a real redeem: `answerCorrect = true`, the only path to
//!   `true`.
//! - **wrong**: the edge answered `200 {"ok": false, "reason"}`, or the event cannot carry a valid answer (unknown
//!   user, a missing or oversized answer, a missing `sub`, username, client id or nonce) and the edge answered at
//!   all: `answerCorrect = false`, Define then fails the sign-in with `NotAuthorizedException`. The link is burned
//!   or was never usable.
//! - **unavailable / misconfigured**: no verdict. The edge is unreachable or timed out (after the one connection
//!   retry), answered 5xx, 401 or another non-200 status, or answered something that is not the wire format; or the
//!   trigger has no configuration. The trigger then fails the invocation with an ERROR (reason code `unavailable`
//!   or `misconfigured` in its log line), and Cognito answers `UserLambdaValidationException` ("VerifyAuthChallengeResponse
//!   failed with error <message>.") and issues no tokens.
//!
//! Why an error and not `answerCorrect = false`: both fail closed (no tokens either way), but `false` makes Cognito
//! say `NotAuthorizedException`, which the landing page must read as "this link can't be used anymore", sending the
//! user back for a new link that would fail the same way. An error lets the page show the service-problem screen
//! ("sign-in isn't working right now, try again later"), and since the edge never burned the token, the same link
//! still works once the edge is back (within its TTL). The error message reaches the (unauthenticated) caller through
//! Cognito, so it carries only the reason code, never the edge's address, the answer or the transport detail; those
//! (minus the answer: only its fingerprint) go to the log.
//!
//! **Unknown users look like known ones, outage included.** Missing configuration is an error for every Verify,
//! checked before anything else. Past that, every Verify makes a real `POST /v1/redeem` within the same
//! [`BUDGET`] and under the same retry rule ([`plan`] decides what it carries, purely). When the event can carry
//! a valid answer, that is the real redeem. When it cannot (an unknown user, or a known user's event missing a
//! piece), it is a *probe*: the answer itself (or [`PROBE_TOKEN`] when there is no usable answer), the event's
//! client id and nonce where present, and stand-ins ([`PROBE_SUB`], [`PROBE_USERNAME`]) for the user, never the
//! name the caller typed. The probe's verdict is fixed in advance (`wrong`, with the local reason such as
//! `user_not_found`), but its failures map exactly like a redeem's: edge down, slow, 5xx or garbage give the same
//! `unavailable` / `misconfigured` error a known user gets. So an outage no longer tells users apart, and the
//! probe takes the edge's own refusal path (read the KV record, verify the signature, compare the redeemer), so its
//! timing resembles a known user's wrong answer too.
//!
//! A probe can never burn anything: the edge burns only after `Verified::check_redeemer` accepts the redeemer,
//! and the stand-ins start with a control character, which no verified token's `sub` or `username` can hold
//! (`Claims::check_shape`, run on every verified token, refuses control characters). The edge therefore answers
//! `200 {"ok": false}` (`wrong_user`, `wrong_audience` or an earlier token refusal) before it reaches the ledger;
//! the KV fast reject only reads. Should an edge ever answer `ok: true` to a probe, the verdict stays `wrong`.
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
/// Longest answer sent to the edge; the edge rejects longer tokens anyway.
pub const MAX_ANSWER_BYTES: usize = handoff_core::MAX_TOKEN_BYTES;
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
    /// The redeem secret could not be read (Secrets Manager unreachable, access denied, empty secret).
    Secret(String),
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
            RedeemError::Secret(_) => "secret_unavailable",
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
            RedeemError::Secret(m) => write!(f, "cannot read the redeem secret: {m}"),
        }
    }
}

/// Something that can ask the edge to redeem a token: the HTTP client in production, fakes in tests.
pub trait Redeemer: Send + Sync {
    /// One `POST /v1/redeem`, giving up at `deadline`.
    fn redeem(&self, request: &RedeemRequest, deadline: Instant) -> Result<RedeemAnswer, RedeemError>;
}

/// Why Verify could not reach a verdict: the trigger then fails the invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoVerdict {
    /// The edge is down, slow or failing (connection, timeout, 5xx): retrying later may work.
    Unavailable,
    /// The trigger or the edge is set up wrong (no configuration, a rejected secret, a URL that is not the edge).
    Misconfigured,
}

impl NoVerdict {
    /// The stable reason code (`unavailable` or `misconfigured`), logged and put in the error message.
    pub const fn code(self) -> &'static str {
        match self {
            NoVerdict::Unavailable => Reason::Unavailable.as_str(),
            NoVerdict::Misconfigured => Reason::Misconfigured.as_str(),
        }
    }
}

impl RedeemError {
    /// Whether this failure means "down" or "set up wrong".
    pub fn no_verdict(&self) -> NoVerdict {
        match self {
            RedeemError::Connect(_) | RedeemError::Timeout | RedeemError::Transport(_) => {
                NoVerdict::Unavailable
            }
            // Secrets Manager down or refusing: the edge never saw the token, so nothing was spent.
            RedeemError::Secret(_) => NoVerdict::Misconfigured,
            RedeemError::Status(s) if *s >= 500 || *s == 408 || *s == 429 => NoVerdict::Unavailable,
            // 401 (the secret is not accepted), 400/404/405 (not our edge or not our wire format), anything else.
            RedeemError::Status(_) => NoVerdict::Misconfigured,
            // A 200 that is not a redeem answer: something other than the edge answers at that URL.
            RedeemError::Garbage(_) => NoVerdict::Misconfigured,
        }
    }
}

/// What Verify decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyDecision {
    /// The edge redeemed the token: `answerCorrect = true`.
    Correct,
    /// The answer is wrong: `answerCorrect = false`. The reason is a core [`Reason`] code from the edge or a
    /// trigger code such as `missing_sub`.
    Wrong(String),
    /// No verdict: the trigger answers with an error. `cause` is the finer code (`edge_unreachable`, ...).
    NoVerdict {
        /// `unavailable` or `misconfigured`.
        kind: NoVerdict,
        /// The finer, stable cause code (`edge_unreachable`, `edge_timeout`, `edge_status`, `edge_garbage`,
        /// `edge_transport`, `not_configured`).
        cause: &'static str,
    },
}

impl VerifyDecision {
    /// The reason code logged: `None` when correct.
    pub fn reason(&self) -> Option<&str> {
        match self {
            VerifyDecision::Correct => None,
            VerifyDecision::Wrong(reason) => Some(reason),
            VerifyDecision::NoVerdict { kind, .. } => Some(kind.code()),
        }
    }
}

/// What Verify decided, with what to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The verdict.
    pub decision: VerifyDecision,
    /// Fingerprint of the answer when it was a string, for correlating logs (never the answer).
    pub answer_fp: Option<String>,
    /// Redeem calls made (0 only when not configured, else 1 or 2).
    pub attempts: u8,
    /// Whether the call was a probe ([`Plan::Probe`]): the event could not carry a valid answer.
    pub probe: bool,
    /// The last transport error, if any (for the log only: it may name the edge's address).
    pub error: Option<String>,
}

impl Outcome {
    fn new(decision: VerifyDecision, answer_fp: Option<String>) -> Self {
        Outcome {
            decision,
            answer_fp,
            attempts: 0,
            probe: false,
            error: None,
        }
    }

    /// The trigger's `response` object, or why there is none (the trigger then fails the invocation).
    pub fn response(&self) -> Result<Value, NoVerdict> {
        match &self.decision {
            VerifyDecision::Correct => Ok(json!({"answerCorrect": true})),
            VerifyDecision::Wrong(_) => Ok(json!({"answerCorrect": false})),
            VerifyDecision::NoVerdict { kind, .. } => Err(*kind),
        }
    }
}

/// Stands in for the user's `sub` in a probe. It starts with a control character, which
/// `Claims::check_shape` refuses in every verified token, so the edge's redeemer check can never accept it.
pub const PROBE_SUB: &str = "\u{0}handoff-probe:no-user";
/// Stands in for the username in a probe (never the name the caller typed); can never match, like [`PROBE_SUB`].
pub const PROBE_USERNAME: &str = "\u{0}handoff-probe:no-user";
/// Sent as the token in a probe when the answer is missing, not a string, empty or oversized: not a JWT, so the
/// edge refuses it as `malformed`.
pub const PROBE_TOKEN: &str = "handoff-probe";
/// Stands in for a missing client id in a probe.
pub const PROBE_CLIENT_ID: &str = "\u{0}handoff-probe:no-client";
/// Stands in for a missing nonce in a probe.
pub const PROBE_NONCE: &str = "handoff-probe-nonce";

/// What Verify asks the edge, decided from the event alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The event carries a complete answer: redeem it for this user. The edge's answer is the verdict.
    Redeem(RedeemRequest),
    /// The event cannot carry a valid answer: the verdict is `wrong` for `reason` whatever the edge answers, but
    /// the edge is still asked (with stand-ins that can never match, see the module doc) so that an unreachable
    /// edge gives the same error as for a complete answer.
    Probe {
        /// The probe redeem.
        request: RedeemRequest,
        /// The local refusal code logged (`user_not_found`, `malformed`, `missing_sub`, ...).
        reason: &'static str,
    },
}

impl Plan {
    /// The request to send.
    pub fn request(&self) -> &RedeemRequest {
        match self {
            Plan::Redeem(request) | Plan::Probe { request, .. } => request,
        }
    }
}

/// Whether `answer` can be a JWS compact token: non-empty, at most [`MAX_ANSWER_BYTES`], base64url and dots
/// only (so its JSON encoding is itself, byte for byte).
pub fn token_shaped(answer: &str) -> bool {
    !answer.is_empty()
        && answer.len() <= MAX_ANSWER_BYTES
        && answer
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// What to ask the edge for `event` (pure).
pub fn plan(event: &Event) -> Plan {
    let answer = match &event.request().challenge_answer {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let client_id = event.client_id();
    let nonce = event.private_parameter(NONCE_PARAM);
    let probe = |reason: &'static str| Plan::Probe {
        request: RedeemRequest {
            // The answer itself when the edge would look at it, so the probe takes a real token's path.
            token: answer
                .filter(|a| token_shaped(a))
                .unwrap_or(PROBE_TOKEN)
                .to_owned(),
            // Never the event's user, known or not: stand-ins that no token can name.
            sub: PROBE_SUB.to_owned(),
            username: PROBE_USERNAME.to_owned(),
            client_id: client_id.unwrap_or(PROBE_CLIENT_ID).to_owned(),
            nonce: nonce.unwrap_or(PROBE_NONCE).to_owned(),
            binding: event.binding().map(str::to_owned),
        },
        reason,
    };
    if event.user_not_found() {
        return probe("user_not_found");
    }
    let Some(token) = answer.filter(|a| !a.is_empty()) else {
        return probe(Reason::Malformed.as_str());
    };
    if token.len() > MAX_ANSWER_BYTES {
        return probe(Reason::TokenTooLarge.as_str());
    }
    // Not a JWS compact string: simply a wrong answer. Never forwarded as is: an answer of quotes or control
    // characters doubles or sextuples once JSON-escaped, and an edge refusing an oversized body would read as a
    // misconfiguration (false alarms, the wrong screen) that anyone could trigger.
    if !token_shaped(token) {
        return probe(Reason::Malformed.as_str());
    }
    let Some(sub) = event.user_attribute("sub") else {
        return probe("missing_sub");
    };
    let Some(username) = event.username() else {
        return probe("missing_username");
    };
    let Some(client_id) = client_id else {
        return probe("missing_client_id");
    };
    let Some(nonce) = nonce else {
        return probe("missing_nonce");
    };
    Plan::Redeem(RedeemRequest {
        token: token.to_owned(),
        sub: sub.to_owned(),
        username: username.to_owned(),
        client_id: client_id.to_owned(),
        nonce: nonce.to_owned(),
        binding: event.binding().map(str::to_owned),
    })
}

/// Decides whether `event`'s answer is correct, asking `redeemer` (absent: not configured) with the time
/// between `now` and `now + budget`.
pub fn verify(event: &Event, redeemer: Option<&dyn Redeemer>, now: Instant, budget: Duration) -> Outcome {
    let fp = match &event.request().challenge_answer {
        Some(Value::String(s)) => Some(fingerprint(s)),
        _ => None,
    };
    // First, so that a missing configuration looks the same for every user and every answer.
    let Some(redeemer) = redeemer else {
        let decision = VerifyDecision::NoVerdict {
            kind: NoVerdict::Misconfigured,
            cause: "not_configured",
        };
        return Outcome::new(decision, fp);
    };
    let plan = plan(event);
    let deadline = now + budget;
    let mut outcome = Outcome::new(
        VerifyDecision::NoVerdict {
            kind: NoVerdict::Unavailable,
            cause: "edge_unreachable",
        },
        fp,
    );
    outcome.probe = matches!(plan, Plan::Probe { .. });
    loop {
        outcome.attempts += 1;
        let answer = redeemer.redeem(plan.request(), deadline);
        match (&plan, answer) {
            (Plan::Redeem(_), Ok(RedeemAnswer { ok: true, .. })) => {
                outcome.decision = VerifyDecision::Correct;
                outcome.error = None;
                return outcome;
            }
            (Plan::Redeem(_), Ok(RedeemAnswer { ok: false, reason })) => {
                outcome.decision = VerifyDecision::Wrong(reason.map_or("refused", Reason::as_str).into());
                outcome.error = None;
                return outcome;
            }
            (Plan::Probe { reason, .. }, Ok(answer)) => {
                outcome.decision = VerifyDecision::Wrong((*reason).into());
                // Cannot happen (see the module doc); worth a look in the log if it ever does.
                outcome.error = answer.ok.then(|| "the edge accepted a probe".to_owned());
                return outcome;
            }
            (_, Err(err)) => {
                outcome.decision = VerifyDecision::NoVerdict {
                    kind: err.no_verdict(),
                    cause: err.code(),
                };
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
