//! The per-user ledger: a pure state machine over one user's tokens. The Durable Object (`durable.rs`) loads
//! it, applies one [`LedgerRequest`], stores it; because a Durable Object runs one request's synchronous code
//! at a time and nothing awaits between load and store, each request is atomic. Time is passed in.
//!
//! - issue: rate limits (issues per minute, live tokens), then record `jti -> exp`.
//! - redeem: recorded, unexpired and unburned -> burned with the challenge nonce's digest; the same nonce again
//!   -> success again (Cognito and the trigger retry); another nonce -> `replayed`; revoked -> `revoked`;
//!   unknown -> `unknown_token`.
//! - revoke: every live token becomes revoked; the answer counts them.
//! - cleanup: entries long expired are dropped (an alarm runs it).
//!
//! The messages and the stored state are JSON written and read by hand ([`handoff_core::json`]), byte for byte
//! as serde's derives wrote them and accepting what they accepted (the deployed objects' storage still loads);
//! the derives remain for tests only, which compare the two. Stricter than serde in three ways, none of which
//! serde itself ever writes: a repeated member name (even an ignored one, or a `jti` in `tokens`) is refused, a
//! struct written as an array (`["203.0.113.7",64500]`) is refused, and nesting beyond [`json::MAX_DEPTH`].

use std::collections::BTreeMap;

use handoff_core::json::{self, ArrayWriter, Object, ObjectWriter, Value};
use handoff_core::{MAX_LEEWAY_SECS, Reason};

use crate::context::{BindingPolicy, Context, req_u32, variant};
use sha2::{Digest, Sha256};

/// The rate-limit window, in seconds.
pub const WINDOW_SECS: u64 = 60;
/// How long an entry outlives its token: beyond any verifier's leeway, so a burned or revoked token is never
/// forgotten while it could still pass verification.
pub const RETAIN_SECS: u64 = 60;

/// Per-user limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
pub struct Limits {
    /// Most issues in any [`WINDOW_SECS`].
    pub issues_per_minute: u32,
    /// Most live (issued, unexpired, neither burned nor revoked) tokens at once.
    pub max_live_tokens: u32,
}

/// The SHA-256 of a challenge nonce, hex. The ledger and the KV burn record keep this, never the nonce.
pub fn nonce_digest(nonce: &str) -> String {
    Sha256::digest(nonce.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What became of one token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(rename_all = "snake_case"))]
pub enum TokenState {
    /// Issued, not used.
    Live,
    /// Redeemed by the sign-in with this nonce digest.
    Burned {
        /// [`nonce_digest`] of the challenge nonce.
        nonce: String,
    },
    /// Revoked before use.
    Revoked,
}

/// One recorded token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
pub struct Entry {
    /// The token's `exp`.
    pub exp: u64,
    /// Its state.
    pub state: TokenState,
    /// Where the link was asked for (context binding on), else `None`.
    #[cfg_attr(test, serde(default, skip_serializing_if = "Option::is_none"))]
    pub context: Option<Context>,
}

/// What a redeem brings to compare with the issue context.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(rename_all = "snake_case"))]
pub enum Seen {
    /// Binding off: nothing to compare.
    NotRequired,
    /// Binding on, and the request carries no binding.
    Missing,
    /// The browser's context from a valid binding, and the policy to compare with.
    Context(Context, BindingPolicy),
}

/// One user's ledger: what the `Ledger` Durable Object (`durable.rs`) stores and applies requests to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
pub struct LedgerState {
    /// Recorded tokens by `jti`.
    pub tokens: BTreeMap<String, Entry>,
    /// Issue times (Unix seconds) within the last [`WINDOW_SECS`].
    pub issued: Vec<u64>,
}

/// One operation, as sent from the worker to the user's Durable Object. Enums here are externally tagged
/// (`{"redeem":{…}}`, serde's default, which the deployed versions speak).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(rename_all = "snake_case", deny_unknown_fields))]
pub enum LedgerRequest {
    /// Record a new token, subject to the limits.
    Issue {
        /// The new token's `jti`.
        jti: String,
        /// Its `exp`.
        exp: u64,
        /// The worker's clock.
        now: u64,
        /// The limits to enforce.
        limits: Limits,
        /// Where the link was asked for (context binding on).
        #[cfg_attr(test, serde(default, skip_serializing_if = "Option::is_none"))]
        context: Option<Context>,
    },
    /// Burn a verified token for a sign-in.
    Redeem {
        /// The token's `jti`.
        jti: String,
        /// [`nonce_digest`] of the challenge nonce.
        nonce: String,
        /// The worker's clock.
        now: u64,
        /// The browser's context, to compare with the issue context.
        #[cfg_attr(test, serde(default = "not_required"))]
        seen: Seen,
    },
    /// Compare a browser's context with a token's issue context, changing nothing (`/v1/bind`).
    CheckContext {
        /// The token's `jti`.
        jti: String,
        /// The browser's context.
        seen: Context,
        /// How to compare.
        policy: BindingPolicy,
    },
    /// Revoke every live token.
    Revoke {
        /// The worker's clock.
        now: u64,
    },
}

/// The answer to a [`LedgerRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(rename_all = "snake_case", deny_unknown_fields))]
pub enum LedgerResponse {
    /// Issue: recorded.
    Recorded,
    /// Issue: refused; retry after this many seconds.
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after: u64,
    },
    /// Issue: the `jti` already exists (never happens with 128 random bits; refuse rather than overwrite).
    Duplicate,
    /// Redeem: what happened.
    Redeem {
        /// The outcome.
        result: RedeemOutcome,
    },
    /// Revoke: how many live tokens were revoked.
    Revoked {
        /// The count.
        count: u32,
    },
    /// CheckContext: `Some(same)` for a recorded token with a recorded context, else `None`.
    Context {
        /// Whether the contexts match.
        same: Option<bool>,
    },
}

#[cfg(test)]
fn not_required() -> Seen {
    Seen::NotRequired
}

/// The outcome of a redeem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(rename_all = "snake_case"))]
pub enum RedeemOutcome {
    /// First use: burned now.
    Burned,
    /// Already burned by the same nonce: success again.
    Repeated,
    /// Already burned by another nonce.
    Replayed,
    /// Revoked before use.
    Revoked,
    /// Past its expiry (the verifier normally says so first).
    Expired,
    /// Never recorded here, or cleaned up.
    Unknown,
    /// Used from another context than it was asked for in (not burned).
    WrongContext,
    /// Asked for with context binding on, redeemed without a binding (not burned).
    MissingBinding,
}

impl RedeemOutcome {
    /// `Ok` when the sign-in may proceed, else the reason to answer with.
    pub fn result(self) -> Result<(), Reason> {
        match self {
            RedeemOutcome::Burned | RedeemOutcome::Repeated => Ok(()),
            RedeemOutcome::Replayed => Err(Reason::Replayed),
            RedeemOutcome::Revoked => Err(Reason::Revoked),
            RedeemOutcome::Expired => Err(Reason::Expired),
            RedeemOutcome::Unknown => Err(Reason::UnknownToken),
            RedeemOutcome::WrongContext => Err(Reason::WrongContext),
            RedeemOutcome::MissingBinding => Err(Reason::BadBinding),
        }
    }
}

