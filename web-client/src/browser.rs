//! Browser glue (wasm32 only): the fragment scrub, `fetch` to Cognito and the edge, timers, localStorage and
//! navigation. Everything here is thin; the decisions live in the plain modules.

use handoff_core::check_redirect;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::binding;
use crate::cognito::{CONTENT_TYPE, Op};
use crate::config::{CONFIG_ELEMENT_ID, ConfigError, PageConfig, StorageKind};
use crate::cookie::{self, CookieOptions};
use crate::device::{self, DeviceSecret};
use crate::early::{self, EarlyRequest};
use crate::flow::{self, Env, NetworkError, Reply, SignedIn};
use crate::link::Link;
use crate::outcome::{Failure, Step};
use crate::promise::{after, settled};
use crate::screen::Handover;
use crate::session;
use crate::texts::{Catalogue, MESSAGES_ELEMENT_ID, Texts};
use handoff_core::link::Fragment;

/// A call that has not answered after this long counts as a network error (a Cognito call is then retried).
pub const REQUEST_TIMEOUT_MS: i32 = 20_000;

#[wasm_bindgen]
extern "C" {
    /// `globalThis`, the page's window. js-sys's `global()` tries `self`, `window` and `global` too, for runtimes a
    /// page never runs in, with a glue function each.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// The page's global object (`globalThis`).
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// The page's window.
fn page_window() -> Option<web_sys::Window> {
    global().dyn_into().ok()
}

fn window() -> Result<web_sys::Window, Failure> {
    page_window().ok_or(Failure::Misconfigured)
}

/// Reads the token from `location.hash` and removes it from the address bar and the current history entry with
/// `history.replaceState`, before anything else happens. Other fragment parameters stay. If the URL cannot be
/// scrubbed the sign-in does not start (the token would stay in history).
pub fn take_token() -> Result<String, Failure> {
    let window = window()?;
    let location = window.location();
    let hash = location.hash().map_err(|_| Failure::Misconfigured)?;
    let fragment = Fragment::parse(&hash);
    if hash != fragment.rest {
        let path = location.pathname().map_err(|_| Failure::Misconfigured)?;
        let search = location.search().map_err(|_| Failure::Misconfigured)?;
        let clean = [path.as_str(), &search, &fragment.rest].concat();
        let history = window.history().map_err(|_| Failure::Misconfigured)?;
        history
            .replace_state_with_url(&JsValue::NULL, "", Some(&clean))
            .map_err(|_| Failure::Misconfigured)?;
    }
    fragment.token.map_err(|_| Failure::Invalid)
}

/// The link's token: the one scrubbed before the wasm loaded (`early`: boot.js's for the page, the npm package's
/// import-time snippet for `completeHandoff`) if there is one, else the one in the address bar. The address bar is
/// scrubbed either way ([`take_token`]), in case the page was started some other way.
pub fn link_token(early: Option<String>) -> Result<String, Failure> {
    let from_location = take_token();
    match early {
        Some(hash) => Fragment::parse(&hash).token.map_err(|_| Failure::Invalid),
        None => from_location,
    }
}

/// The global through which `boot.js` hands over the fragment it scrubbed.
pub const BOOT_FRAGMENT_GLOBAL: &str = "handoffFragment";

/// Takes (reads and deletes) the fragment `boot.js` left in `window.handoffFragment`, if any.
pub fn take_boot_fragment() -> Option<String> {
    let global = global();
    let key = JsValue::from_str(BOOT_FRAGMENT_GLOBAL);
    let value = Reflect::get(&global, &key).ok()?.as_string();
    let _ = Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &key);
    value.filter(|hash| !hash.is_empty())
}

/// The page's configuration from its `#handoff-config` text (an error when it is broken: the page then says the
/// service is misconfigured, and the screens say why in the console) and its words, with the deployment's look
/// applied to the document.
pub fn configure(text: &str) -> (Result<PageConfig, ConfigError>, Texts) {
    let config = PageConfig::from_json(text);
    let texts = texts(
        config
            .as_ref()
            .ok()
            .map(|c| &c.messages)
            .unwrap_or(&Default::default()),
    );
    apply_look(config.as_ref().ok(), &texts);
    (config, texts)
}

