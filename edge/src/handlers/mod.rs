//! Request handling: routing, configuration, one log line per request, and the route handlers (one module
//! each). Handlers return `Result<Response, ApiError>`; every error becomes a JSON answer here, so nothing
//! reaches workers-rs's default error page (which would echo error text).

#[cfg(feature = "bench")]
mod bench;
mod bind;
mod health;
mod issue;
mod jwks;
mod redeem;
mod revoke;

use std::cell::RefCell;
use std::rc::Rc;

use handoff_core::{AccessClaims, verify_access_token_async};
use worker::{Env, Request, Response};

use crate::cognito_jwks::pool_keys;
use crate::config::Config;
use crate::context::Context;
use crate::durable;
use crate::error::ApiError;
use crate::faults::{self, Faults};
use crate::http;
use crate::ledger::{LedgerRequest, LedgerResponse};
use crate::log::LogLine;
use crate::request::{self, Route};
use crate::webcrypto::WebCrypto;

/// Variables and secrets the configuration reads.
const CONFIG_NAMES: &[&str] = &[
    "ISSUER",
    "WEB_ORIGIN",
    "LANDING_PATH",
    "AUDIENCES",
    "MOBILE_CLIENT_IDS",
    "COGNITO_ISSUER",
    "COGNITO_JWKS_URL",
    "COGNITO_ENDPOINT",
    "REVOCATION_CHECK",
    "CONTEXT_BINDING",
    "REDIRECT_ALLOWLIST",
    "TOKEN_TTL_SECS",
    "RATE_ISSUES_PER_MINUTE",
    "RATE_MAX_LIVE_TOKENS",
    "SIGNING_JWKS",
    "REDEEM_SECRETS",
];

thread_local! {
    // The environment of an isolate does not change: parse it once. Failures are not cached, so a fixed
    // deployment recovers without a restart of the isolate.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

fn config(env: &Env) -> Result<Rc<Config>, String> {
    if let Some(config) = CONFIG.with_borrow(Clone::clone) {
        return Ok(config);
    }
    let lookup = |name: &str| {
        debug_assert!(CONFIG_NAMES.contains(&name));
        env.var(name).ok().map(|v| v.to_string())
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
    /// The clock, read once per request (Unix seconds).
    pub now: u64,
    /// This request's log line.
    pub log: &'a mut LogLine,
    /// Injected faults (test builds only; always none in production).
    pub faults: Faults,
}

impl Ctx<'_> {
    /// One call to the ledger of the user `sub`; a failed call is logged and answers `unavailable`.
    pub async fn ledger(&mut self, sub: &str, request: &LedgerRequest) -> Result<LedgerResponse, ApiError> {
        let answer = if self.faults.ledger {
            Err(worker::Error::RustError("injected fault: ledger".into()))
        } else {
            durable::call(self.env, sub, request).await
        };
        answer.map_err(|e| {
            self.log.detail = Some(format!("ledger: {e}"));
            ApiError::unavailable()
        })
    }
}

/// The context of the request's client: `CF-Connecting-IP` (the only client address Cloudflare vouches for;
/// a local test sets it itself) and the ASN from `request.cf`.
pub fn request_context(req: &Request) -> Option<Context> {
    let asn = req.cf().and_then(|cf| cf.asn());
    Context::from_request(http::header(req, "cf-connecting-ip").as_deref(), asn)
}

/// Handles one request; always answers.
pub async fn handle(mut req: Request, env: Env) -> Response {
    let started = worker::Date::now().as_millis();
    let mut log = LogLine::new("none");
    let mut response = match dispatch(&mut req, &env, &mut log, started / 1000).await {
        Ok(response) => response,
        Err(error) => {
            log.reason = Some(error.reason);
            http::error(&error)
        }
    };
    // The landing page reads /v1/bind's answers (errors included) cross-origin, from the web app's origin only.
    if matches!(log.route, "bind" | "bind_preflight")
        && let Some(config) = CONFIG.with_borrow(Clone::clone)
    {
        let headers = response.headers_mut();
        let _ = headers.set("access-control-allow-origin", &config.web_origin);
        let _ = headers.set("vary", "Origin");
        let _ = headers.set("access-control-allow-methods", "POST");
        let _ = headers.set("access-control-allow-headers", "content-type");
        let _ = headers.set("access-control-max-age", "600");
    }
    log.status = response.status_code();
    log.ms = worker::Date::now().as_millis().saturating_sub(started);
    worker::console_log!("{}", log.to_json());
    response
}

async fn dispatch(req: &mut Request, env: &Env, log: &mut LogLine, now: u64) -> Result<Response, ApiError> {
    let route = request::route(req.method().as_ref(), &req.path())?;
    log.route = route.name();
    let config = config(env).map_err(|detail| {
        log.detail = Some(detail);
        ApiError::misconfigured()
    })?;
    let faults = Faults::from_header(http::header(req, faults::HEADER).as_deref());
    let mut ctx = Ctx {
        env,
        config,
        now,
        faults,
        log,
    };
    match route {
        Route::Issue => issue::handle(req, &mut ctx).await,
        Route::Redeem => redeem::handle(req, &mut ctx).await,
        Route::Revoke => revoke::handle(req, &mut ctx).await,
        Route::Jwks => Ok(jwks::handle(&ctx)),
        Route::Health => Ok(health::handle()),
        Route::Bind => bind::handle(req, &mut ctx).await,
        Route::BindPreflight => Response::empty()
            .map(|r| r.with_status(204))
            .map_err(|_| ApiError::internal()),
        #[cfg(feature = "bench")]
        Route::BenchVerify => bench::handle(req, &mut ctx).await,
    }
}

/// Verifies the request's `Authorization: Bearer <Cognito access token>`. On an unknown `kid` the pool's key
/// set is refetched (at most once a minute) and the token checked once more.
pub async fn access_token(req: &Request, ctx: &mut Ctx<'_>) -> Result<AccessClaims, ApiError> {
    let header = http::header(req, "authorization");
    let token = request::bearer(header.as_deref())?;
    let (config, now) = (ctx.config.clone(), ctx.now);
    let url = &config.cognito_jwks_url;
    let unavailable = |log: &mut LogLine, detail: String| {
        log.detail = Some(detail);
        ApiError::unavailable()
    };
    let keys = pool_keys(url, now, false)
        .await
        .map_err(|d| unavailable(ctx.log, d))?;
    let mut result = verify_access_token_async(token, &keys, &config.access_policy, now, &WebCrypto).await;
    if matches!(result, Err(handoff_core::AccessTokenError::UnknownKey)) {
        let fresh = pool_keys(url, now, true)
            .await
            .map_err(|d| unavailable(ctx.log, d))?;
        if !Rc::ptr_eq(&fresh, &keys) {
            result = verify_access_token_async(token, &fresh, &config.access_policy, now, &WebCrypto).await;
        }
    }
    result.map_err(|e| {
        ctx.log.detail = Some(e.to_string());
        ApiError::access_token(&e)
    })
}

/// Reads a JSON body under the cap, after checking its content type; an empty body is `{}` if `empty_ok`.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    req: &mut Request,
    empty_ok: bool,
) -> Result<T, ApiError> {
    let content_type = http::header(req, "content-type");
    let body = http::read_body(req).await?;
    let empty = body.iter().all(u8::is_ascii_whitespace);
    if !(empty_ok && empty && content_type.is_none()) {
        request::json_content_type(content_type.as_deref())?;
    }
    request::json_body(&body, empty_ok)
}