impl LedgerState {
    /// Applies one request. Returns the answer and whether the ledger changed (so an unchanged one is not
    /// written back).
    pub fn apply(&mut self, request: &LedgerRequest) -> (LedgerResponse, bool) {
        match request {
            LedgerRequest::Issue {
                jti,
                exp,
                now,
                limits,
                context,
            } => match self.issue_with(jti, *exp, *now, *limits, context.clone()) {
                Ok(()) => (LedgerResponse::Recorded, true),
                Err(IssueRefusal::RateLimited { retry_after }) => {
                    (LedgerResponse::RateLimited { retry_after }, false)
                }
                Err(IssueRefusal::Duplicate) => (LedgerResponse::Duplicate, false),
            },
            LedgerRequest::Redeem {
                jti,
                nonce,
                now,
                seen,
            } => {
                let result = self.redeem_with(jti, nonce, *now, seen);
                (LedgerResponse::Redeem { result }, result == RedeemOutcome::Burned)
            }
            LedgerRequest::CheckContext { jti, seen, policy } => {
                let same = self
                    .tokens
                    .get(jti)
                    .and_then(|e| e.context.as_ref())
                    .map(|recorded| recorded.matches(seen, *policy));
                (LedgerResponse::Context { same }, false)
            }
            LedgerRequest::Revoke { now } => {
                let count = self.revoke(*now);
                (LedgerResponse::Revoked { count }, count > 0)
            }
        }
    }

    fn live(&self, now: u64) -> impl Iterator<Item = &Entry> {
        self.tokens
            .values()
            .filter(move |e| e.state == TokenState::Live && e.exp > now)
    }

    /// Records a token unless a limit is reached (no context binding).
    pub fn issue(&mut self, jti: &str, exp: u64, now: u64, limits: Limits) -> Result<(), IssueRefusal> {
        self.issue_with(jti, exp, now, limits, None)
    }

    /// Records a token, and where it was asked for, unless a limit is reached.
    pub fn issue_with(
        &mut self,
        jti: &str,
        exp: u64,
        now: u64,
        limits: Limits,
        context: Option<Context>,
    ) -> Result<(), IssueRefusal> {
        self.cleanup(now);
        if self.issued.len() >= limits.issues_per_minute as usize {
            let oldest = self.issued.iter().copied().min().unwrap_or(now);
            return Err(IssueRefusal::RateLimited {
                retry_after: (oldest + WINDOW_SECS).saturating_sub(now).max(1),
            });
        }
        if self.live(now).count() >= limits.max_live_tokens as usize {
            let first_expiry = self.live(now).map(|e| e.exp).min().unwrap_or(now);
            return Err(IssueRefusal::RateLimited {
                retry_after: first_expiry.saturating_sub(now).max(1),
            });
        }
        if self.tokens.contains_key(jti) {
            return Err(IssueRefusal::Duplicate);
        }
        self.tokens.insert(
            jti.to_string(),
            Entry {
                exp,
                state: TokenState::Live,
                context,
            },
        );
        self.issued.push(now);
        Ok(())
    }

    /// Burns a token for the sign-in identified by `nonce` (a [`nonce_digest`]), no context binding.
    pub fn redeem(&mut self, jti: &str, nonce: &str, now: u64) -> RedeemOutcome {
        self.redeem_with(jti, nonce, now, &Seen::NotRequired)
    }

    /// Burns a token for the sign-in identified by `nonce`, if the browser's context (`seen`) matches the one the
    /// link was asked for in. A mismatch burns nothing: the link still works on the device that asked for it.
    pub fn redeem_with(&mut self, jti: &str, nonce: &str, now: u64, seen: &Seen) -> RedeemOutcome {
        let Some(entry) = self.tokens.get_mut(jti) else {
            return RedeemOutcome::Unknown;
        };
        let fresh = entry.state == TokenState::Live;
        if let (true, Some(recorded)) = (fresh, &entry.context) {
            match seen {
                Seen::NotRequired => {}
                Seen::Missing => return RedeemOutcome::MissingBinding,
                Seen::Context(context, policy) if !recorded.matches(context, *policy) => {
                    return RedeemOutcome::WrongContext;
                }
                Seen::Context(..) => {}
            }
        }
        match &entry.state {
            TokenState::Burned { nonce: burned } if burned == nonce => RedeemOutcome::Repeated,
            TokenState::Burned { .. } => RedeemOutcome::Replayed,
            TokenState::Revoked => RedeemOutcome::Revoked,
            TokenState::Live if now >= entry.exp.saturating_add(MAX_LEEWAY_SECS) => RedeemOutcome::Expired,
            TokenState::Live => {
                entry.state = TokenState::Burned {
                    nonce: nonce.to_string(),
                };
                RedeemOutcome::Burned
            }
        }
    }

    /// Revokes every live token; returns how many.
    pub fn revoke(&mut self, now: u64) -> u32 {
        let mut count = 0;
        for entry in self.tokens.values_mut() {
            if entry.state == TokenState::Live && entry.exp.saturating_add(MAX_LEEWAY_SECS) > now {
                entry.state = TokenState::Revoked;
                count += 1;
            }
        }
        count
    }

    /// Drops entries [`RETAIN_SECS`] past their expiry and issue times outside the window.
    pub fn cleanup(&mut self, now: u64) {
        self.tokens.retain(|_, e| e.exp.saturating_add(RETAIN_SECS) > now);
        self.issued.retain(|&t| t + WINDOW_SECS > now);
    }

    /// When the next cleanup has something to do (Unix seconds), if ever.
    pub fn next_cleanup(&self) -> Option<u64> {
        let tokens = self.tokens.values().map(|e| e.exp.saturating_add(RETAIN_SECS));
        let issues = self.issued.iter().map(|t| t + WINDOW_SECS);
        tokens.chain(issues).min()
    }

    /// Whether nothing is recorded (the Durable Object can delete its storage).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.issued.is_empty()
    }
}

// JSON, by hand, as serde's derives wrote and read it (see the module's documentation).

/// Writes `{"name":{members}}`: a struct variant of an externally tagged enum.
fn struct_variant(out: &mut String, name: &str, members: impl FnOnce(&mut ObjectWriter<'_>)) {
    let mut outer = ObjectWriter::new(out);
    let mut inner = ObjectWriter::new(outer.member(name));
    members(&mut inner);
    inner.end();
    outer.end();
}

/// The members of a struct variant of a `deny_unknown_fields` enum: an object with none but `known`.
fn strict_members<'a>(data: &'a Value, known: &[&str]) -> Option<&'a Object> {
    let members = data.as_object()?;
    members.unknown_member(known).is_none().then_some(members)
}

/// A member that must be there, read by `read`.
fn required<T>(members: &Object, name: &str, read: impl FnOnce(&Value) -> Option<T>) -> Option<T> {
    read(members.get(name)?)
}

/// An optional context member: `Some(None)` when absent or `null`, `None` when present and not a context.
fn opt_context(members: &Object, name: &str) -> Option<Option<Context>> {
    match members.present(name) {
        None => Some(None),
        Some(value) => Context::read(value).map(Some),
    }
}