/// `console.error(text)`: for the site's operators (a refused configuration), never for the person signing in.
pub fn console_error(text: &str) {
    if let Ok(console) = Reflect::get(&global(), &"console".into()) {
        let _ = call(&console, "error", &text.into());
    }
}

/// Where the sign-in leaves the [`Handover`] for the screens (`window.handoffScreen`), read once and deleted.
pub const HANDOVER_GLOBAL: &str = "handoffScreen";
/// The function boot.js defines to load and start the screens' wasm (`window.handoffScreens`).
pub const SCREENS_LOADER_GLOBAL: &str = "handoffScreens";
/// The id of the loading line in the page's HTML, which the sign-in keeps up to date.
pub const LOADING_ELEMENT_ID: &str = "handoff-loading";

/// Shows `text` on the loading line (the sign-in's progress, before any screen is needed).
pub fn set_loading_text(text: &str) {
    if let Some(line) = page_window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(LOADING_ELEMENT_ID))
    {
        line.set_text_content(Some(text));
    }
}

/// Leaves `handover` for the screens and asks boot.js to load them. `false` if there is no loader (a page without
/// boot.js): nothing is shown then but the loading line.
pub fn hand_over(handover: &Handover) -> bool {
    let global = global();
    let object = js_sys::Object::new();
    for (name, value) in handover.fields() {
        let _ = Reflect::set(&object, &name.into(), &value.into());
    }
    if Reflect::set(&global, &HANDOVER_GLOBAL.into(), &object).is_err() {
        return false;
    }
    let Some(load) = method(&global, SCREENS_LOADER_GLOBAL) else {
        return false;
    };
    load.call0(&JsValue::UNDEFINED).is_ok()
}

/// Takes (reads and deletes) the [`Handover`] the sign-in left, if any.
pub fn take_handover() -> Option<Handover> {
    let global = global();
    let key = JsValue::from_str(HANDOVER_GLOBAL);
    let object = Reflect::get(&global, &key).ok().filter(|v| v.is_object());
    let _ = Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &key);
    let object = object?;
    Handover::read(|name| Reflect::get(&object, &name.into()).ok()?.as_string())
}

/// The text of the inline `<script type="application/json" id="...">` block `id`, if the page has one.
fn inline_json(id: &str) -> Option<String> {
    page_window()?.document()?.get_element_by_id(id)?.text_content()
}

/// The text of the inline `#handoff-config` block, if the page has one.
pub fn config_text() -> Option<String> {
    inline_json(CONFIG_ELEMENT_ID)
}

/// The page's words ([`crate::texts`]): the built-in catalogue from the inline `#handoff-messages` block, the
/// configuration's `messages` over it, in the first of `navigator.languages` either knows.
pub fn texts(overrides: &Catalogue) -> Texts {
    let builtin = inline_json(MESSAGES_ELEMENT_ID)
        .and_then(|text| crate::texts::catalogue_from_json(&text))
        .unwrap_or_default();
    Texts::select(&builtin, overrides, &languages())
}

