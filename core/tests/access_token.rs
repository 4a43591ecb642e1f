//! Cognito access-token verification: tokens are signed here, at test time, with the TEST-ONLY RSA key.

use handoff_core::base64url::encode as b64;
use handoff_core::{
    AccessPolicy, BackendError, Blocking, ErrorKind, Key, KeySet, Reason, RustCrypto, SignatureBackend,
    verify_access_token_async,
};
use serde_json::{Value, json};
use wasm_bindgen_test::wasm_bindgen_test;

const RSA_PEM: &str = include_str!("../../tests/fixtures/keys/test-only-rsa.pem");
const KID: &str = "pool-key-1";
const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST";
const MOBILE: &str = "mobile-client-test";
const NOW: u64 = 1_767_225_600;

fn signing_key() -> Key {
    Key::from_pem(RSA_PEM, KID).expect("rsa test key")
}

/// The pool's public key set, as the edge gets it from the pool's JWKS URL.
fn pool_keys() -> KeySet {
    KeySet::new(vec![signing_key().to_public()]).unwrap()
}

fn policy() -> AccessPolicy {
    AccessPolicy::new(ISSUER, [MOBILE, "another-mobile-client"])
}

/// Claims shaped like a real Cognito access token.
fn access_claims() -> Value {
    json!({
        "sub": "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60",
        "cognito:groups": ["beta"],
        "iss": ISSUER,
        "version": 2,
        "client_id": MOBILE,
        "origin_jti": "0e3f6c1a-3c5d-4d0b-9a57-2f3c4d5e6f70",
        "event_id": "5b6c7d8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 100,
        "exp": NOW + 3500,
        "iat": NOW - 100,
        "jti": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
        "username": "alice",
    })
}

fn sign_with(header: &Value, claims: &Value, key: &Key) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = RustCrypto.sign(key, input.as_bytes()).expect("sign");
    format!("{input}.{}", b64(signature))
}

fn sign(claims: &Value) -> String {
    sign_with(&json!({"kid": KID, "alg": "RS256"}), claims, &signing_key())
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

/// The verdict, by kind (the edge answers every one about the token with `invalid_access_token`).
fn check(token: &str) -> Result<handoff_core::AccessClaims, ErrorKind> {
    block_on(verify_access_token_async(
        token,
        &pool_keys(),
        &policy(),
        NOW,
        &Blocking(RustCrypto),
    ))
    .map_err(|e| e.kind().clone())
}

#[test]
#[wasm_bindgen_test]
fn a_cognito_access_token_passes_with_its_user() {
    let claims = check(&sign(&access_claims())).expect("valid");
    assert_eq!(claims.sub, "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60");
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.client_id, MOBILE);
    assert_eq!(claims.exp, NOW + 3500);
}

#[test]
#[wasm_bindgen_test]
fn expired_tokens_fail_beyond_the_leeway_only() {
    assert_eq!(
        check(&sign(&with(access_claims(), "exp", json!(NOW - 10)))),
        Err(ErrorKind::Expired)
    );
    assert_eq!(
        check(&sign(&with(access_claims(), "exp", json!(NOW - 2)))),
        Err(ErrorKind::Expired)
    );
    assert!(
        check(&sign(&with(access_claims(), "exp", json!(NOW - 1)))).is_ok(),
        "within 2 s leeway"
    );
}

#[test]
#[wasm_bindgen_test]
fn tokens_from_the_future_fail() {
    let future = with(access_claims(), "iat", json!(NOW + 60));
    assert_eq!(check(&sign(&future)), Err(ErrorKind::NotYetValid));
}

#[test]
#[wasm_bindgen_test]
fn another_client_fails() {
    let web = with(access_claims(), "client_id", json!("web-client-test"));
    assert_eq!(check(&sign(&web)), Err(ErrorKind::WrongClient));
    assert_eq!(
        check(&sign(&without(access_claims(), "client_id"))),
        Err(ErrorKind::MissingClaim("client_id"))
    );
}

#[test]
#[wasm_bindgen_test]
fn an_id_token_is_not_an_access_token() {
    // A real id token: token_use "id", `aud` instead of `client_id`, profile claims.
    let mut id = without(access_claims(), "client_id");
    id["token_use"] = json!("id");
    id["aud"] = json!(MOBILE);
    id["cognito:username"] = json!("alice");
    id["email"] = json!("alice@example.com");
    assert_eq!(check(&sign(&id)), Err(ErrorKind::NotAccessToken));
    assert_eq!(
        check(&sign(&without(access_claims(), "token_use"))),
        Err(ErrorKind::NotAccessToken)
    );
}

#[test]
#[wasm_bindgen_test]
fn another_issuer_fails() {
    let other = with(
        access_claims(),
        "iss",
        json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OTHER"),
    );
    assert_eq!(check(&sign(&other)), Err(ErrorKind::WrongIssuer));
    let trailing = with(access_claims(), "iss", json!(format!("{ISSUER}/")));
    assert_eq!(check(&sign(&trailing)), Err(ErrorKind::WrongIssuer));
}

#[test]
#[wasm_bindgen_test]
fn an_unknown_or_missing_kid_fails() {
    let other = sign_with(
        &json!({"kid": "rotated-away", "alg": "RS256"}),
        &access_claims(),
        &signing_key(),
    );
    assert_eq!(check(&other), Err(ErrorKind::UnknownKey));
    let none = sign_with(&json!({"alg": "RS256"}), &access_claims(), &signing_key());
    assert_eq!(check(&none), Err(ErrorKind::UnknownKey));
}

