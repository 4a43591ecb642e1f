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
//! The messages and the stored state travel and rest as JSON: `json.rs` writes and reads them.

use std::collections::BTreeMap;

use handoff_core::{MAX_LEEWAY_SECS, Reason};

use crate::context::{BindingPolicy, Context};
use sha2::{Digest, Sha256};

mod json;

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
    handoff_core::hex::encode(&Sha256::digest(nonce.as_bytes()))
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
pub(crate) mod tests {
    use super::*;

    pub(crate) const NOW: u64 = 1_767_225_600;
    pub(crate) const LIMITS: Limits = Limits {
        issues_per_minute: 5,
        max_live_tokens: 3,
    };

    pub(crate) fn jti(i: u32) -> String {
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
    fn nonce_digests_are_sha256_hex() {
        assert_eq!(
            nonce_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
