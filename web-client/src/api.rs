//! The JavaScript API for web apps that do not use Leptos (the npm package in `pkg/`):
//! `completeHandoff(options) -> Promise<HandoffResult>`. Expected failures resolve with `{ok: false, ...}`;
//! the promise never rejects.

use js_sys::{Function, JSON, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::config::Config;
use crate::outcome::{Failure, Step};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** The landing page's configuration (the same members as the inline `#handoff-config` JSON). */
export interface HandoffConfig {
  /** AWS region of the user pool, e.g. "eu-west-1". */
  region: string;
  /** The user pool id. */
  userPoolId: string;
  /** The web app client id (CUSTOM_AUTH enabled, no secret). */
  clientId: string;
  /** Cognito endpoint; defaults to https://cognito-idp.<region>.amazonaws.com/ (set it for a local emulator). */
  cognitoEndpoint?: string;
  /** Path prefixes a redirect may land under. */
  redirectAllowlist: string[];
  /** Where to land when the link names no redirect (default "/"; must pass the allowlist). */
  defaultRedirect?: string;
  /** "Back to the app" link (shown by the Leptos page). */
  appReturnUrl?: string;
  /** "Sign in another way" link (shown by the Leptos page). */
  otherSignInUrl?: string;
}

/** A step of the sign-in, in order. */
export type HandoffStep = "checking" | "contacting" | "verifying" | "signing_in";

/** Why the sign-in did not happen. */
export type HandoffError = "expired" | "unusable" | "invalid" | "network" | "misconfigured";

/** `completeHandoff`'s options: the configuration plus how to run. */
export interface HandoffOptions extends HandoffConfig {
  /** The token; by default it is read from `location.hash` (`#handoff=`), which is scrubbed before any request. */
  token?: string;
  /** Navigate to the redirect target when signed in (default true). */
  navigate?: boolean;
  /** Called as each step starts. */
  onProgress?: (step: HandoffStep) => void;
}

/** The outcome. The session is stored under Amplify v6's localStorage keys when `ok` is true. */
export type HandoffResult =
  | { ok: true; username: string; redirect: string }
  | { ok: false; error: HandoffError; title: string; message: string; retry: boolean };
"#;

#[derive(Deserialize)]
struct Options {
    #[serde(flatten)]
    config: Config,
    #[serde(default)]
    navigate: Option<bool>,
}

/// Completes a handoff: reads (and scrubs) the token, signs in to Cognito, stores the session where Amplify v6
/// finds it and, unless `navigate: false`, goes to the redirect target.
#[wasm_bindgen(js_name = completeHandoff, unchecked_return_type = "HandoffResult")]
pub async fn complete_handoff(
    #[wasm_bindgen(unchecked_param_type = "HandoffOptions")] options: JsValue,
) -> JsValue {
    result_value(run(&options).await)
}

async fn run(options: &JsValue) -> Result<(String, String), Failure> {
    // The scrub comes first, whatever else is wrong with the options.
    let token = match Reflect::get(options, &"token".into())
        .ok()
        .and_then(|t| t.as_string())
    {
        Some(token) => Ok(token),
        None => browser::take_token(),
    };
    let text: String = JSON::stringify(options)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or(Failure::Misconfigured)?;
    let Options { config, navigate } = serde_json::from_str(&text).map_err(|_| Failure::Misconfigured)?;
    config.check().map_err(|_| Failure::Misconfigured)?;
    let token = token?;
    let on_progress: Option<Function> = Reflect::get(options, &"onProgress".into())
        .ok()
        .and_then(|f| f.dyn_into().ok());
    let progress = |step: Step| {
        if let Some(f) = &on_progress {
            let _ = f.call1(&JsValue::NULL, &step.code().into());
        }
    };
    let done = browser::complete(&config, &token, &progress).await?;
    if navigate != Some(false) {
        browser::navigate(&config, &done.redirect)?;
    }
    Ok((done.username, done.redirect))
}

fn result_value(result: Result<(String, String), Failure>) -> JsValue {
    let json = match result {
        Ok((username, redirect)) => {
            serde_json::json!({"ok": true, "username": username, "redirect": redirect})
        }
        Err(f) => serde_json::json!({
            "ok": false, "error": f.code(), "title": f.title(), "message": f.message(), "retry": f.can_retry()
        }),
    };
    JSON::parse(&json.to_string()).unwrap_or(JsValue::NULL)
}
