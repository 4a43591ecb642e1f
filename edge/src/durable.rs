//! The `Ledger` Durable Object: one per user (named by the user's `sub`), SQLite-backed, the source of truth
//! for "first use". Each request loads the user's ledger, applies one pure operation and stores the result
//! with no other await in between, so concurrent redeems of one token are serialized: exactly one burns it.
//! An alarm drops expired entries.

use std::cell::Cell;
use std::time::Duration;

use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::ledger::{self, LedgerRequest, LedgerResponse};

/// The storage key of the user's ledger (one small JSON document).
const STATE_KEY: &str = "ledger";

/// The binding name of the namespace, and the URL the worker uses to reach an object.
pub const BINDING: &str = "LEDGER";
const OBJECT_URL: &str = "https://ledger.internal/op";

fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// One user's ledger object.
#[durable_object]
pub struct Ledger {
    state: State,
    /// Whether this instance knows a cleanup alarm is pending (saves two storage calls per issue).
    alarm_pending: Cell<bool>,
}

impl Ledger {
    async fn load(&self) -> Result<ledger::Ledger> {
        match self.state.storage().get::<String>(STATE_KEY).await? {
            Some(text) => serde_json::from_str(&text).map_err(|e| worker::Error::RustError(e.to_string())),
            None => Ok(ledger::Ledger::default()),
        }
    }

    async fn store(&self, ledger: &ledger::Ledger) -> Result<()> {
        let text = serde_json::to_string(ledger).map_err(|e| worker::Error::RustError(e.to_string()))?;
        self.state.storage().put(STATE_KEY, text).await
    }

    /// Makes sure an alarm will clean up after the entries just written.
    async fn schedule_cleanup(&self, ledger: &ledger::Ledger, now: u64) -> Result<()> {
        if self.alarm_pending.get() {
            return Ok(());
        }
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none()
            && let Some(at) = ledger.next_cleanup()
        {
            storage
                .set_alarm(Duration::from_secs(at.saturating_sub(now).max(1)))
                .await?;
        }
        self.alarm_pending.set(true);
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

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let request: LedgerRequest = req.json().await?;
        // Atomic section: load, apply, store. Nothing else is awaited in between, so no other request to this
        // object can interleave (the runtime's input gate holds events while storage operations run).
        let mut ledger = self.load().await?;
        let (response, changed) = ledger.apply(&request);
        if changed {
            self.store(&ledger).await?;
        }
        // After the atomic section: scheduling the cleanup may interleave harmlessly.
        if let (LedgerRequest::Issue { now, .. }, LedgerResponse::Recorded) = (&request, &response) {
            self.schedule_cleanup(&ledger, *now).await?;
        }
        Response::from_json(&response)
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
            if let Some(at) = ledger.next_cleanup() {
                self.state
                    .storage()
                    .set_alarm(Duration::from_secs(at.saturating_sub(now).max(1)))
                    .await?;
                self.alarm_pending.set(true);
            }
        }
        Response::empty()
    }
}

/// Sends one operation to the ledger of the user `sub`.
pub async fn call(env: &Env, sub: &str, request: &LedgerRequest) -> Result<LedgerResponse> {
    let stub = env.durable_object(BINDING)?.id_from_name(sub)?.get_stub()?;
    let body = serde_json::to_string(request).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_body(Some(body.into()));
    let mut response = stub
        .fetch_with_request(Request::new_with_init(OBJECT_URL, &init)?)
        .await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "ledger answered {}",
            response.status_code()
        )));
    }
    response.json().await
}
