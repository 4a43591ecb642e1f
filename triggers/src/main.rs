//! The Lambda entry point: reads the configuration once, then serves Define, Create and Verify events.
#![forbid(unsafe_code)]

use std::sync::Arc;

use handoff_triggers::create::NONCE_BYTES;
use handoff_triggers::handler::{self, Context};
use handoff_triggers::http::HttpRedeemer;
use handoff_triggers::verify::{self, Redeemer};
use handoff_triggers::{Config, TriggerError, log};
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

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
    let redeemer: Option<Arc<dyn Redeemer>> = match Config::from_env() {
        Ok(config) => {
            log::emit(&json!({"level": "info", "msg": "configured", "edge_url": config.edge_url}));
            Some(Arc::new(HttpRedeemer::new(&config)))
        }
        Err(e) => {
            // Define and Create still work; every Verify fails with an error, reason `misconfigured`.
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
            let answered = tokio::task::spawn_blocking(move || {
                let ctx = Context {
                    redeemer: redeemer.as_deref(),
                    random: &random,
                    budget: verify::BUDGET,
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