impl Limits {
    /// Writes the limits as JSON: `{"issues_per_minute":…,"max_live_tokens":…}`.
    pub fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        members
            .u64("issues_per_minute", u64::from(self.issues_per_minute))
            .u64("max_live_tokens", u64::from(self.max_live_tokens));
        members.end();
    }

    /// Reads limits: both members, each at most `u32::MAX`; other members ignored.
    pub fn read(value: &Value) -> Option<Limits> {
        let members = value.as_object()?;
        Some(Limits {
            issues_per_minute: req_u32(members, "issues_per_minute")?,
            max_live_tokens: req_u32(members, "max_live_tokens")?,
        })
    }
}

impl TokenState {
    /// Writes the state as JSON: `"live"`, `{"burned":{"nonce":…}}` or `"revoked"`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            TokenState::Live => json::write_str(out, "live"),
            TokenState::Burned { nonce } => struct_variant(out, "burned", |m| {
                m.str("nonce", nonce);
            }),
            TokenState::Revoked => json::write_str(out, "revoked"),
        }
    }

    /// Reads a state as [`TokenState::write_json`] writes it (a burn's other members ignored).
    pub fn read(value: &Value) -> Option<TokenState> {
        match variant(value)? {
            ("live", Value::Null) => Some(TokenState::Live),
            ("burned", data) => Some(TokenState::Burned {
                nonce: data.as_object()?.req_str("nonce").ok()?,
            }),
            ("revoked", Value::Null) => Some(TokenState::Revoked),
            _ => None,
        }
    }
}

impl Entry {
    /// Writes the entry as JSON: `{"exp":…,"state":…,"context":…}`, `context` only when recorded.
    pub fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        members.u64("exp", self.exp);
        self.state.write_json(members.member("state"));
        if let Some(context) = &self.context {
            context.write_json(members.member("context"));
        }
        members.end();
    }

    /// Reads an entry: `exp` and `state` required, `context` absent or `null` when none; others ignored.
    pub fn read(value: &Value) -> Option<Entry> {
        let members = value.as_object()?;
        Some(Entry {
            exp: members.req_u64("exp").ok()?,
            state: required(members, "state", TokenState::read)?,
            context: opt_context(members, "context")?,
        })
    }
}

impl Seen {
    /// Writes it as JSON: `"not_required"`, `"missing"` or `{"context":[{context},"policy"]}`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Seen::NotRequired => json::write_str(out, "not_required"),
            Seen::Missing => json::write_str(out, "missing"),
            Seen::Context(context, policy) => {
                let mut outer = ObjectWriter::new(out);
                let mut items = ArrayWriter::new(outer.member("context"));
                context.write_json(items.item());
                policy.write_json(items.item());
                items.end();
                outer.end();
            }
        }
    }

    /// Reads it as [`Seen::write_json`] writes it (the context variant: an array of exactly two items).
    pub fn read(value: &Value) -> Option<Seen> {
        match variant(value)? {
            ("not_required", Value::Null) => Some(Seen::NotRequired),
            ("missing", Value::Null) => Some(Seen::Missing),
            ("context", Value::Array(items)) => match items.as_slice() {
                [context, policy] => Some(Seen::Context(
                    Context::read(context)?,
                    BindingPolicy::read(policy)?,
                )),
                _ => None,
            },
            _ => None,
        }
    }
}

impl LedgerState {
    /// The ledger as stored: `{"tokens":{jti:entry,…},"issued":[…]}`, tokens in `jti` order.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let mut members = ObjectWriter::new(&mut out);
        let mut tokens = ObjectWriter::new(members.member("tokens"));
        for (jti, entry) in &self.tokens {
            entry.write_json(tokens.member(jti));
        }
        tokens.end();
        let mut issued = ArrayWriter::new(members.member("issued"));
        for &at in &self.issued {
            json::write_u64(issued.item(), at);
        }
        issued.end();
        members.end();
        out
    }

    /// Reads a stored ledger (see [`LedgerState::read`]).
    pub fn from_json(text: &str) -> Option<LedgerState> {
        LedgerState::read(&json::parse(text).ok()?)
    }

    /// Reads a ledger: `tokens` an object of entries and `issued` an array of times, both required; other
    /// members ignored.
    pub fn read(value: &Value) -> Option<LedgerState> {
        let members = value.as_object()?;
        let mut tokens = BTreeMap::new();
        for (jti, entry) in members.req_object("tokens").ok()?.iter() {
            tokens.insert(jti.to_owned(), Entry::read(entry)?);
        }
        let Some(Value::Array(times)) = members.get("issued") else {
            return None;
        };
        let issued = times.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>()?;
        Some(LedgerState { tokens, issued })
    }
}

impl LedgerRequest {
    /// The request as sent: `{"issue":{…}}`, `{"redeem":{…}}`, `{"check_context":{…}}` or `{"revoke":{…}}`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Writes the request as JSON (see [`LedgerRequest::to_json`]); members in declaration order, an issue's
    /// `context` only when there is one, a redeem's `seen` always.
    pub fn write_json(&self, out: &mut String) {
        match self {
            LedgerRequest::Issue {
                jti,
                exp,
                now,
                limits,
                context,
            } => struct_variant(out, "issue", |m| {
                m.str("jti", jti).u64("exp", *exp).u64("now", *now);
                limits.write_json(m.member("limits"));
                if let Some(context) = context {
                    context.write_json(m.member("context"));
                }
            }),
            LedgerRequest::Redeem {
                jti,
                nonce,
                now,
                seen,
            } => struct_variant(out, "redeem", |m| {
                m.str("jti", jti).str("nonce", nonce).u64("now", *now);
                seen.write_json(m.member("seen"));
            }),
            LedgerRequest::CheckContext { jti, seen, policy } => struct_variant(out, "check_context", |m| {
                m.str("jti", jti);
                seen.write_json(m.member("seen"));
                policy.write_json(m.member("policy"));
            }),
            LedgerRequest::Revoke { now } => struct_variant(out, "revoke", |m| {
                m.u64("now", *now);
            }),
        }
    }

    /// Reads a request as received (see [`LedgerRequest::read`]).
    pub fn from_json(text: &str) -> Option<LedgerRequest> {
        LedgerRequest::read(&json::parse(text).ok()?)
    }

    /// Reads a request: one variant, its members and no others; an issue's `context` absent or `null` when
    /// none, a redeem's `seen` absent when not required.
    pub fn read(value: &Value) -> Option<LedgerRequest> {
        let (name, data) = variant(value)?;
        match name {
            "issue" => LedgerRequest::read_issue(data),
            "redeem" => LedgerRequest::read_redeem(data),
            "check_context" => LedgerRequest::read_check_context(data),
            "revoke" => Some(LedgerRequest::Revoke {
                now: strict_members(data, &["now"])?.req_u64("now").ok()?,
            }),
            _ => None,
        }
    }

    /// The members of an issue: exactly its own.
    fn read_issue(data: &Value) -> Option<LedgerRequest> {
        let members = strict_members(data, &["jti", "exp", "now", "limits", "context"])?;
        Some(LedgerRequest::Issue {
            jti: members.req_str("jti").ok()?,
            exp: members.req_u64("exp").ok()?,
            now: members.req_u64("now").ok()?,
            limits: required(members, "limits", Limits::read)?,
            context: opt_context(members, "context")?,
        })
    }

