//! The Lambda entry point: builds the edge client from the configuration once, then serves Define, Create and
//! Verify events.
#![forbid(unsafe_code)]

use std::sync::Arc;

use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{self, Context};
use handoff_triggers::log::{self, Start};
use handoff_triggers::redeem::{self, HttpRedeemer, NoVerdict, Redeemer};
use handoff_triggers::secrets::SecretStore;
use handoff_triggers::{TriggerConfig, TriggerError};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let triggers = Arc::new(Triggers::from_env());
    lambda_runtime::run(service_fn(move |event| invoke(triggers.clone(), event))).await
}

/// One invocation; its error reaches the runtime as a `Diagnostic` (`Handoff.<reason code>`). The redeem call
/// blocks (with its own hard deadline), so the handler runs off the runtime's thread.
async fn invoke(triggers: Arc<Triggers>, event: LambdaEvent<Value>) -> Result<Value, TriggerError> {
    tokio::task::spawn_blocking(move || triggers.handle(event.payload))
        .await
        .map_err(|join| TriggerError::Unfinished(join.to_string()))?
}

/// What every invocation shares.
struct Triggers {
    /// The edge client; `None` without a valid configuration (Define and Verify then fail as `misconfigured`).
    redeemer: Option<HttpRedeemer>,
    /// The web app clients Define lets through.
    web_clients: Vec<String>,
}

impl Triggers {
    /// Reads the configuration and the redeem secret once, and logs the outcome.
    fn from_env() -> Self {
        let configured = TriggerConfig::from_env().and_then(|config| {
            let secret = SecretStore::new(&config.redeem_secret, |name| std::env::var(name).ok())?;
            // Read a remote secret now, during init, so the first Verify does not spend its budget on it. A
            // failure here is not fatal: the first redeem reads it again.
            if let Err(e) = secret.current() {
                log::start(&Start::SecretNotRead { error: &e });
            }
            Ok((config, secret))
        });
        match configured {
            Ok((config, secret)) => {
                log::start(&Start::Configured {
                    edge_url: &config.edge_url,
                    web_client_ids: &config.web_client_ids,
                    secret_source: config.redeem_secret.kind(),
                });
                Triggers {
                    redeemer: Some(HttpRedeemer::new(&config, secret)),
                    web_clients: config.web_client_ids,
                }
            }
            Err(e) => {
                // Define and Verify fail with an error, reason `misconfigured`; nothing signs in.
                log::start(&Start::NotConfigured {
                    error: &e,
                    reason: NoVerdict::Misconfigured.code(),
                });
                Triggers {
                    redeemer: None,
                    web_clients: Vec::new(),
                }
            }
        }
    }

    /// Handles one event and writes its log line.
    fn handle(&self, event: Value) -> Result<Value, TriggerError> {
        let ctx = Context {
            redeemer: self.redeemer.as_ref().map(|r| r as &dyn Redeemer),
            web_clients: &self.web_clients,
            random: &random,
            budget: redeem::BUDGET,
        };
        handler::handle_and_log(event, &ctx)
    }
}

/// Fresh randomness from the operating system.
fn random() -> Result<[u8; NONCE_BYTES], String> {
    let mut bytes = [0; NONCE_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}
