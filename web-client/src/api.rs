//! The JavaScript API for web apps that do not use Leptos (the npm package in `pkg/`):
//! `completeHandoff(options) -> Promise<HandoffResult>`. Expected failures resolve with `{ok: false, ...}`;
//! the promise never rejects.

use js_sys::{Function, JSON, Reflect};
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::config::PageConfig;
use crate::flow::SignedIn;
use crate::link::Link;
use crate::outcome::{Failure, Step};
use crate::session::Switch;
use crate::texts::{Catalogue, Texts};
use handoff_core::named::Named;

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
const TYPES: &'static str = r##"
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
  /**
   * Where the session goes, always under Amplify v6's key names: "localStorage" (default, Amplify's default),
   * "sessionStorage", or "cookie" (what `Amplify.configure(config, { ssr: true })` reads; see `cookie`).
   */
  storage?: "localStorage" | "sessionStorage" | "cookie";
  /** The cookies' attributes with `storage: "cookie"`: Amplify's `CookieStorage` members and defaults. */
  cookie?: HandoffCookieOptions;
  /** The deployment's words by language, over the built-in English and German: `{ en: { retry: "..." } }`. */
  messages?: Record<string, Record<string, string>>;
  /** The landing page's look (the Leptos page only). */
  brand?: HandoffBrand;
}

/** Amplify `CookieStorage`'s options (defaults: path "/", expires 365 days, secure true, sameSite "lax"). */
export interface HandoffCookieOptions {
  domain?: string;
  path?: string;
  /** Days; null for session cookies. */
  expires?: number | null;
  secure?: boolean;
  sameSite?: "lax" | "strict" | "none";
}

/** The landing page's look. */
export interface HandoffBrand {
  /** An https URL or a path; the CSP's img-src must allow it. */
  logoUrl?: string;
  logoAlt?: string;
  /** `--handoff-*` CSS custom properties, e.g. `{ "--handoff-accent": "#0a7" }`. */
  theme?: Record<string, string>;
}

/** What `onTokens` receives instead of the session being stored. */
export interface HandoffTokens {
  username: string;
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  expiresIn?: number;
  tokenType?: string;
  /** Present on pools that track devices: the device confirmed during the sign-in (keep it for refreshes). */
  device?: { deviceKey: string; deviceGroupKey: string; randomPassword: string };
}

/** A step of the sign-in, in order. */
export type HandoffStep = "checking" | "contacting" | "verifying" | "signing_in";

/** Why the sign-in did not happen. */
export type HandoffError =
  | "expired" | "unusable" | "invalid" | "network" | "misconfigured" | "other_device" | "other_user";

/** `completeHandoff`'s options: the configuration plus how to run. */
export interface HandoffOptions extends HandoffConfig {
  /** The token; by default it is read from `location.hash` (`#handoff=`), which is scrubbed before any request. */
  token?: string;
  /** Navigate to the redirect target when signed in (default true). */
  navigate?: boolean;
  /** Called as each step starts. */
  onProgress?: (step: HandoffStep) => void;
  /**
   * Another user is signed in to this web client: without `replaceUser: true` the result is
   * `{ok: false, error: "other_user"}` and nothing is sent (the link stays usable; ask the user, then call again
   * with `replaceUser: true`, which revokes their refresh token before signing in).
   */
  replaceUser?: boolean;
  /**
   * For apps with their own token store: called with the tokens instead of storing them (awaited). If it throws
   * or rejects, the refresh token is revoked and the result is `{ok: false, error: "misconfigured"}`.
   */
  onTokens?: (tokens: HandoffTokens) => void | Promise<void>;
}

/** The outcome. The session is stored under Amplify v6's keys (see `storage`) when `ok` is true. */
export type HandoffResult =
  | { ok: true; username: string; redirect: string }
  | { ok: false; error: HandoffError; title: string; message: string; retry: boolean };
"##;

/// Completes a handoff: reads (and scrubs) the token, signs in to Cognito, stores the session where Amplify v6
/// finds it and, unless `navigate: false`, goes to the redirect target.
#[wasm_bindgen(js_name = completeHandoff, unchecked_return_type = "HandoffResult")]
pub async fn complete_handoff(
    #[wasm_bindgen(unchecked_param_type = "HandoffOptions")] options: JsValue,
) -> JsValue {
    result_value(run(&options).await, &texts(&options))
}

