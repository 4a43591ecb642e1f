//! The `Ledger` Durable Object: one per user (named by the user's `sub`), SQLite-backed, the source of truth
//! for "first use". Each request loads the user's ledger, applies one pure operation and stores the result
//! with no other await in between, so concurrent redeems of one token are serialized: exactly one burns it.
//! An alarm drops expired entries. The worker reaches an object through [`LedgerStub`], one typed call per
//! operation.

use crate::promise::settled;
use std::cell::Cell;
use std::time::Duration;

use handoff_core::json::ToJson;
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::context::{BindingPolicy, Context};
use crate::error::ApiError;
use crate::ledger::{LedgerRequest, LedgerResponse, LedgerState, Limits, RedeemOutcome, Seen};
use crate::outgoing;

/// The storage key of the user's ledger (one small JSON document).
const STATE_KEY: &str = "ledger";

/// The binding name of the namespace, and the URL the worker uses to reach an object.
pub const BINDING: &str = "LEDGER";
const OBJECT_URL: &str = "https://ledger.internal/op";

fn now_secs() -> u64 {
    crate::clock::now_ms() / 1000
}

/// One user's ledger object (the class name `Ledger` is deployed: `wrangler.toml` binds and migrates it).
#[durable_object]
pub struct Ledger {
    state: State,
    /// Whether this instance knows a cleanup alarm is pending (saves two storage calls per issue).
    alarm_pending: Cell<bool>,
}

impl Ledger {
    /// The stored ledger. Read through the raw storage: workers-rs' typed `get` converts with serde, whose error
    /// messages format floats (14 KB of code for a value that is always a string).
    async fn load(&self) -> Result<LedgerState> {
        ledger_from(settled(&self.state.storage().as_raw().get(STATE_KEY)?).await?)
    }

    async fn store(&self, ledger: &LedgerState) -> Result<()> {
        let text = wasm_bindgen::JsValue::from_str(&ledger.to_json());
        self.state.storage().put_raw(STATE_KEY, text).await
    }

    /// Makes sure an alarm will clean up after the entries just written.
    async fn schedule_cleanup(&self, ledger: &LedgerState, now: u64) -> Result<()> {
        if self.alarm_pending.get() {
            return Ok(());
        }
        if self.state.storage().get_alarm().await?.is_none() {
            self.set_alarm(ledger, now).await?;
        }
        self.alarm_pending.set(true);
        Ok(())
    }

    /// Sets the cleanup alarm for the ledger's next expired entry, if there is one.
    async fn set_alarm(&self, ledger: &LedgerState, now: u64) -> Result<()> {
        if let Some(at) = ledger.next_cleanup() {
            let delay = Duration::from_secs(at.saturating_sub(now).max(1));
            self.state.storage().set_alarm(delay).await?;
            self.alarm_pending.set(true);
        }
        Ok(())
    }
}

impl DurableObject for Ledger {
    fn new(state: State, _env: Env) -> Self {
        Ledger {
            state,
            alarm_pending: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        // The body as text, then the stored ledger, in one await (see `body_then_stored`). Atomic section: load,
        // apply, store. Nothing else is awaited in between, so no other request to this object can interleave (the
        // runtime's input gate holds events while storage operations run).
        let storage = self.state.storage();
        let (text, stored) = outgoing::body_then_stored(req.inner(), storage.as_raw().as_ref(), STATE_KEY)
            .await
            .map_err(worker::Error::RustError)?;
        let request = LedgerRequest::from_json(&text).ok_or_else(|| unreadable("the request"))?;
        let mut ledger = ledger_from(stored)?;
        let (response, changed) = ledger.apply(&request);
        if changed {
            self.store(&ledger).await?;
        }
        // After the atomic section: scheduling the cleanup may interleave harmlessly.
        if let (LedgerRequest::Issue { now, .. }, LedgerResponse::Recorded) = (&request, &response) {
            self.schedule_cleanup(&ledger, *now).await?;
        }
        Ok(worker::ResponseBuilder::new()
            .with_header("content-type", "application/json")?
            .fixed(response.to_json().into_bytes()))
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_pending.set(false);
        let now = now_secs();
        let mut ledger = self.load().await?;
        ledger.cleanup(now);
        if ledger.is_empty() {
            self.state.storage().delete_all().await?;
        } else {
            self.store(&ledger).await?;
            self.set_alarm(&ledger, now).await?;
        }
        Response::empty()
    }
}

/// One user's ledger as the worker calls it: one typed method per operation, each answering that operation's
/// outcome. A call that fails answers `unavailable`; an answer of another operation's kind (which this code's
/// object never sends) answers `internal`.
pub struct LedgerStub<'a> {
    env: &'a Env,
    sub: &'a str,
    /// Fail the call as the runtime would (fault injection, test builds only).
    fail: bool,
}