    /// The members of a redeem: exactly its own.
    fn read_redeem(data: &Value) -> Option<LedgerRequest> {
        let members = strict_members(data, &["jti", "nonce", "now", "seen"])?;
        Some(LedgerRequest::Redeem {
            jti: members.req_str("jti").ok()?,
            nonce: members.req_str("nonce").ok()?,
            now: members.req_u64("now").ok()?,
            seen: match members.get("seen") {
                None => Seen::NotRequired,
                Some(seen) => Seen::read(seen)?,
            },
        })
    }

    /// The members of a context check: exactly its own.
    fn read_check_context(data: &Value) -> Option<LedgerRequest> {
        let members = strict_members(data, &["jti", "seen", "policy"])?;
        Some(LedgerRequest::CheckContext {
            jti: members.req_str("jti").ok()?,
            seen: required(members, "seen", Context::read)?,
            policy: required(members, "policy", BindingPolicy::read)?,
        })
    }
}

impl LedgerResponse {
    /// The answer as sent: `"recorded"`, `{"rate_limited":{"retry_after":…}}`, `"duplicate"`,
    /// `{"redeem":{"result":…}}`, `{"revoked":{"count":…}}` or `{"context":{"same":true|false|null}}`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Writes the answer as JSON (see [`LedgerResponse::to_json`]).
    pub fn write_json(&self, out: &mut String) {
        match self {
            LedgerResponse::Recorded => json::write_str(out, "recorded"),
            LedgerResponse::RateLimited { retry_after } => struct_variant(out, "rate_limited", |m| {
                m.u64("retry_after", *retry_after);
            }),
            LedgerResponse::Duplicate => json::write_str(out, "duplicate"),
            LedgerResponse::Redeem { result } => struct_variant(out, "redeem", |m| {
                json::write_str(m.member("result"), result.name());
            }),
            LedgerResponse::Revoked { count } => struct_variant(out, "revoked", |m| {
                m.u64("count", u64::from(*count));
            }),
            LedgerResponse::Context { same } => struct_variant(out, "context", |m| match same {
                Some(same) => {
                    m.bool("same", *same);
                }
                None => {
                    m.null("same");
                }
            }),
        }
    }

    /// Reads an answer as received (see [`LedgerResponse::read`]).
    pub fn from_json(text: &str) -> Option<LedgerResponse> {
        LedgerResponse::read(&json::parse(text).ok()?)
    }

    /// Reads an answer: one variant, its members and no others (`same` absent or `null` when none).
    pub fn read(value: &Value) -> Option<LedgerResponse> {
        match variant(value)? {
            ("recorded", Value::Null) => Some(LedgerResponse::Recorded),
            ("rate_limited", data) => Some(LedgerResponse::RateLimited {
                retry_after: strict_members(data, &["retry_after"])?
                    .req_u64("retry_after")
                    .ok()?,
            }),
            ("duplicate", Value::Null) => Some(LedgerResponse::Duplicate),
            ("redeem", data) => Some(LedgerResponse::Redeem {
                result: required(strict_members(data, &["result"])?, "result", RedeemOutcome::read)?,
            }),
            ("revoked", data) => Some(LedgerResponse::Revoked {
                count: req_u32(strict_members(data, &["count"])?, "count")?,
            }),
            ("context", data) => Some(LedgerResponse::Context {
                same: match strict_members(data, &["same"])?.present("same") {
                    None => None,
                    Some(Value::Bool(same)) => Some(*same),
                    Some(_) => return None,
                },
            }),
            _ => None,
        }
    }
}

impl RedeemOutcome {
    /// The outcome's name in JSON (serde's snake_case unit variant).
    fn name(self) -> &'static str {
        match self {
            RedeemOutcome::Burned => "burned",
            RedeemOutcome::Repeated => "repeated",
            RedeemOutcome::Replayed => "replayed",
            RedeemOutcome::Revoked => "revoked",
            RedeemOutcome::Expired => "expired",
            RedeemOutcome::Unknown => "unknown",
            RedeemOutcome::WrongContext => "wrong_context",
            RedeemOutcome::MissingBinding => "missing_binding",
        }
    }

    /// Reads an outcome as serde reads a unit variant: `"burned"`, or `{"burned":null}`.
    pub fn read(value: &Value) -> Option<RedeemOutcome> {
        let (name, Value::Null) = variant(value)? else {
            return None;
        };
        [
            RedeemOutcome::Burned,
            RedeemOutcome::Repeated,
            RedeemOutcome::Replayed,
            RedeemOutcome::Revoked,
            RedeemOutcome::Expired,
            RedeemOutcome::Unknown,
            RedeemOutcome::WrongContext,
            RedeemOutcome::MissingBinding,
        ]
        .into_iter()
        .find(|outcome| outcome.name() == name)
    }
}

