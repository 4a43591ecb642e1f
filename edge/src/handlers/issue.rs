//! `POST /v1/handoffs`: a signed-in mobile user asks for a handoff token.
//! Access token -> body `{"redirect"?}` -> redirect allowlist -> sign with the active key -> ledger record (rate
//! limits) -> `201 {token, url, expires_in}`.
//!
//! Signing comes before the ledger record, so an issue that fails (a key the runtime refuses, no randomness)
//! leaves no trace: nothing counts against the user's limits. A token signed for a refused issue is dropped
//! unseen, and could never redeem anyway: redeem needs its `jti` in the ledger.

use handoff_core::wire::{IssueAnswer, IssueRequest};
use handoff_core::{JTI_RANDOM_BYTES, Reason, check_redirect, mint_async};
use web_sys::Request;

use super::{Ctx, Reply, access_token, json_body};
use crate::context::BindingPolicy;
use crate::error::ApiError;
use crate::http;
use crate::minting::{handoff_claims, landing_url};
use crate::revocation::{self, Verdict};
use crate::webcrypto::{WebCrypto, random_bytes};

/// Refuses an access token Cognito says was revoked (signed out): it verifies locally until it expires, but
/// must not buy a new session. See [`crate::revocation`].
async fn still_current(req: &Request, ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let Some(endpoint) = &ctx.config.revocation_endpoint else {
        return Ok(());
    };
    let header = http::header(req, "authorization");
    let token = crate::request::bearer(header.as_deref())?;
    match revocation::check(endpoint, token, ctx.now()).await {
        Verdict::Current => Ok(()),
        Verdict::Revoked => Err(ApiError::new(
            Reason::AccessTokenRevoked,
            "the access token was revoked (signed out); sign in again",
        )),
        Verdict::Unknown(detail) => Err(ApiError::unavailable().detail(detail)),
    }
}

/// Issues a token.
pub async fn handle(req: &Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let user = access_token(req, ctx).await?;
    still_current(req, ctx).await?;
    let body: IssueRequest = json_body(req, true).await?;
    let config = ctx.config.clone();
    let redirect = match body.redirect {
        None => None,
        Some(target) => match check_redirect(&target, &config.redirect_allowlist) {
            Ok(_) => Some(target),
            Err(e) => {
                let refused = ApiError::new(Reason::BadRedirect, "the redirect target is not allowed");
                return Err(refused.detail(e.to_string()));
            }
        },
    };
    let random =
        random_bytes::<JTI_RANDOM_BYTES>().map_err(|e| ApiError::internal().detail(e.to_string()))?;
    let claims = handoff_claims(&config, &user, ctx.now(), random, redirect);

    let signed = if ctx.faults.sign {
        Err("injected fault: sign".to_owned())
    } else {
        mint_async(&claims, &config.signing_keys, &WebCrypto)
            .await
            .map_err(|e| e.to_string())
    };
    let token = signed.map_err(|detail| ApiError::internal().detail(detail))?;

    // Where the link is asked for: a link signs in only from there (context binding, see crate::context).
    let context = match config.context_binding {
        BindingPolicy::Off => None,
        _ => super::request_context(req),
    };
    ctx.ledger(&user.sub)
        .issue(claims.jti, claims.exp, ctx.now(), config.limits, context)
        .await?;
    let answer = IssueAnswer {
        url: landing_url(&config, &token),
        token,
        expires_in: config.token_ttl,
    };
    Ok(Reply::json(201, &answer).token(&answer.token))
}