impl<'a> LedgerStub<'a> {
    /// The ledger of the user `sub`; `fail` makes every call fail (fault injection).
    pub fn new(env: &'a Env, sub: &'a str, fail: bool) -> Self {
        LedgerStub { env, sub, fail }
    }

    /// Records a new token, subject to `limits`: `rate_limited` beyond them.
    pub async fn issue(
        &self,
        jti: String,
        exp: u64,
        now: u64,
        limits: Limits,
        context: Option<Context>,
    ) -> std::result::Result<(), ApiError> {
        let request = LedgerRequest::Issue {
            jti,
            exp,
            now,
            limits,
            context,
        };
        match self.call(&request).await? {
            LedgerResponse::Recorded => Ok(()),
            LedgerResponse::RateLimited { retry_after } => Err(ApiError::rate_limited(retry_after)),
            other => Err(unexpected(&other, "an issue")),
        }
    }

    /// Burns a verified token for the sign-in with this nonce digest, if `seen` matches the issue context.
    pub async fn redeem(
        &self,
        jti: String,
        nonce: String,
        now: u64,
        seen: Seen,
    ) -> std::result::Result<RedeemOutcome, ApiError> {
        let request = LedgerRequest::Redeem {
            jti,
            nonce,
            now,
            seen,
        };
        match self.call(&request).await? {
            LedgerResponse::Redeem { result } => Ok(result),
            other => Err(unexpected(&other, "a redeem")),
        }
    }

    /// Whether the browser context `seen` matches the token's issue context under `policy` (`None`: nothing
    /// recorded to compare with). Changes nothing.
    pub async fn check_context(
        &self,
        jti: String,
        seen: Context,
        policy: BindingPolicy,
    ) -> std::result::Result<Option<bool>, ApiError> {
        let request = LedgerRequest::CheckContext { jti, seen, policy };
        match self.call(&request).await? {
            LedgerResponse::Context { same } => Ok(same),
            other => Err(unexpected(&other, "a context check")),
        }
    }

    /// Revokes every live token; answers how many there were.
    pub async fn revoke(&self, now: u64) -> std::result::Result<u32, ApiError> {
        match self.call(&LedgerRequest::Revoke { now }).await? {
            LedgerResponse::Revoked { count } => Ok(count),
            other => Err(unexpected(&other, "a revoke")),
        }
    }

    async fn call(&self, request: &LedgerRequest) -> std::result::Result<LedgerResponse, ApiError> {
        let answer = if self.fail {
            Err("injected fault: ledger".to_owned())
        } else {
            send(self.env, self.sub, request).await
        };
        answer.map_err(|e| ApiError::unavailable().detail(format!("ledger: {e}")))
    }
}

fn unexpected(answer: &LedgerResponse, to: &str) -> ApiError {
    ApiError::internal().detail(format!("ledger answered {answer:?} to {to}"))
}

/// Sends one operation to the ledger object of the user `sub`.
async fn send(env: &Env, sub: &str, request: &LedgerRequest) -> std::result::Result<LedgerResponse, String> {
    let stub = env
        .durable_object(BINDING)
        .and_then(|namespace| namespace.id_from_name(sub)?.get_stub())
        .map_err(|e| crate::http::error_text(&e))?;
    let text = outgoing::post_to_object(stub, OBJECT_URL, &request.to_json()).await?;
    LedgerResponse::from_json(&text).ok_or_else(|| "the answer is not ledger JSON".to_owned())
}

/// The ledger stored as `stored` (`undefined`: none yet, an empty ledger).
fn ledger_from(stored: wasm_bindgen::JsValue) -> Result<LedgerState> {
    if stored.is_undefined() {
        return Ok(LedgerState::default());
    }
    stored
        .as_string()
        .and_then(|text| LedgerState::from_json(&text))
        .ok_or_else(|| unreadable("the stored ledger"))
}

/// The error for a ledger document (`what`) that is not what this code writes: a fixed message, no contents.
fn unreadable(what: &str) -> worker::Error {
    worker::Error::RustError(format!("ledger: {what} is not ledger JSON"))
}
