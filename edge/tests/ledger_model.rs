//! The ledger against a model: random interleavings of issues (under random limits), redeems with the same or
//! another nonce (and of ids never issued), revokes, cleanups and clock moves (forward only, 0..=400 s), with
//! every answer compared to a plain model (a map of `jti -> state`) and the ledger's promises checked over the
//! whole history:
//!
//! - one `jti` never redeems successfully with two different nonces;
//! - the nonce that burned a token succeeds again (idempotent) exactly while its record exists;
//! - no first use (burn) at or after `exp + MAX_LEEWAY_SECS` (past it, only the burning nonce's retry still
//!   answers success: the ledger does not re-check expiry for a burned token, the edge's verification does), and
//!   nothing redeems after a revoke that found the token live; a never-issued `jti` never redeems;
//! - the rate limits hold after every issue (issues in any window, live tokens), a refusal is never spurious, and
//!   its `retry_after` is honest;
//! - a cleanup changes no redeem outcome of a token still inside its expiry plus leeway.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{HashMap, HashSet};

use handoff_core::MAX_LEEWAY_SECS;
use handoff_edge::ledger::{
    IssueRefusal, LedgerState, Limits, RETAIN_SECS, RedeemOutcome, TokenState, WINDOW_SECS, nonce_digest,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

const START: u64 = 1_767_225_600;
const NONCES: u8 = 3;

#[derive(Debug, Clone)]
enum Op {
    /// Issue a fresh `jti` with this lifetime.
    Issue {
        ttl: u64,
    },
    /// Issue again a `jti` still recorded (the ledger must refuse rather than overwrite).
    Reissue {
        pick: usize,
    },
    /// Redeem an issued (or, `ghost`, a never-issued) `jti` with nonce number `nonce`.
    Redeem {
        pick: usize,
        nonce: u8,
        ghost: bool,
    },
    Revoke,
    Cleanup,
    Advance {
        secs: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u64..=300).prop_map(|ttl| Op::Issue { ttl }),
        1 => any::<usize>().prop_map(|pick| Op::Reissue { pick }),
        6 => (any::<usize>(), 0..NONCES, prop::bool::weighted(0.1))
            .prop_map(|(pick, nonce, ghost)| Op::Redeem { pick, nonce, ghost }),
        1 => Just(Op::Revoke),
        1 => Just(Op::Cleanup),
        // Mostly small steps (inside a token's life), sometimes long ones (past expiry and retention).
        3 => prop_oneof![0u64..=10, 0u64..=400].prop_map(|secs| Op::Advance { secs }),
    ]
}

