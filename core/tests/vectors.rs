//! Golden vectors: every token case in `tests/fixtures/tokens.json` gets exactly its expected reason, through
//! both the sync and the async API. Runs natively and on wasm32 (`wasm-bindgen-test` under node).

mod support;

use handoff_core::{Blocking, KeySet, Policy, RustCrypto, Verifier};
use serde_json::Value;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const CORPUS: &str = include_str!("../../tests/fixtures/tokens.json");
const PUBLIC_JWKS: &str = include_str!("../../tests/fixtures/keys/test-only.public.jwks.json");
const PRIVATE_JWKS: &str = include_str!("../../tests/fixtures/keys/test-only.private.jwks.json");

fn corpus() -> Value {
    serde_json::from_str(CORPUS).unwrap()
}

fn policy() -> Policy {
    let p = &corpus()["policy"];
    let mut policy = Policy::new(
        p["issuer"].as_str().unwrap(),
        p["audiences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string()),
    );
    policy.max_ttl = p["max_ttl"].as_u64().unwrap();
    policy.leeway = p["leeway"].as_u64().unwrap();
    policy
}

/// The verification keys: public halves only, as the edge holds for old keys.
fn keys() -> KeySet {
    KeySet::from_jwks(PUBLIC_JWKS).unwrap()
}

fn outcome<T>(result: Result<T, handoff_core::Error>) -> String {
    match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.reason().as_str().to_string(),
    }
}

/// Verifies the named case both ways and asserts the exact expected outcome.
fn check(name: &str) {
    let corpus = corpus();
    let case = corpus["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no golden case {name:?}"));
    let token = case["token"].as_str().unwrap();
    let expect = case["expect"].as_str().unwrap();
    let now = corpus["now"].as_u64().unwrap();
    let (keys, policy) = (keys(), policy());
    let sync = outcome(Verifier::new(&keys, &policy).verify(token, now, &RustCrypto));
    assert_eq!(sync, expect, "case {name} (sync)");
    let asynchronous = outcome(block_on(Verifier::new(&keys, &policy).verify_async(
        token,
        now,
        &Blocking(RustCrypto),
    )));
    assert_eq!(asynchronous, expect, "case {name} (async)");
}

/// A minimal executor: the futures here never wait on anything external.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { check(stringify!($name)); })*
        /// Every case in the file has a test of its own above, and every test has a case.
        const NAMED: &[&str] = &[$(stringify!($name)),*];
    };
}

golden!(
    valid_eddsa,
    valid_rs256,
    valid_with_redirect,
    valid_expiring_within_leeway,
    alg_none,
    alg_none_uppercase,
    hs256_rsa_public_pem_as_secret,
    hs256_ed25519_public_bytes_as_secret,
    rs256_token_for_ed25519_kid,
    eddsa_token_for_rsa_kid,
    alg_missing,
    unknown_kid,
    missing_kid,
    jku_header,
    x5u_header,
    jwk_header,
    x5c_header,
    crit_header,
    stripped_signature,
    truncated_signature_eddsa,
    truncated_signature_rs256,
    flipped_bit_payload_eddsa,
    flipped_bit_payload_rs256,
    flipped_bit_signature_eddsa,
    flipped_bit_signature_rs256,
    signed_by_attacker_with_our_kid,
    cognito_id_token_shape,
    cognito_access_token_shape,
    typ_jwt,
    typ_at_jwt,
    wrong_issuer,
    wrong_audience,
    audience_array,
    expired,
    expired_at_leeway_edge,
    nbf_in_future,
    iat_in_future,
    lifetime_above_policy_max,
    lifetime_above_hard_max,
    exp_before_iat,
    jti_too_short,
    empty_username,
    exp_as_string,
    exp_negative,
    missing_jti,
    missing_sub,
    missing_username,
    missing_exp,
    missing_aud,
    missing_iss,
    missing_iat,
    missing_azp,
    token_over_4kib,
    bad_base64url_header,
    bad_base64url_header_padding,
    bad_base64url_payload,
    bad_base64url_signature,
    standard_base64_signature,
    bad_json_header,
    header_not_object,
    bad_json_payload,
    payload_not_object,
    duplicate_claim,
    duplicate_header_member,
    extra_dots,
    extra_dot_inside,
    two_parts,
    empty,
);

#[test]
fn every_golden_case_has_a_test() {
    let corpus = corpus();
    let names: Vec<&str> = corpus["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in &names {
        assert!(NAMED.contains(name), "golden case {name} has no test");
    }
    assert_eq!(names.len(), NAMED.len());
}

#[test]
fn committed_vectors_match_the_generator() {
    // Ed25519 and RSASSA-PKCS1-v1_5 signatures are deterministic, so regeneration is byte-identical.
    assert_eq!(
        CORPUS,
        support::pretty(&support::corpus_json()),
        "run the gen-fixtures example"
    );
    assert_eq!(PUBLIC_JWKS, support::pretty(&support::public_jwks_json()));
    assert_eq!(PRIVATE_JWKS, support::pretty(&support::private_jwks_json()));
}

#[test]
fn valid_token_claims_are_the_minted_ones() {
    let corpus = corpus();
    let case = corpus["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "valid_with_redirect")
        .unwrap();
    let verified = Verifier::new(&keys(), &policy())
        .verify(case["token"].as_str().unwrap(), support::NOW, &RustCrypto)
        .unwrap();
    assert_eq!(verified.kid(), support::ED_KID);
    assert_eq!(verified.claims().username, "alice");
    assert_eq!(verified.claims().redirect.as_deref(), Some("/orders/42"));
}

#[test]
fn a_key_set_without_the_signing_kid_rejects_its_tokens() {
    // Rotation: once the old key is removed, its tokens answer unknown_key.
    let corpus = corpus();
    let token = corpus["cases"][0]["token"].as_str().unwrap();
    let only_rsa = KeySet::from_jwks(PRIVATE_JWKS).unwrap();
    let only_rsa = KeySet::new(
        only_rsa
            .keys()
            .iter()
            .filter(|k| k.kid() == support::RSA_KID)
            .cloned()
            .collect(),
    )
    .unwrap();
    let err = Verifier::new(&only_rsa, &policy())
        .verify(token, support::NOW, &RustCrypto)
        .unwrap_err();
    assert_eq!(err.reason().as_str(), "unknown_key");
}
