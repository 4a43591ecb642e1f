//! `POST /v1/bind`: the landing page asks, while InitiateAuth runs, for a context binding of its token
//! ([`crate::context`]). Cross-origin from the web app: a CORS "simple request" (`text/plain` body: the token),
//! so no preflight costs a round trip; the answer names the web origin in `Access-Control-Allow-Origin`.
//!
//! token verified (signature, claims: a binding is never minted for a token that could not redeem) -> the
//! browser's context (`CF-Connecting-IP`, ASN) -> compared with the issue context in the user's ledger, changing
//! nothing: a mismatch answers `403 wrong_context`, so the page can say "open this link on the device that asked
//! for it" and the link stays unspent -> `200 {binding, expires_in}`. The redeem compares again: the page's
//! answer here is a courtesy, never the defence.

use handoff_core::Reason;
use handoff_core::wire::BindAnswer;
use web_sys::Request;

use super::{Ctx, Reply, concerning, handoff_token, request_context};
use crate::context::{self, BINDING_TTL_SECS, BindingPolicy};
use crate::error::ApiError;
use crate::http;

/// Mints a binding for the token in the body.
pub async fn handle(req: &Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    if ctx.config.context_binding == BindingPolicy::Off {
        return Err(crate::request::not_found());
    }
    let content_type = http::header(req, "content-type").unwrap_or_default();
    if !content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/plain"))
    {
        return Err(ApiError::new(
            Reason::UnsupportedMediaType,
            "the body must be the token as text/plain",
        ));
    }
    let body = http::read_body(req).await?;
    // A body longer than a token may be is refused by the check below, `token_too_large` as at redeem.
    let token = std::str::from_utf8(&body)
        .map(str::trim)
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::new(Reason::Malformed, "the body is not a token"))?;
    concerning(token, bind(token, req, ctx).await)
}

/// The binding of the browser's context to `token`, once the token verifies and the context matches.
async fn bind(token: &str, req: &Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let config = &ctx.config;
    let verified = handoff_token(token, ctx)
        .await?
        .map_err(|reason| ApiError::new(reason, "the link is not valid"))?;
    let claims = verified.claims();
    let seen = request_context(req).ok_or_else(|| {
        ApiError::new(Reason::BadRequest, "the client address is unknown").detail("no CF-Connecting-IP")
    })?;
    let same = ctx
        .ledger(&claims.sub)
        .check_context(claims.jti.clone(), seen.clone(), config.context_binding)
        .await?;
    if same == Some(false) {
        return Err(ApiError::new(
            Reason::WrongContext,
            "open this link on the device that asked for it",
        ));
    }
    let (kid, key) = config.binding_keys.first().ok_or(ApiError::misconfigured())?;
    let answer = BindAnswer {
        binding: context::mint(key, kid, &claims.jti, &seen, ctx.now()),
        expires_in: BINDING_TTL_SECS,
    };
    Ok(Reply::json(200, &answer))
}
