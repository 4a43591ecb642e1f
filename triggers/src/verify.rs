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
//!   or `misconfigured` in its log line), and Cognito answers `UserLambdaValidationException`
//!   (`VerifyAuthChallengeResponse failed with error <message>.`) and issues no tokens.
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
//! [`crate::redeem::BUDGET`] and under the same retry rule ([`plan`] decides what it carries, purely). When the event can carry
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
//! Asking the edge (the request, the secret, the one retry within the budget, what a failure means) is
//! [`crate::redeem`]'s job; this module decides what to ask and what the answer means for the verdict.

use std::time::{Duration, Instant};

use handoff_core::wire::{RedeemAnswer, RedeemRequest};
use handoff_core::{Reason, fingerprint};
use serde_json::{Value, json};

use crate::create::NONCE_PARAM;
use crate::event::{Event, base64url_dotted};
use crate::redeem::{self, NoVerdict, Redeemer};

/// Longest answer sent to the edge; the edge rejects longer tokens anyway.
pub const MAX_ANSWER_BYTES: usize = handoff_core::MAX_TOKEN_BYTES;

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
    base64url_dotted(answer, MAX_ANSWER_BYTES)
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
pub fn decide(event: &Event, redeemer: Option<&dyn Redeemer>, now: Instant, budget: Duration) -> Outcome {
    let answer_fp = match &event.request().challenge_answer {
        Some(Value::String(s)) => Some(fingerprint(s)),
        _ => None,
    };
    // First, so that a missing configuration looks the same for every user and every answer.
    let Some(redeemer) = redeemer else {
        return Outcome {
            decision: VerifyDecision::NoVerdict {
                kind: NoVerdict::Misconfigured,
                cause: "not_configured",
            },
            answer_fp,
            attempts: 0,
            probe: false,
            error: None,
        };
    };
    let plan = plan(event);
    let asked = redeem::ask(redeemer, plan.request(), now + budget);
    let (decision, error) = match (&plan, asked.answer) {
        (Plan::Redeem(_), Ok(RedeemAnswer { ok: true, .. })) => (VerifyDecision::Correct, None),
        (Plan::Redeem(_), Ok(RedeemAnswer { ok: false, reason })) => {
            let reason = reason.map_or("refused", Reason::as_str);
            (VerifyDecision::Wrong(reason.into()), None)
        }
        // An edge accepting a probe cannot happen (see the module doc); worth a look in the log if it ever does.
        (Plan::Probe { reason, .. }, Ok(answer)) => (
            VerifyDecision::Wrong((*reason).into()),
            answer.ok.then(|| "the edge accepted a probe".to_owned()),
        ),
        (_, Err(err)) => {
            let decision = VerifyDecision::NoVerdict {
                kind: err.no_verdict(),
                cause: err.code(),
            };
            (decision, Some(err.to_string()))
        }
    };
    Outcome {
        decision,
        answer_fp,
        attempts: asked.attempts,
        probe: matches!(plan, Plan::Probe { .. }),
        error,
    }
}