fn limits() -> impl Strategy<Value = Limits> {
    (1u32..=6, 1u32..=4).prop_map(|(issues_per_minute, max_live_tokens)| Limits {
        issues_per_minute,
        max_live_tokens,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Live,
    Burned(String),
    Revoked,
}

/// The model: what the ledger should hold, written as plainly as possible.
#[derive(Debug, Default)]
struct Model {
    tokens: HashMap<String, (u64, State)>,
    issued: Vec<u64>,
}

impl Model {
    fn cleanup(&mut self, now: u64) {
        self.tokens.retain(|_, (exp, _)| *exp + RETAIN_SECS > now);
        self.issued.retain(|&t| t + WINDOW_SECS > now);
    }

    fn live(&self, now: u64) -> Vec<u64> {
        let live = self
            .tokens
            .values()
            .filter(|(exp, s)| *s == State::Live && *exp > now);
        live.map(|(exp, _)| *exp).collect()
    }

    fn issue(&mut self, jti: &str, exp: u64, now: u64, limits: Limits) -> Result<(), IssueRefusal> {
        self.cleanup(now);
        if self.issued.len() >= limits.issues_per_minute as usize {
            let oldest = *self.issued.iter().min().expect("non-empty");
            let retry_after = (oldest + WINDOW_SECS).saturating_sub(now).max(1);
            return Err(IssueRefusal::RateLimited { retry_after });
        }
        let live = self.live(now);
        if live.len() >= limits.max_live_tokens as usize {
            let first = *live.iter().min().expect("non-empty");
            return Err(IssueRefusal::RateLimited {
                retry_after: (first - now).max(1),
            });
        }
        if self.tokens.contains_key(jti) {
            return Err(IssueRefusal::Duplicate);
        }
        self.tokens.insert(jti.to_owned(), (exp, State::Live));
        self.issued.push(now);
        Ok(())
    }

    fn redeem(&mut self, jti: &str, nonce: &str, now: u64) -> RedeemOutcome {
        let Some((exp, state)) = self.tokens.get_mut(jti) else {
            return RedeemOutcome::Unknown;
        };
        match state {
            State::Burned(n) if n == nonce => RedeemOutcome::Repeated,
            State::Burned(_) => RedeemOutcome::Replayed,
            State::Revoked => RedeemOutcome::Revoked,
            State::Live if now >= *exp + MAX_LEEWAY_SECS => RedeemOutcome::Expired,
            State::Live => {
                *state = State::Burned(nonce.to_owned());
                RedeemOutcome::Burned
            }
        }
    }

    fn revoke(&mut self, now: u64) -> u32 {
        let mut count = 0;
        for (exp, state) in self.tokens.values_mut() {
            if *state == State::Live && *exp + MAX_LEEWAY_SECS > now {
                *state = State::Revoked;
                count += 1;
            }
        }
        count
    }
}

/// What happened so far, for the properties that span the history.
#[derive(Default)]
struct History {
    /// Every `jti` an issue was attempted for, with its `exp`.
    attempted: Vec<(String, u64)>,
    /// `jti`s an issue recorded.
    recorded: HashSet<String>,
    /// Times of the recorded issues.
    issue_times: Vec<u64>,
    /// Nonces each `jti` redeemed successfully with.
    winners: HashMap<String, HashSet<String>>,
    /// The nonce of each token's first use.
    burned_by: HashMap<String, String>,
    /// `jti`s a revoke found live.
    revoked: HashSet<String>,
}

fn nonce(n: u8) -> String {
    nonce_digest(&format!("nonce-{n}"))
}

fn success(outcome: RedeemOutcome) -> bool {
    outcome.result().is_ok()
}

/// Runs `ops` against the ledger and the model, checking every property; returns the redeem outcomes seen.
fn run(limits: Limits, ops: &[Op]) -> Result<Vec<RedeemOutcome>, TestCaseError> {
    let mut outcomes = Vec::new();
    let mut ledger = LedgerState::default();
    let mut model = Model::default();
    let mut history = History::default();
    let mut now = START;
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Issue { .. } | Op::Reissue { .. } => {
                let (jti, exp) = match op {
                    Op::Issue { ttl } => (format!("jti-{step:04}-aaaaaaaaaaaaaaaa"), now + ttl),
                    // Only while the record exists: a jti is 128 random bits, so the edge never reuses one,
                    // and once a record is cleaned up its token is long past every verifier's leeway.
                    Op::Reissue { pick } if !history.attempted.is_empty() => {
                        let (jti, exp) = history.attempted[pick % history.attempted.len()].clone();
                        // (The issue's own cleanup runs first.)
                        if !ledger.tokens.contains_key(&jti) || exp + RETAIN_SECS <= now {
                            continue;
                        }
                        (jti, exp)
                    }
                    _ => continue,
                };
                let before = ledger.clone();
                let got = ledger.issue(&jti, exp, now, limits);
                prop_assert_eq!(got, model.issue(&jti, exp, now, limits), "issue at step {}", step);
                match got {
                    Ok(()) => {
                        prop_assert!(history.recorded.insert(jti.clone()), "a jti recorded twice");
                        history.issue_times.push(now);
                        // The limits hold right after every issue.
                        let in_window = history.issue_times.iter().filter(|&&t| t + WINDOW_SECS > now);
                        prop_assert!(in_window.count() <= limits.issues_per_minute as usize);
                        prop_assert!(model.live(now).len() <= limits.max_live_tokens as usize);
                    }
                    Err(IssueRefusal::Duplicate) => {
                        prop_assert!(history.recorded.contains(&jti), "a duplicate of nothing");
                        let entry = |l: &LedgerState| l.tokens.get(&jti).cloned();
                        prop_assert_eq!(entry(&ledger), entry(&before), "a duplicate changed the record");
                    }
                    Err(IssueRefusal::RateLimited { retry_after }) => {
                        // Honest: once retry_after has passed, the limit that refused has room again.
                        let mut later = ledger.clone();
                        later.cleanup(now + retry_after);
                        let window_full = ledger.issued.len() >= limits.issues_per_minute as usize;
                        if window_full {
                            prop_assert!(later.issued.len() < limits.issues_per_minute as usize);
                        } else {
                            let live = later
                                .tokens
                                .values()
                                .filter(|e| e.state == TokenState::Live && e.exp > now + retry_after);
                            prop_assert!(live.count() < limits.max_live_tokens as usize);
                        }
                    }
                }
                if !history.attempted.iter().any(|(j, _)| *j == jti) {
                    history.attempted.push((jti, exp));
                }
            }
            Op::Redeem {
                pick,
                nonce: n,
                ghost,
            } => {
                let (jti, exp) = if *ghost || history.attempted.is_empty() {
                    (format!("ghost-{pick}-aaaaaaaaaaaaaaaa"), None)
                } else {
                    let (jti, exp) = history.attempted[pick % history.attempted.len()].clone();
                    (jti, Some(exp))
                };
                let nonce = nonce(*n);
                let exists = ledger.tokens.contains_key(&jti);
                let got = ledger.redeem(&jti, &nonce, now);
                prop_assert_eq!(got, model.redeem(&jti, &nonce, now), "redeem at step {}", step);
                if !history.recorded.contains(&jti) {
                    prop_assert_eq!(got, RedeemOutcome::Unknown, "a never-issued jti redeemed");
                }
                if got == RedeemOutcome::Burned {
                    let exp = exp.expect("only issued tokens burn");
                    prop_assert!(now < exp + MAX_LEEWAY_SECS, "burned after expiry and leeway");
                    prop_assert!(!history.revoked.contains(&jti), "burned after a revoke");
                    history.burned_by.insert(jti.clone(), nonce.clone());
                }
                if success(got) && exp.is_some_and(|exp| now >= exp + MAX_LEEWAY_SECS) {
                    // Past expiry only the burning nonce's retry still answers success (the edge's signature
                    // check refuses an expired token before it asks the ledger).
                    prop_assert_eq!(got, RedeemOutcome::Repeated, "success after expiry and leeway");
                }
                if success(got) {
                    let winners = history.winners.entry(jti.clone()).or_default();
                    winners.insert(nonce.clone());
                    prop_assert_eq!(winners.len(), 1, "two nonces redeemed one jti");
                    prop_assert!(!history.revoked.contains(&jti), "redeemed after a revoke");
                }
                // Idempotent for the burning nonce exactly while the record exists.
                if got != RedeemOutcome::Burned && history.burned_by.get(&jti) == Some(&nonce) {
                    let expected = if exists {
                        RedeemOutcome::Repeated
                    } else {
                        RedeemOutcome::Unknown
                    };
                    prop_assert_eq!(got, expected, "the burning nonce again");
                }
                outcomes.push(got);
            }
            Op::Revoke => {
                let live: Vec<String> = ledger
                    .tokens
                    .iter()
                    .filter(|(_, e)| e.state == TokenState::Live && e.exp + MAX_LEEWAY_SECS > now)
                    .map(|(jti, _)| jti.clone())
                    .collect();
                let count = ledger.revoke(now);
                prop_assert_eq!(count, model.revoke(now));
                prop_assert_eq!(count as usize, live.len());
                history.revoked.extend(live);
            }
            Op::Cleanup => {
                let before = ledger.clone();
                ledger.cleanup(now);
                model.cleanup(now);
                // No redeem outcome changes for a token still inside its expiry plus leeway.
                for (jti, exp) in &history.attempted {
                    if now >= exp + MAX_LEEWAY_SECS {
                        continue;
                    }
                    for n in 0..NONCES {
                        let nonce = nonce(n);
                        let (mut a, mut b) = (before.clone(), ledger.clone());
                        prop_assert_eq!(
                            a.redeem(jti, &nonce, now),
                            b.redeem(jti, &nonce, now),
                            "cleanup changed it"
                        );
                    }
                }
            }
            Op::Advance { secs } => now += secs,
        }
        let recorded: HashSet<&String> = ledger.tokens.keys().collect();
        prop_assert_eq!(
            recorded,
            model.tokens.keys().collect::<HashSet<_>>(),
            "records at step {}",
            step
        );
    }
    Ok(outcomes)
}

