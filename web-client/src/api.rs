//! The JavaScript API for web apps that do not use Leptos (the npm package in `pkg/`):
//! `completeHandoff(options) -> Promise<HandoffResult>`. Expected failures resolve with `{ok: false, ...}`;
//! the promise never rejects.

use js_sys::{Function, JSON, Reflect};
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::config::Config;
use crate::fragment::Fragment;
use crate::outcome::{Failure, Step};

// Evaluated when the package is imported, before `init()` even fetches the wasm: the token leaves the address
// bar and the history entry at once and stays in this module only (no global), until `completeHandoff` takes
// it. (wasm-bindgen emits it as a snippet module that the package's JS imports first.)
#[wasm_bindgen(inline_js = r#"
let fragment = null;
try {
  const hash = globalThis.location ? globalThis.location.hash : '';
  if (/(^#|&)handoff=/.test(hash)) {
    fragment = hash;
    const rest = hash.slice(1).split('&').filter((p) => !p.startsWith('handoff=')).join('&');
    history.replaceState(history.state, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  }
} catch (_) {
  // No location or history (a worker, a sandbox): completeHandoff scrubs again and reports what it finds.
}
export function take_import_fragment() {
  const taken = fragment;
  fragment = null;
  return taken;
}
"#)]
extern "C" {
    /// The fragment scrubbed at import time, once.
    fn take_import_fragment() -> Option<String>;
}

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
  /**
   * The edge's origin (https, or http on a loopback host; no path). When set, the sign-in asks the edge for a
   * context binding (`POST {edgeUrl}/v1/bind`, alongside InitiateAuth) and passes it to the Verify trigger; the
   * page's CSP `connect-src` must then include this origin. Absent: no call to the edge.
   */
  edgeUrl?: string;
}

/** A step of the sign-in, in order. */
export type HandoffStep = "checking" | "contacting" | "verifying" | "signing_in";

/** Why the sign-in did not happen. */
export type HandoffError = "expired" | "unusable" | "invalid" | "network" | "misconfigured" | "other_device";

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

/// Completes a handoff: reads (and scrubs) the token, signs in to Cognito, stores the session where Amplify v6
/// finds it and, unless `navigate: false`, goes to the redirect target.
#[wasm_bindgen(js_name = completeHandoff, unchecked_return_type = "HandoffResult")]
pub async fn complete_handoff(
    #[wasm_bindgen(unchecked_param_type = "HandoffOptions")] options: JsValue,
) -> JsValue {
    result_value(run(&options).await)
}

async fn run(options: &JsValue) -> Result<(String, String), Failure> {
    // The scrub comes first, whatever else is wrong with the options, and also when the token is passed in: a
    // `#handoff=` left in the address bar would stay in history and reach every later script.
    let from_import = take_import_fragment();
    let from_location = browser::take_token();
    let token = match (
        Reflect::get(options, &"token".into())
            .ok()
            .and_then(|t| t.as_string()),
        from_import,
    ) {
        (Some(token), _) => Ok(token),
        (None, Some(hash)) => Fragment::parse(&hash).token.map_err(|_| Failure::Invalid),
        (None, None) => from_location,
    };
    let text: String = JSON::stringify(options)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or(Failure::Misconfigured)?;
    // Config ignores unknown members, so the options object parses as it is.
    let config = Config::from_json(&text).map_err(|_| Failure::Misconfigured)?;
    let navigate = Reflect::get(options, &"navigate".into())
        .ok()
        .and_then(|n| n.as_bool());
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
    let object = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&object, &key.into(), &value);
    };
    match result {
        Ok((username, redirect)) => {
            set("ok", true.into());
            set("username", username.into());
            set("redirect", redirect.into());
        }
        Err(f) => {
            set("ok", false.into());
            set("error", f.code().into());
            set("title", f.title().into());
            set("message", f.message().into());
            set("retry", f.can_retry().into());
        }
    }
    object.into()
}
