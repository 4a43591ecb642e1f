//! Handoff's edge worker: issues handoff tokens to signed-in mobile users, redeems (verifies and burns) them
//! for the Verify trigger, revokes them, and serves the public keys.
//!
//! The pure parts (configuration, the ledger state machine, request validation, the secret check, logs) build
//! and are tested natively; the worker itself (`worker` module, Durable Object, WebCrypto) exists on wasm32.
#![forbid(unsafe_code)]

pub mod cognito_jwks;
pub mod config;
pub mod context;
pub mod error;
pub mod faults;
pub mod ledger;
pub mod log;
pub mod minting;
pub mod promise;
pub mod request;
pub mod revocation;
pub mod secret;

#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(target_arch = "wasm32")]
mod durable;
#[cfg(target_arch = "wasm32")]
mod handlers;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
mod kv;
#[cfg(target_arch = "wasm32")]
mod outgoing;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

/// The worker's entry point: every request goes through [`handlers::handle`], which always answers (JSON
/// errors included) with the runtime's own `Response`. The request is the runtime's own too: workers-rs's
/// `Request` would read its URL, method, headers and `cf` up front, and `cf` alone, which only the context binding
/// needs, was 4 % of the worker's time on an empty request (`cargo xtask bench edge --cpu-profile`). workers-rs' error page could answer only if the runtime
/// refused to make one, which it does only for a status outside 200..=599.
#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    req: web_sys::Request,
    env: worker::Env,
    ctx: worker::Context,
) -> worker::Result<web_sys::Response> {
    handlers::handle(req, env, ctx).await.map_err(worker::Error::from)
}
