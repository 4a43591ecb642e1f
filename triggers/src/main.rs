//! The Lambda entry point: reads the configuration once, then serves Define, Create and Verify events.
#![forbid(unsafe_code)]

use std::sync::Arc;

use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{self, Context};
use handoff_triggers::log::{self, Start};
use handoff_triggers::redeem::{self, HttpRedeemer, NoVerdict, Redeemer};
use handoff_triggers::secrets::SecretStore;
use handoff_triggers::{Config, TriggerError};
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

/// The invocation error the runtime reports (Cognito turns it into `UserLambdaValidationException` with the
/// message): a stable type naming the reason code, and the error's outward message.
fn diagnostic(e: &TriggerError) -> Diagnostic {
    Diagnostic {
        error_type: format!("Handoff.{}", e.code()),
        error_message: e.to_string(),
    }
}

fn random() -> Result<[u8; NONCE_BYTES], String> {
    let mut bytes = [0; NONCE_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let configured = Config::from_env().and_then(|config| {
        let secret = SecretStore::new(&config.redeem_secret, |name| std::env::var(name).ok())?;
        // Read a remote secret now, during init, so the first Verify does not spend its budget on it. A failure
        // here is not fatal: the first redeem reads it again.
        if let Err(e) = secret.current() {
            log::start(&Start::SecretNotRead { error: &e });
        }
        Ok((config, secret))
    });
    let (redeemer, web_clients): (Option<Arc<dyn Redeemer>>, Arc<Vec<String>>) = match configured {
        Ok((config, secret)) => {
            log::start(&Start::Configured {
                edge_url: &config.edge_url,
                web_client_ids: &config.web_client_ids,
                secret_source: config.redeem_secret.kind(),
            });
            let clients = Arc::new(config.web_client_ids.clone());
            (Some(Arc::new(HttpRedeemer::new(&config, secret))), clients)
        }
        Err(e) => {
            // Define and Verify fail with an error, reason `misconfigured`; nothing signs in.
            log::start(&Start::NotConfigured {
                error: &e,
                reason: NoVerdict::Misconfigured.code(),
            });
            (None, Arc::new(Vec::new()))
        }
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let redeemer = redeemer.clone();
        let web_clients = web_clients.clone();
        async move {
            // The redeem call blocks (with its own hard deadline); keep it off the runtime's thread.
            let answered = tokio::task::spawn_blocking(move || {
                let ctx = Context {
                    redeemer: redeemer.as_deref(),
                    web_clients: &web_clients,
                    random: &random,
                    budget: redeem::BUDGET,
                };
                handler::handle_and_log(event.payload, &ctx)
            })
            .await;
            match answered {
                Ok(result) => result.map_err(|e| diagnostic(&e)),
                Err(join) => Err(Diagnostic {
                    error_type: "Handoff.internal".into(),
                    error_message: format!("the handler did not finish: {join}"),
                }),
            }
        }
    }))
    .await
}
