//! Key loading: JWK, JWK Set and PEM forms of the same TEST-ONLY keys agree; bad keys are refused; secrets are
//! never printed. Runs natively and on wasm32.

mod support;

use handoff_core::{Key, KeySet, RustCrypto, SignatureBackend};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const PRIVATE_JWKS: &str = include_str!("../../tests/fixtures/keys/test-only.private.jwks.json");

#[test]
fn pem_and_jwk_forms_are_the_same_keys() {
    let jwks = KeySet::from_jwks(PRIVATE_JWKS).unwrap();
    let pem = support::private_keys();
    assert_eq!(jwks, pem);
    let rsa_pkcs1 = Key::from_pem(support::RSA_PKCS1_PEM, support::RSA_KID).unwrap();
    assert_eq!(&rsa_pkcs1, jwks.get(support::RSA_KID).unwrap());
    let ed_pub = Key::from_pem(support::ED_PUB_PEM, support::ED_KID).unwrap();
    assert_eq!(ed_pub, jwks.get(support::ED_KID).unwrap().to_public());
    let rsa_pub = Key::from_pem(support::RSA_PUB_PEM, support::RSA_KID).unwrap();
    assert_eq!(rsa_pub, jwks.get(support::RSA_KID).unwrap().to_public());
}

#[test]
fn spki_der_round_trips_through_pem() {
    use base64::Engine as _;
    for key in support::private_keys().keys() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(key.spki_der());
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n");
        assert_eq!(Key::from_pem(&pem, key.kid()).unwrap(), key.to_public());
    }
}

#[test]
fn first_private_key_signs_and_rotation_picks_another() {
    let keys = support::private_keys();
    assert_eq!(keys.signing_key().unwrap().kid(), support::ED_KID);
    let rotated = keys.clone().with_signing_kid(support::RSA_KID).unwrap();
    assert_eq!(rotated.signing_key().unwrap().kid(), support::RSA_KID);
    let public = KeySet::from_jwks(&keys.public_jwks().to_string()).unwrap();
    assert!(public.signing_key().is_none());
    assert!(public.clone().with_signing_kid(support::ED_KID).is_err());
}

#[test]
fn public_jwks_has_no_private_members() {
    let jwks = support::private_keys().public_jwks().to_string();
    for member in ["\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\""] {
        assert!(!jwks.contains(member), "public JWKS leaks {member}");
    }
    assert!(jwks.contains("\"alg\":\"EdDSA\"") && jwks.contains("\"alg\":\"RS256\""));
}

#[test]
fn debug_output_redacts_secrets() {
    let keys = support::private_keys();
    let debug = format!("{keys:?}");
    let private = keys.private_jwks();
    for key in private["keys"].as_array().unwrap() {
        let d = key["d"].as_str().unwrap();
        assert!(!debug.contains(d), "Debug prints a private exponent/seed");
    }
    assert!(debug.contains("***"));
}

#[test]
fn signing_and_verifying_round_trip_for_both_algorithms() {
    for key in support::private_keys().keys() {
        let sig = RustCrypto.sign(key, b"message").unwrap();
        assert!(RustCrypto.verify(&key.to_public(), b"message", &sig).unwrap());
        assert!(!RustCrypto.verify(&key.to_public(), b"messagf", &sig).unwrap());
    }
}

#[test]
fn bad_keys_are_refused_with_a_message() {
    let cases = [
        (r#"{"kty":"oct","k":"c2VjcmV0","kid":"h"}"#, "not supported"),
        (r#"{"kty":"OKP","crv":"X25519","x":"AAAA","kid":"x"}"#, "Ed25519"),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"short"}"#,
            "32 bytes",
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
            "no kid",
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a","alg":"RS256"}"#,
            "does not match",
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a","use":"enc"}"#,
            "use",
        ),
        (r#"{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"weak"}"#, "2048"),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":""}"#,
            "kid",
        ),
        ("not json", "not JSON"),
    ];
    for (jwk, needle) in cases {
        let err = Key::from_jwk(jwk).unwrap_err();
        assert!(err.0.contains(needle), "{jwk}: {err}");
    }
}

#[test]
fn duplicate_kids_and_empty_sets_are_refused() {
    let key = support::private_keys().keys()[0].clone();
    assert!(
        KeySet::new(vec![key.clone(), key])
            .unwrap_err()
            .0
            .contains("twice")
    );
    assert!(
        KeySet::from_jwks(r#"{"keys":[]}"#)
            .unwrap_err()
            .0
            .contains("empty")
    );
}

#[test]
fn bad_pem_is_refused() {
    assert!(Key::from_pem("garbage", "k").is_err());
    assert!(Key::from_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----", "k").is_err());
    assert!(
        Key::from_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "k"
        )
        .is_err()
    );
    let truncated = support::RSA_PEM
        .replace("-----END PRIVATE KEY-----", "")
        .replace('\n', "");
    assert!(Key::from_pem(&truncated, "k").is_err());
}
