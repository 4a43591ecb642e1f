//! The Lambda entry point: reads the configuration once, then serves Define, Create and Verify events.
#![forbid(unsafe_code)]

use std::sync::Arc;

use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{self, Context};
use handoff_triggers::http::HttpRedeemer;
use handoff_triggers::verify::{self, Redeemer};
use handoff_triggers::{Config, log};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

fn random() -> Result<[u8; NONCE_BYTES], String> {
    let mut bytes = [0; NONCE_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let redeemer: Option<Arc<dyn Redeemer>> = match Config::from_env() {
        Ok(config) => {
            log::emit(&json!({"level": "info", "msg": "configured", "edge_url": config.edge_url}));
            Some(Arc::new(HttpRedeemer::new(&config)))
        }
        Err(e) => {
            // Define and Create still work; every Verify answers false with reason `misconfigured`.
            log::emit(
                &json!({"level": "error", "msg": "not configured", "error": e, "reason": "misconfigured"}),
            );
            None
        }
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let redeemer = redeemer.clone();
        async move {
            // The redeem call blocks (with its own hard deadline); keep it off the runtime's thread.
            tokio::task::spawn_blocking(move || {
                let ctx = Context {
                    redeemer: redeemer.as_deref(),
                    random: &random,
                    budget: verify::BUDGET,
                };
                handler::handle_and_log(event.payload, &ctx)
            })
            .await?
            .map_err(Error::from)
        }
    }))
    .await
}
