//! The edge's outgoing calls (the user's ledger object, Cognito's GetUser, the pool's JWKS) on the runtime's own
//! `Request`, `Response` and `fetch`. workers-rs wraps each in its own types: its `RequestInit` converts its
//! Cloudflare options on every call (12 KB of code and a JS object per call), its `Request` reads `request.cf` when
//! it wraps one, and it reads a fetched body through a stream reader whose `releaseLock` alone was 7 % of the
//! worker's CPU (`cargo xtask bench edge --cpu-profile`).

use crate::promise::settled;
use std::future::Future;
use std::time::Duration;

use futures_util::future::{Either, select};
use js_sys::Promise;
use wasm_bindgen::prelude::{Closure, wasm_bindgen};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Headers, Request, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// The runtime's global `fetch`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &Request) -> Result<Promise, JsValue>;
}

// Two chains of promises run in JS, awaited once from Rust: each promise Rust awaits costs a call across the
// boundary and a microtask hop (`crate::promise`), and building a request from Rust a call per option.
#[wasm_bindgen(inline_js = r#"
export async function post_text(target, url, body) {
  const response = await target.fetch(url, { method: "POST", body });
  if (response.status !== 200) throw new Error(`answered ${response.status}`);
  return response.text();
}
export async function text_then_get(request, storage, key) {
  const text = await request.text();
  return [text, await storage.get(key)];
}
export function after_answer(ctx, work, failed) {
  ctx.waitUntil(work.catch(failed));
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn post_text(target: &JsValue, url: &str, body: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch)]
    fn text_then_get(request: &JsValue, storage: &JsValue, key: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch)]
    fn after_answer(ctx: &JsValue, work: &Promise, failed: JsValue) -> Result<(), JsValue>;
}

/// Lets `work` finish after the answer has gone (`waitUntil`); if it fails, `failed` gets the error's text. Nothing
/// awaits it: the answer does not wait for it, and the runtime keeps the request's context alive until it settles.
/// `Err` when the runtime refused to wait for it (the request is over): the work still runs, unwatched.
pub fn in_background(
    ctx: &worker::Context,
    work: &Promise,
    failed: impl FnOnce(String) + 'static,
) -> Result<(), String> {
    let failed = Closure::once_into_js(move |error: JsValue| failed(js_text(error)));
    let ctx: &worker::worker_sys::Context = ctx.as_ref();
    after_answer(ctx, work, failed).map_err(js_text)
}

/// POSTs `body` to a Durable Object through its stub; the answer's body, which must come with a `200`.
pub async fn post_to_object(stub: worker::Stub, url: &str, body: &str) -> Result<String, String> {
    let sent = post_text(&stub.into_rpc::<JsValue>(), url, body).map_err(js_text)?;
    let text = settled(&sent).await.map_err(js_text)?;
    text.as_string()
        .ok_or_else(|| "the answer's body is not text".to_owned())
}

/// In a Durable Object: the request's body, THEN the value stored at `key` (`undefined` if none), in one await.
/// In that order: nothing may be awaited between reading the stored value and writing it back, or another request
/// could interleave (the runtime's input gate holds events only while a storage operation runs).
pub async fn body_then_stored(
    request: &web_sys::Request,
    storage: &JsValue,
    key: &str,
) -> Result<(String, JsValue), String> {
    let sent = text_then_get(request, storage, key).map_err(js_text)?;
    let both: js_sys::Array = settled(&sent).await.map_err(js_text)?.unchecked_into();
    let text = both
        .get(0)
        .as_string()
        .ok_or_else(|| "the request's body is not text".to_owned())?;
    Ok((text, both.get(1)))
}

/// A request (`POST` with `body` and `headers`, or `GET` without a body); `None` for a URL the runtime refuses.
pub fn request(url: &str, post: Option<(&str, &[(&str, &str)])>) -> Option<Request> {
    let init = RequestInit::new();
    if let Some((body, headers)) = post {
        init.set_method("POST");
        if !headers.is_empty() {
            let all = Headers::new().ok()?;
            for (name, value) in headers {
                all.set(name, value).ok()?;
            }
            init.set_headers(&all);
        }
        init.set_body(&JsValue::from_str(body));
    }
    Request::new_with_str_and_init(url, &init).ok()
}

/// Sends `request` to the internet.
pub async fn fetch(request: &Request) -> Result<Response, String> {
    answer(global_fetch(request)).await
}

async fn answer(sent: Result<Promise, JsValue>) -> Result<Response, String> {
    let answered = settled(&sent.map_err(js_text)?).await.map_err(js_text)?;
    answered
        .dyn_into::<Response>()
        .map_err(|_| "the answer is not a Response".to_owned())
}

/// The body of an answer as text, read by the runtime in one call.
pub async fn text(response: &Response) -> Result<String, String> {
    let text = settled(&response.text().map_err(js_text)?)
        .await
        .map_err(js_text)?;
    text.as_string()
        .ok_or_else(|| "the answer's body is not text".to_owned())
}

/// The output of `call`, or `None` if it takes longer than `ms` milliseconds (it is then dropped).
pub async fn within<F: Future>(ms: u64, call: F) -> Option<F::Output> {
    let timeout = worker::Delay::from(Duration::from_millis(ms));
    match select(Box::pin(call), timeout).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// A JS error's message (or a thrown string); a fixed text for anything else.
pub fn js_text(error: JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => error
            .as_string()
            .unwrap_or_else(|| "a JavaScript error".to_owned()),
    }
}
