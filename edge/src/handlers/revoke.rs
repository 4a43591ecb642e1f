//! `POST /v1/revoke`: the signed-in user drops every live handoff token (e.g. on sign-out). No body, or `{}`.

use handoff_core::json::{FromObject, Mismatch, Object};
use handoff_core::wire::RevokeAnswer;
use web_sys::Request;

use super::{Ctx, Reply, access_token, json_body};
use crate::error::ApiError;

/// The revoke body: nothing (unknown fields are still refused).
struct RevokeRequest {}

impl FromObject for RevokeRequest {
    fn from_object(o: &Object) -> Result<Self, Mismatch> {
        o.only(&[])?;
        Ok(RevokeRequest {})
    }
}

/// Revokes the caller's live tokens.
pub async fn handle(req: &Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let user = access_token(req, ctx).await?;
    let RevokeRequest {} = json_body(req, true).await?;
    let revoked = ctx.ledger(&user.sub).revoke(ctx.now()).await?;
    Ok(Reply::json(200, &RevokeAnswer { revoked }))
}
