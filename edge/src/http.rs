//! HTTP plumbing on workers-rs: reading a body under the cap (streamed, whatever `Content-Length` claims),
//! and building JSON answers (outgoing calls: `outgoing.rs`). Error answers are `{"error", "message"}` with the reason's status, plus
//! `Retry-After` or `Allow` where the status calls for it.

use crate::promise::settled;
use futures_util::StreamExt;
use handoff_core::json::ToJson;
use handoff_core::wire::MAX_BODY_BYTES;
use wasm_bindgen::JsValue;
use web_sys::Request;
use worker::Headers;

use crate::error::ApiError;
use crate::request::{append_chunk, declared_length, too_large};

/// A request header, if present and readable.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// Reads the whole body, refusing anything over [`MAX_BODY_BYTES`] as soon as it is known to be too big.
pub async fn read_body(req: &Request) -> Result<Vec<u8>, ApiError> {
    let unreadable = || ApiError::new(handoff_core::Reason::BadRequest, "the body could not be read");
    let declared = declared_length(header(req, "content-length").as_deref())?;
    if req.body().is_none() {
        return Ok(Vec::new());
    }
    if declared.is_some() {
        // A length within the cap: the runtime delivers exactly that many bytes, so one `arrayBuffer()` reads
        // them. (The streamed read below costs a reader, a closure per chunk and `releaseLock`: a tenth of the
        // worker's CPU on issue + redeem, by `cargo xtask bench edge --cpu-profile`.)
        let buffer = settled(&req.array_buffer().map_err(|_| unreadable())?)
            .await
            .map_err(|_| unreadable())?;
        let body = js_sys::Uint8Array::new(&buffer);
        return if body.length() as usize > MAX_BODY_BYTES {
            Err(too_large())
        } else {
            Ok(body.to_vec())
        };
    }
    // No length (a chunked body): streamed under the cap, through workers-rs' stream (its `Request` is made only
    // here, for this rare body). `Clone::clone` copies the handle; JS `clone()` would tee the body.
    let mut stream = worker::Request::from(Clone::clone(req))
        .stream()
        .map_err(|_| ApiError::internal())?;
    let mut body = Vec::with_capacity(512.min(MAX_BODY_BYTES));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if let Err(too_large) = append_chunk(&mut body, &chunk) {
            // Without a length the runtime cannot skip the unread rest of a chunked body: the connection
            // would break for the next request. Discard a bounded amount more, then answer regardless.
            let mut drained = 0usize;
            while drained < MAX_DRAIN_BYTES
                && let Some(Ok(chunk)) = stream.next().await
            {
                drained += chunk.len();
            }
            return Err(too_large);
        }
    }
    Ok(body)
}

/// What a workers-rs error says, for a log line: its message for the kinds the edge meets (a JS exception, a
/// runtime refusal, our own), a fixed text otherwise. (Its `Display` covers every kind, serde's included, and
/// brings their formatting code into the worker.)
pub fn error_text(error: &worker::Error) -> String {
    match error {
        worker::Error::JsError(text) | worker::Error::RustError(text) | worker::Error::BindingError(text) => {
            text.clone()
        }
        worker::Error::Internal(value) => crate::outgoing::js_text(value.clone()),
        _ => "a workers-rs error".to_owned(),
    }
}

/// Most bytes read and discarded after a chunked body exceeded the cap.
const MAX_DRAIN_BYTES: usize = 64 * 1024;

/// An answer on its way out: status, headers and a text body. The runtime's `Response` is made from it once, at the
/// end (`into_response`), with the body as a JS string: workers-rs' `Response` copies every body into a fresh
/// `Uint8Array` first (about 2 % of the worker's CPU by `cargo xtask bench edge --cpu-profile`).
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, set before `into_response`.
    pub headers: Headers,
    /// The body (JSON text), or none.
    pub body: Option<String>,
}

impl Answer {
    /// An answer with `status` and no body.
    pub fn empty(status: u16) -> Self {
        Answer {
            status,
            headers: Headers::new(),
            body: None,
        }
    }

    /// The runtime's `Response`. The runtime refuses only a status outside 200..=599, which this code never
    /// answers.
    pub fn into_response(self) -> Result<web_sys::Response, JsValue> {
        let init = web_sys::ResponseInit::new();
        init.set_status(self.status);
        init.set_headers_headers(&self.headers.0);
        web_sys::Response::new_with_opt_str_and_init(self.body.as_deref(), &init)
    }
}

/// A JSON answer with `status`. Answers are never cached: they carry tokens or per-request outcomes.
pub fn json<T: ToJson + ?Sized>(status: u16, value: &T) -> Answer {
    json_text(status, value.to_json())
}

/// A JSON answer with `status` whose body is already written.
pub fn json_text(status: u16, body: String) -> Answer {
    json_with(status, body, &[])
}

/// A JSON answer with extra headers.
fn json_with(status: u16, body: String, extra: &[(&str, &str)]) -> Answer {
    let headers = Headers::new();
    // Setting a well-formed header on a fresh Headers object cannot fail.
    let _ = headers.set("content-type", "application/json");
    let _ = headers.set("cache-control", "no-store");
    for (name, value) in extra {
        let _ = headers.set(name, value);
    }
    Answer {
        status,
        headers,
        body: Some(body),
    }
}

/// The JSON error answer for `error`.
pub fn error(error: &ApiError) -> Answer {
    let retry_after = error.retry_after.map(|s| s.to_string());
    let mut extra = Vec::new();
    if let Some(seconds) = &retry_after {
        extra.push(("retry-after", seconds.as_str()));
    }
    if let Some(allow) = error.allow {
        extra.push(("allow", allow));
    }
    if error.status() == 401 {
        extra.push(("www-authenticate", WWW_AUTHENTICATE));
    }
    json_with(error.status(), error.body().to_json(), &extra)
}

/// The challenge of every `401` (RFC 6750: each credential the edge takes is a bearer token).
const WWW_AUTHENTICATE: &str = "Bearer error=\"invalid_token\"";