/// An option of `completeHandoff` that is not part of the configuration.
fn option(options: &JsValue, name: &str) -> JsValue {
    Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

async fn run(options: &JsValue) -> Result<(String, String), Failure> {
    // The scrub comes first, whatever else is wrong with the options, and also when the token is passed in: a
    // `#handoff=` left in the address bar would stay in history and reach every later script.
    let from_link = browser::link_token(take_import_fragment());
    let token = match option(options, "token").as_string() {
        Some(token) => Ok(token),
        None => from_link,
    };
    let config = config(options)?;
    let token = token?;
    let on_progress: Option<Function> = option(options, "onProgress").dyn_into().ok();
    let progress = |step: Step| {
        if let Some(f) = &on_progress {
            let _ = f.call1(&JsValue::NULL, &step.code().into());
        }
    };
    let done = match option(options, "onTokens").dyn_into::<Function>() {
        // The app keeps the tokens itself, and with them the question of who is signed in.
        Ok(on_tokens) => {
            let done = browser::sign_in(&config, &token, &progress).await?;
            hand_over(&config, &done, &on_tokens).await?;
            done
        }
        Err(_) => {
            let link = Link::check(&token, &config)?;
            if let Switch::Ask { .. } = browser::switch(&config, &link) {
                if option(options, "replaceUser").as_bool() != Some(true) {
                    return Err(Failure::OtherUser);
                }
                browser::end_current_session(&config).await?;
            }
            browser::complete(&config, &token, &progress).await?
        }
    };
    if option(options, "navigate").as_bool() != Some(false) {
        browser::navigate(&config, &done.redirect)?;
    }
    Ok((done.username, done.redirect))
}

/// The configuration part of the options (`PageConfig` ignores the other members).
fn config(options: &JsValue) -> Result<PageConfig, Failure> {
    let text: String = JSON::stringify(options)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or(Failure::Misconfigured)?;
    PageConfig::from_json(&text).map_err(|_| Failure::Misconfigured)
}

/// Calls `onTokens` with the session and awaits it; if it fails, the session is ended (refresh token revoked).
async fn hand_over(config: &PageConfig, done: &SignedIn, on_tokens: &Function) -> Result<(), Failure> {
    let tokens = js_sys::Object::new();
    let set = |object: &js_sys::Object, key: &str, value: JsValue| {
        let _ = Reflect::set(object, &key.into(), &value);
    };
    let t = &done.tokens;
    set(&tokens, "username", done.username.as_str().into());
    set(&tokens, "accessToken", t.access_token.as_str().into());
    for (key, value) in [
        ("idToken", &t.id_token),
        ("refreshToken", &t.refresh_token),
        ("tokenType", &t.token_type),
    ] {
        if let Some(value) = value {
            set(&tokens, key, value.as_str().into());
        }
    }
    if let Some(expires_in) = t.expires_in {
        set(&tokens, "expiresIn", (expires_in as f64).into());
    }
    if let Some(device) = &done.device {
        let d = js_sys::Object::new();
        set(&d, "deviceKey", device.key.as_str().into());
        set(&d, "deviceGroupKey", device.group_key.as_str().into());
        set(&d, "randomPassword", device.random_password.as_str().into());
        set(&tokens, "device", d.into());
    }
    let accepted = match on_tokens.call1(&JsValue::NULL, &tokens) {
        Ok(value) => match value.dyn_into::<js_sys::Promise>() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
            Err(_) => true,
        },
        Err(_) => false,
    };
    if accepted {
        return Ok(());
    }
    if let Some(refresh) = &t.refresh_token {
        let _ = crate::flow::end_session(&browser::Browser, config, refresh).await;
    }
    Err(Failure::Misconfigured)
}

/// The words of a failure: the package's English and German, the options' `messages` over them, in the browser's
/// language.
fn texts(options: &JsValue) -> Texts {
    let mut builtin = Catalogue::new();
    for (lang, text) in [
        ("en", include_str!("../messages/en.json")),
        ("de", include_str!("../messages/de.json")),
    ] {
        let words = handoff_core::json::parse_object(text).and_then(|o| Named::strings(&o));
        builtin.insert(lang.into(), words.unwrap_or_default());
    }
    let overrides: Catalogue = JSON::stringify(&option(options, "messages"))
        .ok()
        .and_then(|t| t.as_string())
        .and_then(|t| crate::texts::catalogue_from_json(&t))
        .unwrap_or_default();
    Texts::select(&builtin, &overrides, &browser::languages())
}

fn result_value(result: Result<(String, String), Failure>, texts: &Texts) -> JsValue {
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
            set("title", texts.get(&f.title_key()).into());
            set("message", texts.get(&f.message_key()).into());
            set("retry", f.can_retry().into());
        }
    }
    object.into()
}
