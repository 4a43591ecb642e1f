//! The edge's outgoing calls (the user's ledger object, Cognito's GetUser, the pool's JWKS) on the runtime's own
//! `Request`, `Response` and `fetch`. workers-rs wraps each in its own types: its `RequestInit` converts its
//! Cloudflare options on every call (12 KB of code and a JS object per call), its `Request` reads `request.cf` when
//! it wraps one, and it reads a fetched body through a stream reader whose `releaseLock` alone was 7 % of the
//! worker's CPU (`cargo xtask bench edge --cpu-profile`).

use std::future::Future;
use std::time::Duration;

use futures_util::future::{Either, select};
use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// The runtime's global `fetch`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &Request) -> Result<Promise, JsValue>;

    /// Anything with a `fetch(request)` method: a Durable Object stub.
    type Fetcher;

    #[wasm_bindgen(method, catch)]
    fn fetch(this: &Fetcher, request: &Request) -> Result<Promise, JsValue>;
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

/// Sends `request` to a Durable Object through its stub.
pub async fn fetch_object(stub: worker::Stub, request: &Request) -> Result<Response, String> {
    answer(stub.into_rpc::<Fetcher>().fetch(request)).await
}

async fn answer(sent: Result<Promise, JsValue>) -> Result<Response, String> {
    let answered = JsFuture::from(sent.map_err(js_text)?).await.map_err(js_text)?;
    answered
        .dyn_into::<Response>()
        .map_err(|_| "the answer is not a Response".to_owned())
}

/// The body of an answer as text, read by the runtime in one call.
pub async fn text(response: &Response) -> Result<String, String> {
    let text = JsFuture::from(response.text().map_err(js_text)?)
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
