//! Request handling: routing, configuration, one log line per request, and the route handlers (one module
//! each). Handlers return `Result<Reply, ApiError>`; both carry what the log line says about them, and every
//! error becomes a JSON answer here, so nothing reaches workers-rs's default error page (which would echo
//! error text).

#[cfg(feature = "bench")]
mod bench;
mod bind;
mod health;
mod issue;
mod jwks;
mod redeem;
mod revoke;

use handoff_core::json::{FromObject, ToJson};
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;

use handoff_core::{AccessClaims, Reason, Verified, Verifier, verify_access_token_async};
use wasm_bindgen::JsValue;
use web_sys::Request;
use worker::Env;
use worker::worker_sys::ext::RequestExt;

use crate::clock::now_ms;
use crate::cognito_jwks::pool_keys;
use crate::config::{Config, Kind, Setting};
use crate::context::Context;
use crate::durable::LedgerStub;
use crate::error::ApiError;
use crate::faults::{self, Faults};
use crate::http::{self, Answer};
use crate::log::{LogLine, Note};
use crate::outgoing;
use crate::request::{self, Route};
use crate::webcrypto::WebCrypto;

thread_local! {
    // The environment of an isolate does not change: parse it once. Failures are not cached, so a fixed
    // deployment recovers without a restart of the isolate.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

fn config(env: &Env) -> Result<Rc<Config>, String> {
    if let Some(config) = CONFIG.with_borrow(Clone::clone) {
        return Ok(config);
    }
    let lookup = |setting: Setting| {
        let value = match setting.kind {
            Kind::Var => env.var(setting.name),
            Kind::Secret => env.secret(setting.name),
        };
        value.ok().map(|v| v.to_string())
    };
    let config = Rc::new(Config::from_lookup(lookup).map_err(|e| e.to_string())?);
    CONFIG.with_borrow_mut(|c| *c = Some(config.clone()));
    Ok(config)
}

/// What every handler gets.
pub struct Ctx<'a> {
    /// The worker's bindings.
    pub env: &'a Env,
    /// The checked configuration.
    pub config: Rc<Config>,
    /// Injected faults (test builds only; always none in production).
    pub faults: Faults,
    /// The request's execution context: work that may finish after the answer.
    pub background: &'a worker::Context,
    /// The clock, read once per request: when it arrived (Unix milliseconds).
    pub started: u64,
}

impl Ctx<'_> {
    /// The request's time in Unix seconds (the clock is read once per request).
    pub fn now(&self) -> u64 {
        self.started / 1000
    }

    /// The ledger of the user `sub`.
    pub fn ledger<'a>(&'a self, sub: &'a str) -> LedgerStub<'a> {
        LedgerStub::new(self.env, sub, self.faults.ledger)
    }

    /// Lets `work`, already started, finish after the answer (`route` answering `status`). If it fails, a log line
    /// of its own says so: `what: <error> (after the answer)`, about `token` (by fingerprint).
    pub fn after_answer(
        &self,
        route: &'static str,
        status: u16,
        work: &Promise,
        what: &'static str,
        token: &str,
    ) {
        let token_fp = handoff_core::fingerprint(token);
        let started = self.started;
        let line = move |detail: String| {
            let note = Note {
                token_fp: Some(token_fp),
                detail: Some(detail),
            };
            let ms = now_ms().saturating_sub(started);
            LogLine::new(route, status, None, note, ms)
        };
        let unwatched = line.clone();
        let waited = outgoing::in_background(self.background, work, move |error| {
            log(&line(format!("{what}: {error} (after the answer)")));
        });
        if let Err(error) = waited {
            log(&unwatched(format!("{what}: not waited for: {error}")));
        }
    }
}

/// A handler's answer, with what its log line says beyond route and status.
pub struct Reply {
    /// The answer.
    pub response: Answer,
    /// The reason of a refusal answered with a success status (a refused redeem).
    pub refused: Option<Reason>,
    /// The token concerned and a detail for operators.
    pub note: Note,
}

impl Reply {
    /// A JSON answer with nothing more to log.
    pub fn json<T: ToJson + ?Sized>(status: u16, value: &T) -> Self {
        Reply::from(http::json(status, value))
    }

    /// The same answer, concerning `token` (its fingerprint goes to the log line).
    pub fn token(mut self, token: &str) -> Self {
        self.note.token(token);
        self
    }
}

impl From<Answer> for Reply {
    fn from(response: Answer) -> Self {
        Reply {
            response,
            refused: None,
            note: Note::none(),
        }
    }
}

/// Marks either outcome of a handler as concerning `token`.
pub fn concerning(token: &str, outcome: Result<Reply, ApiError>) -> Result<Reply, ApiError> {
    outcome
        .map(|reply| reply.token(token))
        .map_err(|error| error.token(token))
}

/// The context of the request's client: `CF-Connecting-IP` (the only client address Cloudflare vouches for;
/// a local test sets it itself) and the ASN from `request.cf`.
pub fn request_context(req: &Request) -> Option<Context> {
    let asn = req.cf().and_then(|cf| cf.asn().ok().flatten());
    Context::from_request(http::header(req, "cf-connecting-ip").as_deref(), asn)
}

