//! `POST /v1/redeem`: the Verify trigger asks whether a sign-in may use a token, and burns it.
//!
//! Order: redeem secret (constant time) -> body -> KV fast reject -> full verification (WebCrypto) -> the
//! redeemer must be the token's user -> atomic burn in the user's Durable Object (the source of truth) ->
//! answer, while the KV burn record is written (`waitUntil`: the answer does not wait for KV's write). Refusals
//! of the token answer `200 {"ok": false, "reason"}`; request errors answer 4xx.
//!
//! The KV check runs before verification to spare a signature check on replays, so it needs the `jti` before
//! the token is verified: it is read unverified ([`unverified_jti`]) and used only as a lookup key. The record
//! holds the digest of the nonce that burned the token; a different nonce is refused as `replayed`, the same
//! nonce goes on to full verification and the ledger. A forged token can at worst learn that a `jti` is burned
//! (the attacker sent that `jti`), never pass.

use handoff_core::wire::{RedeemAnswer, RedeemRequest};
use handoff_core::{Claims, MAX_CLAIM_LEN, Reason};
use js_sys::Promise;
use wasm_bindgen::JsValue;
use web_sys::Request;

use crate::kv::Kv;

use super::{Ctx, Reply, concerning, handoff_token, json_body};
use crate::context::{self, BindingPolicy};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::http;
use crate::ledger::{RETAIN_SECS, RedeemOutcome, Seen, nonce_digest};
use crate::request::{bearer, unverified_jti};
use crate::secret::matches_any;

/// The KV namespace of burn records.
const BURNS: &str = "BURNS";
/// KV's smallest accepted expiration TTL.
const KV_MIN_TTL_SECS: u64 = 60;
/// Longest accepted nonce, in bytes.
const MAX_NONCE_LEN: usize = 512;

fn burn_key(jti: &str) -> String {
    format!("burned:{jti}")
}

/// Redeems a token.
pub async fn handle(req: &Request, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let header = http::header(req, "authorization");
    let presented = bearer(header.as_deref())?;
    if !matches_any(presented, ctx.config.redeem_secrets()) {
        return Err(ApiError::new(Reason::Unauthorized, "the redeem secret is wrong"));
    }
    let body: RedeemRequest = json_body(req, false).await?;
    concerning(&body.token, redeem(&body, ctx).await)
}

/// The verdict on a redeem (`200 {"ok": true}` or a refusal), or a request or service error.
async fn redeem(body: &RedeemRequest, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = [&body.sub, &body.username, &body.client_id];
    if body.nonce.is_empty()
        || body.nonce.len() > MAX_NONCE_LEN
        || fields.iter().any(|f| f.is_empty() || f.len() > MAX_CLAIM_LEN)
    {
        return Err(ApiError::new(
            Reason::BadRequest,
            "a field of the body is empty or too long",
        ));
    }
    let nonce = nonce_digest(&body.nonce);
    let kv = Kv::new(ctx.env, BURNS);
    // A KV failure decides nothing (KV is only a shortcut: the ledger decides); it is only logged.
    let mut detail = None;
    if let (Some(kv), Some(jti)) = (&kv, unverified_jti(&body.token)) {
        match burned_by(kv, &jti, ctx.faults).await {
            Ok(Some(burned_by)) if burned_by != nonce => return Ok(verdict(Err(Reason::Replayed), None)),
            Ok(_) => {}
            Err(e) => detail = Some(format!("KV read: {e}")),
        }
    }
    let (claims, seen) = match check(body, ctx).await? {
        Ok(checked) => checked,
        Err(reason) => return Ok(verdict(Err(reason), detail)),
    };
    let outcome = ctx
        .ledger(&claims.sub)
        .redeem(claims.jti.clone(), nonce.clone(), ctx.now(), seen)
        .await?;
    // The burn record is written after the burn, and the answer does not wait for it: the ledger has decided.
    if outcome == RedeemOutcome::Burned
        && let Some(kv) = kv
    {
        match record_burn(&kv, &claims, &nonce, ctx) {
            Ok(write) => ctx.after_answer("redeem", 200, &write, "KV write", &body.token),
            Err(e) => detail = Some(format!("KV write: {e}")),
        }
    }
    Ok(verdict(outcome.result(), detail))
}

/// `200` with the verdict; a refusal's reason and `detail` go to the log line.
fn verdict(result: Result<(), Reason>, detail: Option<String>) -> Reply {
    let answer = match result {
        Ok(()) => RedeemAnswer::OK,
        Err(reason) => RedeemAnswer::refused(reason),
    };
    let mut reply = Reply::json(200, &answer);
    reply.refused = result.err();
    reply.note.detail = detail;
    reply
}

/// The token verified for this redeemer, and the browser's context to compare with the issue context; `Err`
/// inside is a refusal of the token.
async fn check(body: &RedeemRequest, ctx: &Ctx<'_>) -> Result<Result<(Claims, Seen), Reason>, ApiError> {
    let config = &ctx.config;
    let verified = match handoff_token(&body.token, ctx).await? {
        Ok(verified) => verified,
        Err(reason) => return Ok(Err(reason)),
    };
    if let Err(e) = verified.check_redeemer(&body.sub, &body.username, &body.client_id) {
        return Ok(Err(e.reason()));
    }
    let claims = verified.into_claims();
    // The browser's context, from the binding the page got at /v1/bind (forwarded by the trigger).
    let seen = match (config.context_binding, &body.binding) {
        (BindingPolicy::Off, _) => Seen::NotRequired,
        (_, None) => Seen::Missing,
        (policy, Some(binding)) => {
            let kid = context::binding_kid(binding);
            let key = kid.and_then(|kid| {
                config
                    .binding_keys
                    .iter()
                    .find(|(k, _)| *k == kid)
                    .map(|(_, key)| key)
            });
            match context::open(binding, key, &claims.jti, ctx.now()) {
                Ok(browser) => Seen::Context(browser, policy),
                Err(reason) => return Ok(Err(reason)),
            }
        }
    };
    Ok(Ok((claims, seen)))
}

/// The nonce digest that burned `jti`, from its KV burn record.
async fn burned_by(kv: &Kv, jti: &str, faults: Faults) -> Result<Option<String>, String> {
    if faults.kv_read {
        return Err("injected fault: kv-read".to_owned());
    }
    kv.get_text(&burn_key(jti)).await
}

/// Starts writing the burn record (the audit record and fast reject, kept as long as the ledger keeps the entry);
/// the write's promise. An injected fault is a write that fails, as KV's would: after the answer.
fn record_burn(kv: &Kv, claims: &Claims, nonce: &str, ctx: &Ctx<'_>) -> Result<Promise, String> {
    if ctx.faults.kv_write {
        return Ok(Promise::reject(&JsValue::from_str("injected fault: kv-write")));
    }
    let ttl = claims
        .exp
        .saturating_add(RETAIN_SECS)
        .saturating_sub(ctx.now())
        .max(KV_MIN_TTL_SECS);
    kv.put_text(&burn_key(&claims.jti), nonce, ttl)
}