proptest! {
    // Fixed: 512 cases of up to 80 steps run in well under a second; failures are not written to disk.
    #![proptest_config(Config { cases: 512, failure_persistence: None, ..Config::default() })]

    #[test]
    fn the_ledger_keeps_its_promises_in_any_interleaving(
        limits in limits(),
        ops in prop::collection::vec(op(), 1..80),
    ) {
        run(limits, &ops)?;
    }
}

/// The properties above are not vacuous: a plain sequence reaches every redeem outcome they speak about.
#[test]
fn the_model_sees_every_outcome() {
    let limits = Limits {
        issues_per_minute: 5,
        max_live_tokens: 3,
    };
    let ops = [
        Op::Issue { ttl: 60 },
        Op::Redeem {
            pick: 0,
            nonce: 0,
            ghost: false,
        },
        Op::Redeem {
            pick: 0,
            nonce: 0,
            ghost: false,
        },
        Op::Redeem {
            pick: 0,
            nonce: 1,
            ghost: false,
        },
        Op::Issue { ttl: 60 },
        Op::Revoke,
        Op::Redeem {
            pick: 1,
            nonce: 0,
            ghost: false,
        },
        Op::Redeem {
            pick: 0,
            nonce: 0,
            ghost: true,
        },
        Op::Issue { ttl: 30 },
        Op::Advance { secs: 40 },
        Op::Redeem {
            pick: 2,
            nonce: 0,
            ghost: false,
        },
        Op::Advance { secs: 400 },
        Op::Cleanup,
        Op::Redeem {
            pick: 0,
            nonce: 0,
            ghost: false,
        },
    ];
    let seen = run(limits, &ops).unwrap();
    use RedeemOutcome::*;
    for outcome in [Burned, Repeated, Replayed, Revoked, Expired, Unknown] {
        assert!(seen.contains(&outcome), "{outcome:?} never happened: {seen:?}");
    }
}