/// Handles one request; always answers (`Err` only if the runtime refused to make the `Response`, see
/// [`Answer::into_response`]).
pub async fn handle(
    req: Request,
    env: Env,
    background: worker::Context,
) -> Result<web_sys::Response, JsValue> {
    let started = now_ms();
    let method = req.method();
    let head = method == "HEAD";
    let (route, outcome) = match request::route(&method, request::path_of(&req.url())) {
        Ok(route) => (
            route.name(),
            dispatch(route, &req, &env, &background, started).await,
        ),
        Err(error) => ("none", Err(error)),
    };
    let (mut response, reason, note) = match outcome {
        Ok(reply) => (reply.response, reply.refused, reply.note),
        Err(error) => (http::error(&error), Some(error.reason), error.note),
    };
    // The landing page reads /v1/bind's answers (errors included) cross-origin, from the web app's origin only.
    if matches!(route, "bind" | "bind_preflight")
        && let Some(config) = CONFIG.with_borrow(Clone::clone)
    {
        let headers = &response.headers;
        let _ = headers.set("access-control-allow-origin", &config.web_origin);
        let _ = headers.set("vary", "Origin");
        let _ = headers.set("access-control-allow-methods", "POST");
        let _ = headers.set("access-control-allow-headers", "content-type");
        let _ = headers.set("access-control-max-age", "600");
    }
    if head {
        response.body = None;
    }
    let ms = now_ms().saturating_sub(started);
    log(&LogLine::new(route, response.status, reason, note, ms));
    response.into_response()
}

/// Writes a log line as it is, without `console_log!`'s formatting pass.
fn log(line: &LogLine) {
    web_sys::console::log_1(&JsValue::from_str(&line.to_json()));
}

async fn dispatch(
    route: Route,
    req: &Request,
    env: &Env,
    background: &worker::Context,
    started: u64,
) -> Result<Reply, ApiError> {
    let config = config(env).map_err(|detail| ApiError::misconfigured().detail(detail))?;
    let faults = Faults::from_header(|| http::header(req, faults::HEADER));
    let ctx = Ctx {
        env,
        config,
        faults,
        background,
        started,
    };
    match route {
        Route::Issue => issue::handle(req, &ctx).await,
        Route::Redeem => redeem::handle(req, &ctx).await,
        Route::Revoke => revoke::handle(req, &ctx).await,
        Route::Jwks => Ok(jwks::handle(&ctx).into()),
        Route::Health => Ok(health::handle().into()),
        Route::Bind => bind::handle(req, &ctx).await,
        Route::BindPreflight => Ok(Answer::empty(204).into()),
        #[cfg(feature = "bench")]
        Route::BenchVerify => bench::handle(req, &ctx).await,
    }
}

/// Verifies the request's `Authorization: Bearer <Cognito access token>`. On an unknown `kid` the pool's key
/// set is refetched (at most once a minute) and the token checked once more.
pub async fn access_token(req: &Request, ctx: &Ctx<'_>) -> Result<AccessClaims, ApiError> {
    let header = http::header(req, "authorization");
    let token = request::bearer(header.as_deref())?;
    let (config, now) = (&ctx.config, ctx.now());
    let keys = |refresh| async move {
        pool_keys(&config.cognito_jwks_url, now, refresh)
            .await
            .map_err(|detail| ApiError::unavailable().detail(detail))
    };
    let cached = keys(false).await?;
    let mut result = verify_access_token_async(token, &cached, &config.access_policy, now, &WebCrypto).await;
    if result
        .as_ref()
        .is_err_and(|e| *e.kind() == handoff_core::ErrorKind::UnknownKey)
    {
        let fresh = keys(true).await?;
        if !Rc::ptr_eq(&fresh, &cached) {
            result = verify_access_token_async(token, &fresh, &config.access_policy, now, &WebCrypto).await;
        }
    }
    result.map_err(|e| ApiError::access_token(&e))
}

/// Verifies a handoff token with the configured keys and policy: `Ok(Err(reason))` refuses the token,
/// `Err` is the service's own failure (configuration, runtime).
pub async fn handoff_token(token: &str, ctx: &Ctx<'_>) -> Result<Result<Verified, Reason>, ApiError> {
    let config = &ctx.config;
    match Verifier::new(&config.signing_keys, &config.policy)
        .verify_async(token, ctx.now(), &WebCrypto)
        .await
    {
        Ok(verified) => Ok(Ok(verified)),
        Err(e) => match e.reason() {
            Reason::Misconfigured => Err(ApiError::misconfigured().detail(e.to_string())),
            Reason::Internal => Err(ApiError::internal().detail(e.to_string())),
            reason => Ok(Err(reason)),
        },
    }
}

/// Reads a JSON body under the cap, after checking its content type; an empty body is `{}` if `empty_ok`.
pub async fn json_body<T: FromObject>(req: &Request, empty_ok: bool) -> Result<T, ApiError> {
    let content_type = http::header(req, "content-type");
    let body = http::read_body(req).await?;
    let empty = body.iter().all(u8::is_ascii_whitespace);
    if !(empty_ok && empty && content_type.is_none()) {
        request::json_content_type(content_type.as_deref())?;
    }
    request::json_body(&body, empty_ok)
}
