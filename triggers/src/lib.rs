//! handoff-triggers: Cognito's Define, Create and Verify auth-challenge triggers for Handoff, in one Lambda binary.
//!
//! Every decision is a plain function over the trigger event ([`event`]): [`define`] decides the next step of
//! the custom-auth flow, [`create`] builds the challenge, [`verify`] decides whether the answer is a valid,
//! unburned handoff token by asking the edge through [`redeem`] (the [`Redeemer`] trait, its HTTP client, the
//! retry within the budget). [`handler`] dispatches on `triggerSource` and writes the `response` into the event;
//! `main.rs` only wires it to the Lambda runtime. Everything fails closed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod create;
pub mod define;
pub mod event;
pub mod handler;
pub mod log;
pub mod redeem;
pub mod secrets;
pub mod sigv4;
pub mod verify;

pub use config::TriggerConfig;
pub use handler::{TriggerError, handle};
pub use redeem::{RedeemError, Redeemer};
