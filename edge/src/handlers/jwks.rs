//! `GET /.well-known/jwks.json`: the public half of every configured key (active and older ones).

use super::Ctx;
use crate::http::{self, Answer};

/// `200` with the public JWK Set.
pub fn handle(ctx: &Ctx<'_>) -> Answer {
    http::json_text(200, ctx.config.signing_keys.jwks_json(false))
}