/// `navigator.languages`, best first.
pub fn languages() -> Vec<String> {
    navigator("languages")
        .map(|list| {
            js_sys::Array::from(&list)
                .iter()
                .filter_map(|l| l.as_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `navigator[name]`.
fn navigator(name: &str) -> Option<JsValue> {
    Reflect::get(&Reflect::get(&global(), &"navigator".into()).ok()?, &name.into()).ok()
}

/// Dresses the page: `<html lang>` in the chosen language and the configuration's `--handoff-*` custom properties
/// on the root element (through the CSSOM, which the CSP's `style-src 'self'` allows).
pub fn apply_look(config: Option<&PageConfig>, texts: &Texts) {
    let Some(root) = page_window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = root.set_attribute("lang", &texts.language);
    let Some(config) = config else { return };
    let Ok(style) = Reflect::get(&root, &"style".into()) else {
        return;
    };
    let Some(set) = method(&style, "setProperty") else {
        return;
    };
    for (name, value) in config.brand.theme.iter() {
        let _ = set.call2(&style, &name.into(), &value.into());
    }
}

/// The browser as the flow's [`Env`].
pub struct Browser;

/// POSTs `body` to `url` with `headers`: CORS, no cookies, no Referer (even if a server forgot its
/// Referrer-Policy header), aborted after [`REQUEST_TIMEOUT_MS`] (`AbortSignal.timeout`; a browser without it
/// sends the call without a deadline). `fetch(url, init)` with a plain init object, as boot.js sends its calls:
/// web-sys's `Request` and `RequestInit` bindings were a glue function per member (docs/web.md).
async fn send(url: &str, headers: &[(&str, &str)], body: &str) -> Result<Reply, NetworkError> {
    let global = global();
    let header_list = js_sys::Object::new();
    for (name, value) in headers {
        set(&header_list, name, &JsValue::from_str(value));
    }
    let init = js_sys::Object::new();
    for (name, value) in [
        ("method", "POST"),
        ("mode", "cors"),
        ("credentials", "omit"),
        ("referrerPolicy", "no-referrer"),
    ] {
        set(&init, name, &JsValue::from_str(value));
    }
    set(&init, "headers", &header_list);
    set(&init, "body", &JsValue::from_str(body));
    if let Some(signal) = Reflect::get(&global, &"AbortSignal".into())
        .ok()
        .and_then(|abort| call(&abort, "timeout", &JsValue::from(REQUEST_TIMEOUT_MS)))
    {
        set(&init, "signal", &signal);
    }
    // `fetch` is looked up at call time, so a page (or a test) may wrap it.
    let fetch = method(&global, "fetch").ok_or(NetworkError)?;
    let promise = fetch
        .call2(&global, &url.into(), &init)
        .map_err(|_| NetworkError)?;
    let response = settled(&promise).await.map_err(|_| NetworkError)?;
    let status = Reflect::get(&response, &"status".into())
        .ok()
        .and_then(|s| s.as_f64())
        .ok_or(NetworkError)?;
    let error_type = Reflect::get(&response, &"headers".into())
        .ok()
        .and_then(|h| call(&h, "get", &"x-amzn-ErrorType".into()))
        .and_then(|t| t.as_string());
    let text = method(&response, "text")
        .and_then(|text| text.call0(&response).ok())
        .ok_or(NetworkError)?;
    let text = settled(&text).await.map_err(|_| NetworkError)?;
    Ok(Reply {
        status: status as u16,
        error_type,
        body: text.as_string().unwrap_or_default(),
    })
}

/// `object[name] = value`.
fn set(object: &JsValue, name: &str, value: &JsValue) {
    let _ = Reflect::set(object, &name.into(), value);
}

/// The function `object[name]`, if it is one.
fn method(object: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(object, &name.into()).ok()?.dyn_into().ok()
}

/// `object[name](arg)`, if `object[name]` is a function and does not throw.
fn call(object: &JsValue, name: &str, arg: &JsValue) -> Option<JsValue> {
    method(object, name)?.call1(object, arg).ok()
}

impl Env for Browser {
    async fn post(&self, endpoint: &str, target: &str, body: String) -> Result<Reply, NetworkError> {
        let adopted = if target == Op::RespondToAuthChallenge.target() {
            take_early_respond(endpoint, target, &body).await
        } else {
            take_early(early::INITIATE_AUTH, endpoint, target, &body)
        };
        if let Some(reply) = adopted {
            return early_reply(reply).await;
        }
        send(
            endpoint,
            &[("Content-Type", CONTENT_TYPE), ("X-Amz-Target", target)],
            &body,
        )
        .await
    }

    async fn bind(&self, url: &str, token: &str) -> Result<Reply, NetworkError> {
        if let Some(reply) = take_early(early::BIND, url, "", token) {
            return early_reply(reply).await;
        }
        // Only the safelisted text/plain content type and no other header: a simple request, no preflight.
        send(url, &[("Content-Type", binding::CONTENT_TYPE)], token).await
    }

    async fn sleep(&self, ms: u32) {
        let _ = after(i32::try_from(ms).unwrap_or(i32::MAX)).await;
    }

    async fn device_secret(&self, group_key: &str, device_key: &str) -> Option<DeviceSecret> {
        device_secret(group_key, device_key).await
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// Takes (reads and deletes) the call `kind` that `boot.js` sent early ([`crate::early`]) and returns its answer's
/// promise if the page may adopt it for `(url, target, body)`; it is taken either way, so it answers at most once.
fn take_early(kind: &str, url: &str, target: &str, body: &str) -> Option<Promise> {
    let calls = early_calls()?;
    let key = JsValue::from_str(kind);
    let value = Reflect::get(&calls, &key).ok().filter(|v| v.is_object())?;
    let _ = Reflect::delete_property(calls.unchecked_ref::<js_sys::Object>(), &key);
    let (request, reply) = early_request(&value)?;
    request
        .answers(url, target, body, js_sys::Date::now())
        .then_some(reply)
}

/// `window.handoffEarly`, when boot.js left one.
fn early_calls() -> Option<JsValue> {
    Reflect::get(&global(), &early::GLOBAL.into())
        .ok()
        .filter(|v| v.is_object())
}

/// An early call as boot.js records it (`{url, target, body, at, reply}`), and its answer's promise.
fn early_request(value: &JsValue) -> Option<(EarlyRequest, Promise)> {
    let text = |name: &str| Reflect::get(value, &name.into()).ok()?.as_string();
    let request = EarlyRequest {
        url: text("url")?,
        target: text("target")?,
        body: text("body")?,
        at_ms: Reflect::get(value, &"at".into()).ok()?.as_f64()?,
    };
    Some((
        request,
        Reflect::get(value, &"reply".into()).ok()?.dyn_into().ok()?,
    ))
}

/// The answer of the `RespondToAuthChallenge` boot.js sent, if it sent exactly `(url, target, body)`: waits for
/// boot.js to have decided (it sends it once InitiateAuth and the bind call have answered). Taken only when
/// adopted; one the page does not adopt stays for [`end_early_session`].
async fn take_early_respond(url: &str, target: &str, body: &str) -> Option<Promise> {
    let calls = early_calls()?;
    let key = JsValue::from_str(early::RESPOND);
    let pending = Reflect::get(&calls, &key).ok().filter(|v| v.is_object())?;
    let sent = settled(&pending).await.ok().filter(|v| v.is_object())?;
    let (request, reply) = early_request(&sent)?;
    if !request.is(url, target, body) {
        return None;
    }
    let _ = Reflect::delete_property(calls.unchecked_ref::<js_sys::Object>(), &key);
    Some(reply)
}

/// Ends the session that boot.js's early `RespondToAuthChallenge` signed in, if the page did not adopt it: called
/// whenever the page stops short of signing in (a failure, the switch question). boot.js revokes its refresh
/// token; nothing happens when there is none (no early answer, or the page took it).
pub fn end_early_session() {
    if let Some(revoke) = method(&global(), early::REVOKE) {
        let _ = revoke.call0(&JsValue::UNDEFINED);
    }
}

/// The early call's answer (`{status, errorType, body}`), or a network error if it never got one.
async fn early_reply(reply: Promise) -> Result<Reply, NetworkError> {
    let value = settled(&reply).await.map_err(|_| NetworkError)?;
    let field = |name: &str| Reflect::get(&value, &name.into()).ok();
    let status = field("status").and_then(|s| s.as_f64()).ok_or(NetworkError)?;
    Ok(Reply {
        status: status as u16,
        error_type: field("errorType").and_then(|t| t.as_string()),
        body: field("body").and_then(|b| b.as_string()).ok_or(NetworkError)?,
    })
}

/// `crypto.getRandomValues` over `len` fresh bytes.
fn random_bytes(len: u32) -> Option<Vec<u8>> {
    let crypto = Reflect::get(&global(), &"crypto".into()).ok()?;
    let bytes = js_sys::Uint8Array::new_with_length(len);
    call(&crypto, "getRandomValues", &bytes)?;
    Some(bytes.to_vec())
}

/// SHA-256 through WebCrypto, as lowercase hex.
async fn sha256_hex(data: &[u8]) -> Option<String> {
    let subtle = Reflect::get(&Reflect::get(&global(), &"crypto".into()).ok()?, &"subtle".into()).ok()?;
    let digest = method(&subtle, "digest")?;
    let promise: Promise = digest
        .call2(&subtle, &"SHA-256".into(), &js_sys::Uint8Array::from(data))
        .ok()?
        .dyn_into()
        .ok()?;
    let hash = js_sys::Uint8Array::new(&settled(&promise).await.ok()?).to_vec();
    Some(handoff_core::hex::encode(&hash))
}

/// Standard base64 with padding, through `btoa`.
fn base64(bytes: &[u8]) -> Option<String> {
    let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
    call(&global(), "btoa", &binary.into())?.as_string()
}

/// Amplify's `generateHashDevice` ([`crate::device`]), with the browser's `BigInt` for `2^x mod N`.
async fn device_secret(group_key: &str, device_key: &str) -> Option<DeviceSecret> {
    use js_sys::BigInt;
    let random_password = base64(&random_bytes(40)?)?;
    let inner = sha256_hex(device::password_text(group_key, device_key, &random_password).as_bytes()).await?;
    let salt_hex = handoff_core::hex::encode(&random_bytes(16)?);
    let salt = device::pad_hex(&salt_hex);
    let x = sha256_hex(&handoff_core::hex::decode(&[salt.as_str(), &inner].concat())?).await?;
    let n = BigInt::new(&["0x", device::N_HEX].concat().into()).ok()?;
    let two = BigInt::from(2);
    let mut power = BigInt::from(1);
    // Left to right over the exponent's bits: square, and multiply by g = 2 where the bit is set.
    for digit in x.chars().filter_map(|c| c.to_digit(16)) {
        for bit in (0..4).rev() {
            power = &(&power * &power) % &n;
            if digit >> bit & 1 == 1 {
                power = &(&power * &two) % &n;
            }
        }
    }
    let verifier = device::pad_hex(&String::from(power.to_string(16).ok()?));
    let device_name = navigator("userAgent")?.as_string()?;
    Some(DeviceSecret {
        random_password,
        salt: base64(&handoff_core::hex::decode(&salt)?)?,
        verifier: base64(&handoff_core::hex::decode(&verifier)?)?,
        device_name,
    })
}

/// Where the session is kept: a Web Storage area or cookies, always under Amplify v6's key names.
pub enum Store {
    /// `localStorage` or `sessionStorage`.
    Web(web_sys::Storage),
    /// `document.cookie`, written as Amplify's `CookieStorage` writes it.
    Cookies(web_sys::Document, CookieOptions),
}

impl Store {
    /// The store the configuration names.
    pub fn open(config: &PageConfig) -> Result<Store, Failure> {
        let window = window()?;
        let web = |area: Result<Option<web_sys::Storage>, JsValue>| {
            area.ok().flatten().map(Store::Web).ok_or(Failure::Misconfigured)
        };
        match config.storage {
            StorageKind::Local => web(window.local_storage()),
            StorageKind::Session => web(window.session_storage()),
            StorageKind::Cookie => Ok(Store::Cookies(
                window.document().ok_or(Failure::Misconfigured)?,
                config.cookie.clone(),
            )),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        match self {
            Store::Web(storage) => storage.get_item(key).ok().flatten(),
            Store::Cookies(document, _) => {
                let jar = Reflect::get(document, &"cookie".into()).ok()?.as_string()?;
                cookie::read(&jar, key)
            }
        }
    }

    /// Stores `value` under `key`. A cookie the browser did not keep (too large, a `domain` this page may not
    /// set) is an error, found by reading it back.
    pub fn set(&self, key: &str, value: &str) -> Result<(), Failure> {
        match self {
            Store::Web(storage) => storage.set_item(key, value).map_err(|_| Failure::Misconfigured),
            Store::Cookies(document, options) => {
                let days = options.expires.unwrap_or(0.0);
                let expires = js_sys::Date::new(&(js_sys::Date::now() + days * 864e5).into()).to_utc_string();
                let line = options.set(key, value, Some(&String::from(expires)));
                Reflect::set(document, &"cookie".into(), &line.into()).map_err(|_| Failure::Misconfigured)?;
                match self.get(key) {
                    Some(kept) if kept == value => Ok(()),
                    _ => Err(Failure::Misconfigured),
                }
            }
        }
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) {
        match self {
            Store::Web(storage) => {
                let _ = storage.remove_item(key);
            }
            Store::Cookies(document, options) => {
                let _ = Reflect::set(document, &"cookie".into(), &options.remove(key).into());
            }
        }
    }
}

/// Signs in with `token` (the flow only: nothing stored, no navigation).
pub async fn sign_in(config: &PageConfig, token: &str, progress: &dyn Fn(Step)) -> Result<SignedIn, Failure> {
    flow::sign_in(&Browser, config, token, progress).await
}

/// Signs in with `token` and stores the session under Amplify's keys in the configured store; a different user
/// signed in before is signed out first (their refresh token revoked). Does not navigate.
pub async fn complete(
    config: &PageConfig,
    token: &str,
    progress: &dyn Fn(Step),
) -> Result<SignedIn, Failure> {
    let store = Store::open(config)?;
    let done = sign_in(config, token, progress).await?;
    let previous = store.get(&session::last_user_key(&config.client_id));
    if let Some(previous) = previous.filter(|p| *p != done.username) {
        // Normally the switch screen (or `replaceUser`) has ended it already. If revoking fails (offline), their
        // refresh token lives on at Cognito until it expires, but nothing of it stays on this device.
        if end_session_in(&store, config).await.is_err() {
            forget(&store, config, &previous);
        }
    }
    for (key, value) in &done.entries {
        if let Err(failure) = store.set(key, value) {
            // A session that cannot be stored must not live on at Cognito either: revoke the new refresh token
            // and take back what was written.
            if let Some(refresh) = &done.tokens.refresh_token {
                let _ = flow::end_session(&Browser, config, refresh).await;
            }
            forget(&store, config, &done.username);
            return Err(failure);
        }
    }
    Ok(done)
}

/// Whether someone else is signed in to this web client (see [`session::switch`]). An unusable store reads as
/// nobody: the sign-in then fails when it stores the session.
pub fn switch(config: &PageConfig, link: &Link) -> session::Switch {
    match Store::open(config) {
        Ok(store) => session::switch(
            &config.client_id,
            &link.unverified.username,
            link.unverified.sub.as_deref(),
            |key| store.get(key),
        ),
        Err(_) => session::Switch::Proceed,
    }
}

/// Ends the signed-in user's session: `RevokeToken` for their refresh token, then their keys are removed.
pub async fn end_current_session(config: &PageConfig) -> Result<(), Failure> {
    end_session_in(&Store::open(config)?, config).await
}

/// [`end_current_session`] in a store already open.
async fn end_session_in(store: &Store, config: &PageConfig) -> Result<(), Failure> {
    let Some(current) = store.get(&session::last_user_key(&config.client_id)) else {
        return Ok(());
    };
    let refresh = store.get(
        &[
            &session::client_prefix(&config.client_id),
            ".",
            &current,
            ".refreshToken",
        ]
        .concat(),
    );
    if let Some(refresh) = refresh.filter(|t| !t.is_empty()) {
        flow::end_session(&Browser, config, &refresh).await?;
    }
    forget(store, config, &current);
    Ok(())
}

/// Removes `user`'s tokens and `LastAuthUser` (the device keys stay: Amplify keeps them across sign-outs too).
fn forget(store: &Store, config: &PageConfig, user: &str) {
    for key in session::user_keys(&config.client_id, user) {
        store.remove(&key);
    }
    store.remove(&session::last_user_key(&config.client_id));
}

/// Goes to `target` (replacing the landing page in history) after checking it against the allowlist once more.
pub fn navigate(config: &PageConfig, target: &str) -> Result<(), Failure> {
    let target = check_redirect(target, &config.redirect_allowlist).map_err(|_| Failure::Invalid)?;
    window()?
        .location()
        .replace(target)
        .map_err(|_| Failure::Misconfigured)
}
