//! Browser glue (wasm32 only): the fragment scrub, `fetch` to Cognito and the edge, timers, localStorage and
//! navigation. Everything here is thin; the decisions live in the plain modules.

use handoff_core::check_redirect;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReferrerPolicy, Request, RequestCredentials, RequestInit, RequestMode, Response,
};

use crate::binding;
use crate::cognito::CONTENT_TYPE;
use crate::config::{CONFIG_ELEMENT_ID, Config};
use crate::flow::{self, Env, NetworkError, Reply, SignedIn};
use crate::fragment::Fragment;
use crate::outcome::{Failure, Step};
use crate::session;

/// A call that has not answered after this long counts as a network error (a Cognito call is then retried).
pub const REQUEST_TIMEOUT_MS: i32 = 20_000;

fn window() -> Result<web_sys::Window, Failure> {
    web_sys::window().ok_or(Failure::Misconfigured)
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
        let clean = format!("{path}{search}{}", fragment.rest);
        let history = window.history().map_err(|_| Failure::Misconfigured)?;
        history
            .replace_state_with_url(&JsValue::NULL, "", Some(&clean))
            .map_err(|_| Failure::Misconfigured)?;
    }
    fragment.token.map_err(|_| Failure::Invalid)
}

/// The global through which `boot.js` hands over the fragment it scrubbed.
pub const BOOT_FRAGMENT_GLOBAL: &str = "handoffFragment";

/// Takes (reads and deletes) the fragment `boot.js` left in `window.handoffFragment`, if any.
pub fn take_boot_fragment() -> Option<String> {
    let global = js_sys::global();
    let key = JsValue::from_str(BOOT_FRAGMENT_GLOBAL);
    let value = Reflect::get(&global, &key).ok()?.as_string();
    let _ = Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &key);
    value.filter(|hash| !hash.is_empty())
}

/// The text of the inline `<script type="application/json" id="handoff-config">` block, if the page has one.
pub fn config_text() -> Option<String> {
    web_sys::window()?
        .document()?
        .get_element_by_id(CONFIG_ELEMENT_ID)?
        .text_content()
}

/// The browser as the flow's [`Env`].
pub struct Browser;

/// POSTs `body` to `url` with `headers`: CORS, no cookies, no Referer (even if a server forgot its
/// Referrer-Policy header), aborted after [`REQUEST_TIMEOUT_MS`].
async fn send(url: &str, headers: &[(&str, &str)], body: &str) -> Result<Reply, NetworkError> {
    let window = web_sys::window().ok_or(NetworkError)?;
    let header_list = Headers::new().map_err(|_| NetworkError)?;
    for (name, value) in headers {
        header_list.set(name, value).map_err(|_| NetworkError)?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    init.set_headers(&header_list);
    init.set_body(&JsValue::from_str(body));
    let abort = AbortController::new().map_err(|_| NetworkError)?;
    init.set_signal(Some(&abort.signal()));
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| NetworkError)?;
    let timer = {
        let abort = abort.clone();
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || abort.abort());
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), REQUEST_TIMEOUT_MS)
            .ok()
    };
    // `window.fetch` is looked up at call time, so a page (or a test) may wrap it.
    let result = async {
        let fetch: Function = Reflect::get(&window, &"fetch".into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or(NetworkError)?;
        let promise: Promise = fetch
            .call1(&window, &request)
            .map_err(|_| NetworkError)?
            .dyn_into()
            .map_err(|_| NetworkError)?;
        let response: Response = JsFuture::from(promise)
            .await
            .map_err(|_| NetworkError)?
            .dyn_into()
            .map_err(|_| NetworkError)?;
        let status = response.status();
        let error_type = response.headers().get("x-amzn-ErrorType").ok().flatten();
        let text = JsFuture::from(response.text().map_err(|_| NetworkError)?)
            .await
            .map_err(|_| NetworkError)?;
        Ok(Reply {
            status,
            error_type,
            body: text.as_string().unwrap_or_default(),
        })
    }
    .await;
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    result
}

impl Env for Browser {
    async fn post(&self, endpoint: &str, target: &str, body: String) -> Result<Reply, NetworkError> {
        send(
            endpoint,
            &[("Content-Type", CONTENT_TYPE), ("X-Amz-Target", target)],
            &body,
        )
        .await
    }

    async fn bind(&self, url: &str, token: &str) -> Result<Reply, NetworkError> {
        // Only the safelisted text/plain content type and no other header: a simple request, no preflight.
        send(url, &[("Content-Type", binding::CONTENT_TYPE)], token).await
    }

    async fn sleep(&self, ms: u32) {
        let promise = Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
            }
        });
        let _ = JsFuture::from(promise).await;
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// Signs in with `token` and stores the session under Amplify's keys. Does not navigate.
pub async fn complete(config: &Config, token: &str, progress: &dyn Fn(Step)) -> Result<SignedIn, Failure> {
    let done = flow::sign_in(&Browser, config, token, progress).await?;
    store(config, &done)?;
    Ok(done)
}

/// Writes the session entries; a different previous user of the same client is signed out first.
fn store(config: &Config, done: &SignedIn) -> Result<(), Failure> {
    let storage = local_storage()?;
    let last_key = session::last_user_key(&config.client_id);
    if let Ok(Some(previous)) = storage.get_item(&last_key)
        && previous != done.username
    {
        for key in session::user_keys(&config.client_id, &previous) {
            let _ = storage.remove_item(&key);
        }
    }
    for (key, value) in &done.entries {
        storage.set_item(key, value).map_err(|_| Failure::Misconfigured)?;
    }
    Ok(())
}

fn local_storage() -> Result<web_sys::Storage, Failure> {
    window()?
        .local_storage()
        .ok()
        .flatten()
        .ok_or(Failure::Misconfigured)
}

/// Whether someone else is signed in to this web client (see [`session::switch`]). Unreadable storage reads as
/// nobody: the sign-in then fails at `store` anyway.
pub fn switch(config: &Config, link_user: &str) -> session::Switch {
    match local_storage() {
        Ok(storage) => session::switch(&config.client_id, link_user, |key| {
            storage.get_item(key).ok().flatten()
        }),
        Err(_) => session::Switch::Proceed,
    }
}

/// Ends the signed-in user's session: `RevokeToken` for their refresh token, then their keys are removed.
pub async fn end_current_session(config: &Config) -> Result<(), Failure> {
    let storage = local_storage()?;
    let read = |key: &str| storage.get_item(key).ok().flatten();
    let last_key = session::last_user_key(&config.client_id);
    let Some(current) = read(&last_key) else {
        return Ok(());
    };
    let refresh = read(&format!(
        "{}.{current}.refreshToken",
        session::client_prefix(&config.client_id)
    ));
    if let Some(refresh) = refresh.filter(|t| !t.is_empty()) {
        flow::end_session(&Browser, config, &refresh).await?;
    }
    for key in session::user_keys(&config.client_id, &current) {
        let _ = storage.remove_item(&key);
    }
    let _ = storage.remove_item(&last_key);
    Ok(())
}

/// Goes to `target` (replacing the landing page in history) after checking it against the allowlist once more.
pub fn navigate(config: &Config, target: &str) -> Result<(), Failure> {
    let target = check_redirect(target, &config.redirect_allowlist).map_err(|_| Failure::Invalid)?;
    window()?
        .location()
        .replace(target)
        .map_err(|_| Failure::Misconfigured)
}