/// Why an issue was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueRefusal {
    /// A limit is reached; retry after this many seconds.
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after: u64,
    },
    /// The `jti` is already recorded.
    Duplicate,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::context::tests::{agrees, odd_strings, reads_as_serde, refused, stricter};

    const NOW: u64 = 1_767_225_600;
    const LIMITS: Limits = Limits {
        issues_per_minute: 5,
        max_live_tokens: 3,
    };

    fn jti(i: u32) -> String {
        format!("jti-{i:04}-aaaaaaaaaaaaaaaa")
    }

    #[test]
    fn issue_then_redeem_burns_once_and_is_idempotent_per_nonce() {
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        let (a, b) = (nonce_digest("nonce-a"), nonce_digest("nonce-b"));
        assert_eq!(ledger.redeem(&jti(1), &a, NOW + 1), RedeemOutcome::Burned);
        assert_eq!(ledger.redeem(&jti(1), &a, NOW + 2), RedeemOutcome::Repeated);
        assert_eq!(ledger.redeem(&jti(1), &b, NOW + 2), RedeemOutcome::Replayed);
        assert_eq!(
            ledger.redeem(&jti(1), &a, NOW + 3),
            RedeemOutcome::Repeated,
            "the first nonce still works"
        );
        assert_eq!(ledger.redeem(&jti(2), &a, NOW + 3), RedeemOutcome::Unknown);
    }

    #[test]
    fn a_link_redeems_only_from_the_context_it_was_asked_for_in_and_a_mismatch_burns_nothing() {
        let phone = Context {
            ip: "203.0.113.7".into(),
            asn: Some(64500),
        };
        let elsewhere = Context {
            ip: "198.51.100.4".into(),
            asn: Some(64501),
        };
        let mut ledger = LedgerState::default();
        ledger
            .issue_with(&jti(1), NOW + 60, NOW, LIMITS, Some(phone.clone()))
            .unwrap();
        let (a, b) = (nonce_digest("victim"), nonce_digest("owner"));
        let victim = Seen::Context(elsewhere.clone(), BindingPolicy::Asn);
        assert_eq!(
            ledger.redeem_with(&jti(1), &a, NOW + 1, &victim),
            RedeemOutcome::WrongContext
        );
        assert_eq!(
            ledger.redeem_with(&jti(1), &a, NOW + 1, &Seen::Missing),
            RedeemOutcome::MissingBinding
        );
        // Nothing was burned: the owner's own browser still signs in.
        let owner = Seen::Context(phone.clone(), BindingPolicy::Asn);
        assert_eq!(
            ledger.redeem_with(&jti(1), &b, NOW + 2, &owner),
            RedeemOutcome::Burned
        );
        // A token issued without a recorded context (binding turned on later) needs none.
        ledger.issue(&jti(2), NOW + 60, NOW, LIMITS).unwrap();
        assert_eq!(
            ledger.redeem_with(&jti(2), &a, NOW + 2, &victim),
            RedeemOutcome::Burned
        );
        // /v1/bind's check changes nothing.
        ledger
            .issue_with(&jti(3), NOW + 60, NOW, LIMITS, Some(phone.clone()))
            .unwrap();
        let check = |seen: &Context| LedgerRequest::CheckContext {
            jti: jti(3),
            seen: seen.clone(),
            policy: BindingPolicy::Asn,
        };
        assert_eq!(
            ledger.apply(&check(&elsewhere)),
            (LedgerResponse::Context { same: Some(false) }, false)
        );
        assert_eq!(
            ledger.apply(&check(&phone)),
            (LedgerResponse::Context { same: Some(true) }, false)
        );
    }

    #[test]
    fn apply_reports_changes_only_when_state_changed() {
        let mut ledger = LedgerState::default();
        let issue = LedgerRequest::Issue {
            jti: jti(1),
            exp: NOW + 60,
            now: NOW,
            limits: LIMITS,
            context: None,
        };
        assert_eq!(ledger.apply(&issue), (LedgerResponse::Recorded, true));
        assert_eq!(ledger.apply(&issue), (LedgerResponse::Duplicate, false));
        let redeem = LedgerRequest::Redeem {
            jti: jti(1),
            nonce: nonce_digest("n"),
            now: NOW,
            seen: Seen::NotRequired,
        };
        assert_eq!(
            ledger.apply(&redeem),
            (
                LedgerResponse::Redeem {
                    result: RedeemOutcome::Burned
                },
                true
            )
        );
        assert_eq!(
            ledger.apply(&redeem),
            (
                LedgerResponse::Redeem {
                    result: RedeemOutcome::Repeated
                },
                false
            )
        );
        assert_eq!(
            ledger.apply(&LedgerRequest::Revoke { now: NOW }),
            (LedgerResponse::Revoked { count: 0 }, false)
        );
    }

    #[test]
    fn the_issue_rate_is_limited_per_minute_with_a_retry_after() {
        let mut ledger = LedgerState::default();
        let limits = Limits {
            issues_per_minute: 5,
            max_live_tokens: 100,
        };
        for i in 0..5 {
            ledger
                .issue(&jti(i), NOW + 60, NOW + u64::from(i), limits)
                .unwrap();
        }
        assert_eq!(
            ledger.issue(&jti(9), NOW + 70, NOW + 10, limits),
            Err(IssueRefusal::RateLimited { retry_after: 50 })
        );
        // A minute after the first issue, one slot is free again.
        ledger.issue(&jti(9), NOW + 120, NOW + 60, limits).unwrap();
    }

    #[test]
    fn live_tokens_are_limited_and_burned_or_revoked_ones_do_not_count() {
        let mut ledger = LedgerState::default();
        let limits = Limits {
            issues_per_minute: 100,
            max_live_tokens: 3,
        };
        for i in 0..3 {
            ledger
                .issue(&jti(i), NOW + 30 + u64::from(i), NOW, limits)
                .unwrap();
        }
        assert_eq!(
            ledger.issue(&jti(3), NOW + 60, NOW, limits),
            Err(IssueRefusal::RateLimited { retry_after: 30 })
        );
        assert_eq!(
            ledger.redeem(&jti(0), &nonce_digest("n"), NOW),
            RedeemOutcome::Burned
        );
        ledger.issue(&jti(3), NOW + 60, NOW, limits).unwrap();
        assert_eq!(ledger.revoke(NOW), 3);
        ledger.issue(&jti(4), NOW + 60, NOW, limits).unwrap();
    }

    #[test]
    fn revoked_tokens_redeem_as_revoked_and_burned_ones_stay_burned() {
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        ledger.issue(&jti(2), NOW + 60, NOW, LIMITS).unwrap();
        assert_eq!(
            ledger.redeem(&jti(1), &nonce_digest("n"), NOW),
            RedeemOutcome::Burned
        );
        assert_eq!(ledger.revoke(NOW + 1), 1);
        assert_eq!(
            ledger.redeem(&jti(2), &nonce_digest("n"), NOW + 2),
            RedeemOutcome::Revoked
        );
        assert_eq!(
            ledger.redeem(&jti(1), &nonce_digest("n"), NOW + 2),
            RedeemOutcome::Repeated
        );
        assert_eq!(ledger.revoke(NOW + 3), 0);
    }

    #[test]
    fn expired_tokens_do_not_burn_and_are_cleaned_up_after_the_retention() {
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        assert_eq!(
            ledger.redeem(&jti(1), &nonce_digest("n"), NOW + 60 + MAX_LEEWAY_SECS),
            RedeemOutcome::Expired
        );
        assert_eq!(ledger.next_cleanup(), Some(NOW + WINDOW_SECS));
        ledger.cleanup(NOW + 60);
        assert!(!ledger.is_empty(), "the token is kept until its retention ends");
        assert_eq!(ledger.next_cleanup(), Some(NOW + 60 + RETAIN_SECS));
        ledger.cleanup(NOW + 60 + RETAIN_SECS);
        assert!(ledger.is_empty());
        assert_eq!(ledger.next_cleanup(), None);
    }

    #[test]
    fn ledger_messages_round_trip_as_json() {
        let request = LedgerRequest::Redeem {
            jti: jti(1),
            nonce: nonce_digest("n"),
            now: NOW,
            seen: Seen::Context(
                Context {
                    ip: "203.0.113.7".into(),
                    asn: Some(64500),
                },
                BindingPolicy::Asn,
            ),
        };
        let text = serde_json::to_string(&request).unwrap();
        assert!(text.starts_with("{\"redeem\":{"), "{text}");
        assert_eq!(serde_json::from_str::<LedgerRequest>(&text).unwrap(), request);
        let response = LedgerResponse::Redeem {
            result: RedeemOutcome::Replayed,
        };
        let text = serde_json::to_string(&response).unwrap();
        assert_eq!(serde_json::from_str::<LedgerResponse>(&text).unwrap(), response);
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        ledger.redeem(&jti(1), &nonce_digest("n"), NOW);
        let stored = serde_json::to_string(&ledger).unwrap();
        assert!(!stored.contains("\"n\""), "the nonce itself is never stored");
        assert_eq!(serde_json::from_str::<LedgerState>(&stored).unwrap(), ledger);
    }

    #[test]
    fn ledger_messages_round_trip_as_hand_written_json() {
        let request = LedgerRequest::Redeem {
            jti: jti(1),
            nonce: nonce_digest("n"),
            now: NOW,
            seen: Seen::Context(
                Context {
                    ip: "203.0.113.7".into(),
                    asn: Some(64500),
                },
                BindingPolicy::Asn,
            ),
        };
        let text = request.to_json();
        assert!(text.starts_with("{\"redeem\":{"), "{text}");
        assert_eq!(LedgerRequest::from_json(&text), Some(request));
        let response = LedgerResponse::Redeem {
            result: RedeemOutcome::Replayed,
        };
        assert_eq!(LedgerResponse::from_json(&response.to_json()), Some(response));
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        ledger.redeem(&jti(1), &nonce_digest("n"), NOW);
        let stored = ledger.to_json();
        assert!(!stored.contains("\"n\""), "the nonce itself is never stored");
        assert_eq!(LedgerState::from_json(&stored), Some(ledger));
    }

    /// A ledger as the serde version stored it, byte for byte (a deployed object's storage).
    const STORED_BY_SERDE: &str = concat!(
        r#"{"tokens":{"jti-0001":{"exp":1767225660,"state":{"burned":{"nonce":"ba78"}},"#,
        r#""context":{"ip":"203.0.113.7","asn":64500}},"jti-0002":{"exp":1767225660,"state":"live"},"#,
        r#""jti-0003":{"exp":18446744073709551615,"state":"revoked","context":{"ip":"2001:db8:1:2::/64"}}},"#,
        r#""issued":[1767225600,1767225601]}"#
    );

    #[test]
    fn a_ledger_stored_by_the_serde_version_loads_and_is_stored_again_byte_for_byte() {
        let ledger = LedgerState::from_json(STORED_BY_SERDE).unwrap();
        assert_eq!(
            serde_json::from_str::<LedgerState>(STORED_BY_SERDE).unwrap(),
            ledger
        );
        assert_eq!(ledger.tokens.len(), 3);
        assert_eq!(ledger.to_json(), STORED_BY_SERDE);
    }

    fn contexts() -> Vec<Context> {
        let mut contexts = Vec::new();
        for ip in odd_strings() {
            for asn in [None, Some(0), Some(u32::MAX)] {
                contexts.push(Context { ip: ip.clone(), asn });
            }
        }
        contexts
    }

    const POLICIES: [BindingPolicy; 3] = [BindingPolicy::Off, BindingPolicy::Asn, BindingPolicy::Ip];

    const OUTCOMES: [RedeemOutcome; 8] = [
        RedeemOutcome::Burned,
        RedeemOutcome::Repeated,
        RedeemOutcome::Replayed,
        RedeemOutcome::Revoked,
        RedeemOutcome::Expired,
        RedeemOutcome::Unknown,
        RedeemOutcome::WrongContext,
        RedeemOutcome::MissingBinding,
    ];

    fn token_states() -> Vec<TokenState> {
        let burned = odd_strings()
            .into_iter()
            .map(|nonce| TokenState::Burned { nonce });
        [TokenState::Live, TokenState::Revoked]
            .into_iter()
            .chain(burned)
            .collect()
    }

    fn seens() -> Vec<Seen> {
        let mut seens = vec![Seen::NotRequired, Seen::Missing];
        for context in contexts() {
            seens.extend(POLICIES.map(|policy| Seen::Context(context.clone(), policy)));
        }
        seens
    }

    fn entries() -> Vec<Entry> {
        let mut entries = Vec::new();
        for state in token_states() {
            for context in [None, Some(contexts()[4].clone())] {
                for exp in [0, NOW, u64::MAX] {
                    entries.push(Entry {
                        exp,
                        state: state.clone(),
                        context: context.clone(),
                    });
                }
            }
        }
        entries
    }

    fn states() -> Vec<LedgerState> {
        let mut many = LedgerState {
            tokens: BTreeMap::new(),
            issued: vec![0, NOW, u64::MAX],
        };
        // Inserted out of order, names that sort and escape oddly: written in the map's (byte) order.
        for (name, entry) in odd_strings()
            .into_iter()
            .rev()
            .chain(["Z".into(), "a".into()])
            .zip(entries())
        {
            many.tokens.insert(name, entry);
        }
        let one = LedgerState {
            tokens: BTreeMap::from([(jti(1), entries()[0].clone())]),
            issued: Vec::new(),
        };
        let times_only = LedgerState {
            tokens: BTreeMap::new(),
            issued: vec![NOW],
        };
        vec![LedgerState::default(), one, times_only, many]
    }

    fn requests() -> Vec<LedgerRequest> {
        let mut requests = Vec::new();
        let limits = [
            LIMITS,
            Limits {
                issues_per_minute: 0,
                max_live_tokens: u32::MAX,
            },
        ];
        for (i, name) in odd_strings().into_iter().enumerate() {
            for context in [None, Some(contexts()[i].clone())] {
                requests.push(LedgerRequest::Issue {
                    jti: name.clone(),
                    exp: u64::MAX,
                    now: NOW,
                    limits: limits[i % 2],
                    context,
                });
            }
            requests.push(LedgerRequest::CheckContext {
                jti: name.clone(),
                seen: contexts()[i].clone(),
                policy: POLICIES[i % 3],
            });
        }
        for seen in seens() {
            requests.push(LedgerRequest::Redeem {
                jti: jti(1),
                nonce: "n\"\\\u{1}é".into(),
                now: 0,
                seen,
            });
        }
        requests.extend([0, u64::MAX].map(|now| LedgerRequest::Revoke { now }));
        requests
    }

    fn responses() -> Vec<LedgerResponse> {
        let mut responses = vec![LedgerResponse::Recorded, LedgerResponse::Duplicate];
        responses.extend([0, 1, u64::MAX].map(|retry_after| LedgerResponse::RateLimited { retry_after }));
        responses.extend(OUTCOMES.map(|result| LedgerResponse::Redeem { result }));
        responses.extend([0, u32::MAX].map(|count| LedgerResponse::Revoked { count }));
        responses.extend([Some(true), Some(false), None].map(|same| LedgerResponse::Context { same }));
        responses
    }

    #[test]
    fn every_variant_is_written_byte_for_byte_as_serde_wrote_it_and_read_back() {
        for limits in [
            LIMITS,
            Limits {
                issues_per_minute: 0,
                max_live_tokens: 0,
            },
            Limits {
                issues_per_minute: u32::MAX,
                max_live_tokens: u32::MAX,
            },
        ] {
            agrees(&limits, Limits::write_json, Limits::read);
        }
        for state in token_states() {
            agrees(&state, TokenState::write_json, TokenState::read);
        }
        for entry in entries() {
            agrees(&entry, Entry::write_json, Entry::read);
        }
        for seen in seens() {
            agrees(&seen, Seen::write_json, Seen::read);
        }
        for outcome in OUTCOMES {
            agrees(
                &outcome,
                |o, out| json::write_str(out, o.name()),
                RedeemOutcome::read,
            );
        }
        for ledger in states() {
            agrees(&ledger, |l, out| out.push_str(&l.to_json()), LedgerState::read);
            assert_eq!(LedgerState::from_json(&ledger.to_json()), Some(ledger));
        }
        for request in requests() {
            agrees(&request, LedgerRequest::write_json, LedgerRequest::read);
            assert_eq!(LedgerRequest::from_json(&request.to_json()), Some(request));
        }
        for response in responses() {
            agrees(&response, LedgerResponse::write_json, LedgerResponse::read);
            assert_eq!(LedgerResponse::from_json(&response.to_json()), Some(response));
        }
    }

    #[test]
    fn the_readers_accept_what_serde_accepts_beyond_what_is_written() {
        // A redeem without `seen` (`#[serde(default)]`), optional members as `null`, blanks, any member order.
        reads_as_serde::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1}}"#,
            LedgerRequest::read,
        );
        let issue = r#"{"issue":{"context":null,"now":2,"limits":{"max_live_tokens":1,"issues_per_minute":2},"exp":3,"jti":"j"}}"#;
        reads_as_serde::<LedgerRequest>(issue, LedgerRequest::read);
        reads_as_serde::<LedgerRequest>(" {\n\"revoke\" : { \"now\" : 7 } }\t", LedgerRequest::read);
        reads_as_serde::<LedgerResponse>(r#"{"context":{}}"#, LedgerResponse::read);
        // A unit variant as `{"name":null}`.
        reads_as_serde::<LedgerResponse>(r#"{"recorded":null}"#, LedgerResponse::read);
        reads_as_serde::<LedgerResponse>(
            r#"{"redeem":{"result":{"wrong_context":null}}}"#,
            LedgerResponse::read,
        );
        reads_as_serde::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1,"seen":{"missing":null}}}"#,
            LedgerRequest::read,
        );
        reads_as_serde::<Seen>(r#"{"context":[{"ip":"a"},{"ip":null}]}"#, Seen::read);
        // Members of types without `deny_unknown_fields` that this code does not know: ignored.
        reads_as_serde::<LedgerState>(
            r#"{"v":2,"tokens":{"j":{"exp":1,"state":{"live":null},"context":null,"x":[{}]}},"issued":[]}"#,
            LedgerState::read,
        );
        reads_as_serde::<Entry>(
            r#"{"exp":1,"state":{"burned":{"nonce":"d","at":5}}}"#,
            Entry::read,
        );
        reads_as_serde::<Limits>(
            r#"{"issues_per_minute":1,"max_live_tokens":2,"burst":3}"#,
            Limits::read,
        );
        reads_as_serde::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a","cc":"NZ"},"policy":"ip"}}"#,
            LedgerRequest::read,
        );
    }

    #[test]
    fn the_readers_refuse_what_serde_refuses() {
        let req = LedgerRequest::read;
        let resp = LedgerResponse::read;
        // Unknown members in a `deny_unknown_fields` enum's variants.
        refused::<LedgerRequest>(r#"{"revoke":{"now":1,"x":1}}"#, req, "unknown field `x`");
        refused::<LedgerRequest>(
            r#"{"issue":{"jti":"j","exp":1,"now":1,"limits":{"issues_per_minute":1,"max_live_tokens":1},"ttl":1}}"#,
            req,
            "unknown field `ttl`",
        );
        refused::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1,"context":null}}"#,
            req,
            "unknown field `context`",
        );
        refused::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a"},"policy":"ip","now":1}}"#,
            req,
            "unknown field `now`",
        );
        refused::<LedgerResponse>(
            r#"{"rate_limited":{"retry_after":1,"at":2}}"#,
            resp,
            "unknown field `at`",
        );
        refused::<LedgerResponse>(
            r#"{"redeem":{"result":"burned","x":null}}"#,
            resp,
            "unknown field `x`",
        );
        refused::<LedgerResponse>(r#"{"revoked":{"count":1,"x":1}}"#, resp, "unknown field `x`");
        refused::<LedgerResponse>(r#"{"context":{"same":true,"x":1}}"#, resp, "unknown field `x`");
        // Unknown variants, and a variant of another enum.
        refused::<LedgerRequest>(r#"{"burn":{"now":1}}"#, req, "unknown variant `burn`");
        refused::<LedgerRequest>(r#""recorded""#, req, "unknown variant `recorded`");
        refused::<LedgerResponse>(r#""live""#, resp, "unknown variant `live`");
        refused::<LedgerResponse>(r#""Recorded""#, resp, "unknown variant `Recorded`");
        refused::<LedgerResponse>(r#"{"redeem":{"result":"lost"}}"#, resp, "unknown variant `lost`");
        refused::<TokenState>(r#""burnt""#, TokenState::read, "unknown variant `burnt`");
        refused::<Seen>(r#""required""#, Seen::read, "unknown variant `required`");
        // An enum as an object of two members, or none, or as another kind of value.
        refused::<LedgerRequest>(r#"{"revoke":{"now":1},"redeem":{}}"#, req, "expected value");
        refused::<LedgerResponse>(r#"{"recorded":null,"duplicate":null}"#, resp, "expected value");
        refused::<LedgerResponse>("{}", resp, "expected value");
        refused::<LedgerResponse>("null", resp, "expected value");
        refused::<LedgerResponse>(r#"["recorded"]"#, resp, "expected value");
        refused::<TokenState>("1", TokenState::read, "expected value");
        // A unit variant with data; a variant with data as a bare name or with `null`.
        refused::<LedgerResponse>(r#"{"recorded":{}}"#, resp, "expected unit");
        refused::<TokenState>(r#"{"live":"x"}"#, TokenState::read, "expected unit");
        refused::<LedgerRequest>(r#""revoke""#, req, "expected struct variant");
        refused::<LedgerRequest>(r#"{"revoke":null}"#, req, "expected struct variant");
        refused::<TokenState>(r#""burned""#, TokenState::read, "expected struct variant");
        refused::<Seen>(r#""context""#, Seen::read, "expected tuple variant");
        refused::<Seen>(r#"{"context":null}"#, Seen::read, "expected tuple variant");
        // A tuple variant of the wrong length.
        refused::<Seen>(r#"{"context":[{"ip":"a"}]}"#, Seen::read, "invalid length 1");
        refused::<Seen>(
            r#"{"context":[{"ip":"a"},"ip","ip"]}"#,
            Seen::read,
            "trailing characters",
        );
        refused::<Seen>(r#"{"context":[]}"#, Seen::read, "invalid length 0");
        refused::<Seen>(r#"{"context":["ip",{"ip":"a"}]}"#, Seen::read, "invalid type");
        // Wrong types.
        refused::<LedgerRequest>(r#"{"revoke":{"now":"1"}}"#, req, "invalid type: string");
        refused::<LedgerRequest>(r#"{"revoke":{"now":1.0}}"#, req, "invalid type: floating point");
        refused::<LedgerRequest>(r#"{"revoke":{"now":-1}}"#, req, "invalid value: integer `-1`");
        refused::<LedgerRequest>(r#"{"revoke":{"now":18446744073709551616}}"#, req, "invalid type");
        refused::<LedgerRequest>(r#"{"revoke":{"now":null}}"#, req, "invalid type: null");
        refused::<LedgerRequest>(
            r#"{"redeem":{"jti":1,"nonce":"n","now":1}}"#,
            req,
            "invalid type: integer",
        );
        refused::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1,"seen":null}}"#,
            req,
            "expected value",
        );
        refused::<LedgerResponse>(r#"{"context":{"same":1}}"#, resp, "invalid type: integer");
        refused::<LedgerResponse>(r#"{"context":{"same":"true"}}"#, resp, "invalid type: string");
        refused::<LedgerResponse>(r#"{"redeem":{"result":null}}"#, resp, "expected value");
        refused::<LedgerState>(
            r#"{"tokens":[],"issued":[]}"#,
            LedgerState::read,
            "invalid type: sequence",
        );
        refused::<LedgerState>(
            r#"{"tokens":{},"issued":{}}"#,
            LedgerState::read,
            "invalid type: map",
        );
        refused::<LedgerState>(
            r#"{"tokens":{},"issued":[1,"2"]}"#,
            LedgerState::read,
            "invalid type: string",
        );
        refused::<LedgerState>(
            r#"{"tokens":{"j":null},"issued":[]}"#,
            LedgerState::read,
            "invalid type: null",
        );
        refused::<Entry>(
            r#"{"exp":1,"state":"live","context":{"asn":1}}"#,
            Entry::read,
            "missing field `ip`",
        );
        refused::<Entry>(
            r#"{"exp":1,"state":{"burned":{}}}"#,
            Entry::read,
            "missing field `nonce`",
        );
        // Missing required members.
        refused::<LedgerRequest>(r#"{"revoke":{}}"#, req, "missing field `now`");
        refused::<LedgerRequest>(r#"{"redeem":{"jti":"j","now":1}}"#, req, "missing field `nonce`");
        refused::<LedgerRequest>(
            r#"{"issue":{"jti":"j","exp":1,"now":1}}"#,
            req,
            "missing field `limits`",
        );
        refused::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a"}}}"#,
            req,
            "missing field `policy`",
        );
        refused::<LedgerResponse>(r#"{"redeem":{}}"#, resp, "missing field `result`");
        refused::<LedgerResponse>(r#"{"revoked":{}}"#, resp, "missing field `count`");
        refused::<LedgerState>(r#"{"tokens":{}}"#, LedgerState::read, "missing field `issued`");
        refused::<LedgerState>(r#"{"issued":[]}"#, LedgerState::read, "missing field `tokens`");
        refused::<Entry>(r#"{"exp":1}"#, Entry::read, "missing field `state`");
        refused::<Limits>(
            r#"{"issues_per_minute":1}"#,
            Limits::read,
            "missing field `max_live_tokens`",
        );
        // `u32` members above `u32::MAX`.
        refused::<LedgerResponse>(r#"{"revoked":{"count":4294967296}}"#, resp, "expected u32");
        refused::<Limits>(
            r#"{"issues_per_minute":4294967296,"max_live_tokens":1}"#,
            Limits::read,
            "expected u32",
        );
        refused::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a","asn":4294967296},"policy":"asn"}}"#,
            req,
            "expected u32",
        );
        refused::<Seen>(
            r#"{"context":[{"ip":"a","asn":4294967296},"asn"]}"#,
            Seen::read,
            "expected u32",
        );
    }

    #[test]
    fn the_readers_are_stricter_than_serde_only_where_documented() {
        // A struct, or a struct variant, as an array.
        stricter::<Limits>("[1,2]", Limits::read);
        stricter::<LedgerRequest>(r#"{"revoke":[1]}"#, LedgerRequest::read);
        stricter::<LedgerState>("[{},[]]", LedgerState::read);
        // A repeated name: an ignored member, or a `jti` (serde keeps the last entry).
        stricter::<Limits>(
            r#"{"issues_per_minute":1,"max_live_tokens":2,"x":1,"x":2}"#,
            Limits::read,
        );
        let twice =
            r#"{"tokens":{"j":{"exp":1,"state":"live"},"j":{"exp":2,"state":"revoked"}},"issued":[]}"#;
        stricter::<LedgerState>(twice, LedgerState::read);
        assert_eq!(
            serde_json::from_str::<LedgerState>(twice).unwrap().tokens["j"].exp,
            2
        );
        // Nesting beyond the reader's limit in an ignored member.
        let deep = format!(
            r#"{{"tokens":{{}},"issued":[],"x":{}{}}}"#,
            "[".repeat(json::MAX_DEPTH),
            "]".repeat(json::MAX_DEPTH)
        );
        stricter::<LedgerState>(&deep, LedgerState::read);
        // A known member twice: serde refuses it as a duplicate field, the reader as a repeated name.
        let duplicate = r#"{"revoke":{"now":1,"now":2}}"#;
        let serde = serde_json::from_str::<LedgerRequest>(duplicate)
            .unwrap_err()
            .to_string();
        assert!(serde.contains("duplicate field `now`"), "{serde}");
        assert_eq!(
            json::parse(duplicate).map_err(|e| e.what),
            Err("repeated member name")
        );
    }

    fn any_context() -> impl Strategy<Value = Context> {
        (any::<String>(), any::<Option<u32>>()).prop_map(|(ip, asn)| Context { ip, asn })
    }

    fn any_request() -> impl Strategy<Value = LedgerRequest> {
        let seen = prop_oneof![
            Just(Seen::NotRequired),
            Just(Seen::Missing),
            (any_context(), proptest::sample::select(POLICIES.to_vec()))
                .prop_map(|(context, policy)| Seen::Context(context, policy)),
        ];
        prop_oneof![
            (
                any::<String>(),
                any::<u64>(),
                any::<u64>(),
                any::<(u32, u32)>(),
                proptest::option::of(any_context())
            )
                .prop_map(|(jti, exp, now, (a, b), context)| LedgerRequest::Issue {
                    jti,
                    exp,
                    now,
                    limits: Limits {
                        issues_per_minute: a,
                        max_live_tokens: b,
                    },
                    context,
                }),
            (any::<String>(), any::<String>(), any::<u64>(), seen).prop_map(|(jti, nonce, now, seen)| {
                LedgerRequest::Redeem {
                    jti,
                    nonce,
                    now,
                    seen,
                }
            }),
            any::<u64>().prop_map(|now| LedgerRequest::Revoke { now }),
        ]
    }

    fn any_ledger() -> impl Strategy<Value = LedgerState> {
        let state = prop_oneof![
            Just(TokenState::Live),
            Just(TokenState::Revoked),
            any::<String>().prop_map(|nonce| TokenState::Burned { nonce }),
        ];
        let entry = (any::<u64>(), state, proptest::option::of(any_context()))
            .prop_map(|(exp, state, context)| Entry { exp, state, context });
        (
            proptest::collection::btree_map(any::<String>(), entry, 0..6),
            proptest::collection::vec(any::<u64>(), 0..6),
        )
            .prop_map(|(tokens, issued)| LedgerState { tokens, issued })
    }

    proptest! {
        #[test]
        fn any_request_and_any_ledger_are_written_as_serde_writes_them_and_read_back(
            request in any_request(),
            ledger in any_ledger(),
        ) {
            agrees(&request, LedgerRequest::write_json, LedgerRequest::read);
            agrees(&ledger, |l, out| out.push_str(&l.to_json()), LedgerState::read);
        }
    }

    #[test]
    fn nonce_digests_are_sha256_hex() {
        assert_eq!(
            nonce_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