#[test]
#[wasm_bindgen_test]
fn a_bad_signature_fails() {
    let token = sign(&access_claims());
    // Flip one bit of the signature.
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = handoff_core::base64url::decode(sig).unwrap();
    bytes[10] ^= 1;
    assert_eq!(
        check(&format!("{input}.{}", b64(&bytes))),
        Err(ErrorKind::BadSignature)
    );
    // A payload changed after signing.
    let (header, rest) = token.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged = b64(with(access_claims(), "username", json!("mallory")).to_string());
    assert_eq!(
        check(&format!("{header}.{forged}.{sig}")),
        Err(ErrorKind::BadSignature)
    );
    // A signature of the wrong length never reaches the backend.
    assert_eq!(
        check(&format!("{input}.{}", b64(&bytes[..100]))),
        Err(ErrorKind::BadSignature)
    );
}

#[test]
#[wasm_bindgen_test]
fn alg_none_and_other_algorithms_fail() {
    let claims = b64(access_claims().to_string());
    for alg in ["none", "None", "HS256", "EdDSA", "RS512", "PS256"] {
        let header = b64(json!({"kid": KID, "alg": alg}).to_string());
        assert_eq!(
            check(&format!("{header}.{claims}.")),
            Err(ErrorKind::AlgorithmNotAllowed(alg.into())),
            "{alg}"
        );
        assert_eq!(
            check(&format!("{header}.{claims}.AAAA")),
            Err(ErrorKind::AlgorithmNotAllowed(alg.into())),
            "{alg}"
        );
    }
    let header = b64(json!({"kid": KID}).to_string());
    assert_eq!(
        check(&format!("{header}.{claims}.")),
        Err(ErrorKind::AlgorithmNotAllowed(String::new()))
    );
    // An Ed25519 key in the pool set is never used for an access token, whatever the header says.
    let attacker = Key::ed25519_from_seed("ed-in-pool", [9; 32]).unwrap();
    let keys = KeySet::new(vec![signing_key().to_public(), attacker.clone()]).unwrap();
    let token = sign_with(
        &json!({"kid": "ed-in-pool", "alg": "RS256"}),
        &access_claims(),
        &signing_key(),
    );
    assert_eq!(
        block_on(verify_access_token_async(
            &token,
            &keys,
            &policy(),
            NOW,
            &Blocking(RustCrypto)
        ))
        .map_err(|e| e.kind().clone()),
        Err(ErrorKind::AlgorithmNotAllowed("EdDSA".into()))
    );
}

#[test]
#[wasm_bindgen_test]
fn key_hints_in_the_header_are_refused() {
    for name in ["jku", "x5u", "jwk", "x5c", "crit"] {
        let header = json!({"kid": KID, "alg": "RS256", name: "https://attacker.example/keys"});
        let token = sign_with(&header, &access_claims(), &signing_key());
        assert!(
            matches!(check(&token), Err(ErrorKind::ForbiddenHeader(_))),
            "{name}"
        );
    }
}

#[test]
#[wasm_bindgen_test]
fn user_claims_are_required_and_sane() {
    assert_eq!(
        check(&sign(&without(access_claims(), "sub"))),
        Err(ErrorKind::MissingClaim("sub"))
    );
    assert_eq!(
        check(&sign(&without(access_claims(), "username"))),
        Err(ErrorKind::MissingClaim("username"))
    );
    assert_eq!(
        check(&sign(&without(access_claims(), "exp"))),
        Err(ErrorKind::MissingClaim("exp"))
    );
    assert_eq!(
        check(&sign(&with(access_claims(), "username", json!("")))),
        Err(ErrorKind::InvalidClaim("username"))
    );
    assert_eq!(
        check(&sign(&with(access_claims(), "sub", json!("a\nb")))),
        Err(ErrorKind::InvalidClaim("sub"))
    );
    assert!(matches!(
        check(&sign(&with(access_claims(), "exp", json!("soon")))),
        Err(ErrorKind::Malformed(_))
    ));
}

#[test]
#[wasm_bindgen_test]
fn garbage_is_malformed_and_huge_is_too_large() {
    for garbage in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.??.**",
        "eyJhbGciOiJSUzI1NiJ9.e30",
    ] {
        assert!(
            matches!(check(garbage), Err(ErrorKind::Malformed(_))),
            "{garbage:?}"
        );
    }
    let huge = "a".repeat(9000);
    assert!(matches!(check(&huge), Err(ErrorKind::TooLarge { .. })));
}

#[test]
#[wasm_bindgen_test]
fn refusals_name_the_token_problem_and_our_own_faults_apart() {
    // Core names the token's problem; the edge answers all of these with `invalid_access_token`.
    assert_eq!(
        check(&sign(&with(access_claims(), "exp", json!(NOW - 10)))),
        Err(ErrorKind::Expired)
    );
    let broken_backend = handoff_core::Error::from(ErrorKind::Backend(BackendError::Randomness));
    assert_eq!(broken_backend.reason(), Reason::Internal);
    let broken = AccessPolicy::new("", [MOBILE]);
    let token = sign(&access_claims());
    let err = block_on(verify_access_token_async(
        &token,
        &pool_keys(),
        &broken,
        NOW,
        &Blocking(RustCrypto),
    ))
    .unwrap_err();
    assert_eq!(err.reason(), Reason::Misconfigured);
}

/// Polls a future that never waits (the blocking backend) to completion, without an async runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the blocking backend never waits"),
    }
}
