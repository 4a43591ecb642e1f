//! `POST /bench/verify` (only in builds with the `bench` feature, for local measurements): mints one token with the
//! configured key of the asked algorithm, then verifies it `n` times in this request with the full policy.
//! workerd's clock does not advance during pure computation, so the caller times the request from outside
//! (n = 1000 against n = 0).

use handoff_core::json::{self, FromObject, Mismatch, Object};
use handoff_core::{Algorithm, JTI_RANDOM_BYTES, KeySet, Reason, Verifier, mint_async};
use web_sys::Request;

use super::{Ctx, Reply, json_body};
use crate::error::ApiError;
use crate::webcrypto::{WebCrypto, random_bytes};

struct BenchRequest {
    alg: Algorithm,
    n: u32,
}

impl FromObject for BenchRequest {
    fn from_object(o: &Object) -> Result<Self, Mismatch> {
        o.only(&["alg", "n"])?;
        let wrong = |member: &str, expected| Mismatch {
            member: member.to_owned(),
            expected,
        };
        let alg = match o.req_str("alg")?.as_str() {
            "EdDSA" => Algorithm::EdDSA,
            "RS256" => Algorithm::RS256,
            _ => return Err(wrong("alg", "\"EdDSA\" or \"RS256\"")),
        };
        let n = u32::try_from(o.req_u64("n")?).map_err(|_| wrong("n", "a whole number below 2^32"))?;
        Ok(BenchRequest { alg, n })
    }
}

/// Runs the verify loop.
pub async fn handle(req: &Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let BenchRequest { alg, n } = json_body(req, false).await?;
    let config = ctx.config.clone();
    let not_configured = ApiError::new(
        Reason::BadRequest,
        "no signing key of that algorithm is configured",
    );
    let key = config
        .signing_keys
        .keys()
        .iter()
        .find(|k| k.algorithm() == alg && k.can_sign())
        .ok_or(not_configured)?;
    let keys = KeySet::new(config.signing_keys.keys().to_vec())
        .and_then(|k| k.with_signing_kid(key.kid()))
        .map_err(|_| ApiError::internal())?;
    let user = handoff_core::AccessClaims {
        sub: "bench-sub".into(),
        username: "bench".into(),
        client_id: config.mobile_client_ids[0].clone(),
        exp: 0,
    };
    let random = random_bytes::<JTI_RANDOM_BYTES>().map_err(|_| ApiError::internal())?;
    let claims = crate::minting::handoff_claims(&config, &user, ctx.now(), random, None);
    let token = mint_async(&claims, &keys, &WebCrypto)
        .await
        .map_err(|_| ApiError::internal())?;
    let mut ok = 0u32;
    for _ in 0..n.min(100_000) {
        if Verifier::new(&keys, &config.policy)
            .verify_async(&token, ctx.now(), &WebCrypto)
            .await
            .is_ok()
        {
            ok += 1;
        }
    }
    let mut body = String::new();
    let mut w = json::ObjectWriter::new(&mut body);
    w.u64("n", u64::from(n)).u64("ok", u64::from(ok));
    w.end();
    Ok(Reply::from(crate::http::json_text(200, body)))
}
