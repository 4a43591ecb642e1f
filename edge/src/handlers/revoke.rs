//! `POST /v1/revoke`: the signed-in user drops every live handoff token (e.g. on sign-out). No body, or `{}`.

use handoff_core::wire::RevokeAnswer;
use worker::Request;

use super::{Ctx, Reply, access_token, json_body};
use crate::error::ApiError;
use crate::ledger::{LedgerRequest, LedgerResponse};

/// The revoke body: nothing (unknown fields are still refused).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {}

/// Revokes the caller's live tokens.
pub async fn handle(req: &mut Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let user = access_token(req, ctx).await?;
    let RevokeRequest {} = json_body(req, true).await?;
    match ctx
        .ledger(&user.sub, &LedgerRequest::Revoke { now: ctx.now })
        .await?
    {
        LedgerResponse::Revoked { count } => Ok(Reply::json(200, &RevokeAnswer { revoked: count })),
        other => Err(ApiError::internal().detail(format!("ledger answered {other:?} to a revoke"))),
    }
}
