//! Key loading: JWK, JWK Set and PEM forms of the same TEST-ONLY keys agree; bad keys are refused; secrets are
//! never printed. Runs natively and on wasm32.

mod support;

use handoff_core::{DerStructure, Key, KeyProblem, KeySet, Reason, RustCrypto, SignatureBackend};
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
fn key_sets_are_written_as_the_fixtures_and_serde_json_write_them() {
    let keys = support::private_keys();
    let compact = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .unwrap()
            .to_string()
    };
    // The fixture was written by serde_json (members in name order): the hand-written JSON is the same bytes.
    assert_eq!(keys.jwks_json(true), compact(PRIVATE_JWKS));
    assert_eq!(keys.jwks_json(false), keys.public_jwks().to_string());
    assert_eq!(keys.private_jwks().to_string(), compact(PRIVATE_JWKS));
    let public = KeySet::from_jwks(&keys.jwks_json(false)).unwrap();
    assert_eq!(
        public.jwks_json(true),
        public.jwks_json(false),
        "no private members without private keys"
    );
    for key in keys.keys() {
        let jwk = key.private_jwk_json().unwrap();
        assert_eq!(Key::from_jwk(&jwk).unwrap(), *key);
        assert_eq!(
            Key::from_jwk_value(&serde_json::from_str(&jwk).unwrap()).unwrap(),
            *key
        );
    }
    assert_eq!(public.keys()[0].private_jwk_json(), None);
}

#[test]
fn jwk_members_of_the_wrong_kind_are_named() {
    for (jwk, message) in [
        (
            r#"{"kid":"k"}"#,
            "key error: JWK has a bad member: `kty` must be a string",
        ),
        (
            r#"{"kty":"OKP","kid":7}"#,
            "key error: JWK has a bad member: `kid` must be a string",
        ),
        (
            r#"["OKP"]"#,
            "key error: JWK has a bad member: a JWK must be a JSON object",
        ),
        (
            r#"{"kty":"OKP","kty":"RSA"}"#,
            "key error: JWK is not JSON: repeated member name at byte 13",
        ),
    ] {
        let err = Key::from_jwk(jwk).unwrap_err();
        assert_eq!(err.to_string(), message, "{jwk}");
        assert_eq!(err.reason(), Reason::Misconfigured, "{jwk}");
    }
    assert_eq!(
        KeySet::from_jwks(r#"{"keys":{}}"#).unwrap_err().problem(),
        &KeyProblem::KeysNotArray
    );
    assert!(matches!(
        KeySet::from_jwks("{").unwrap_err().problem(),
        KeyProblem::SetNotJson(_)
    ));
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
fn bad_keys_are_refused_with_their_problem_and_message() {
    let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    let cases = [
        (
            r#"{"kty":"oct","k":"c2VjcmV0","kid":"h"}"#.to_owned(),
            KeyProblem::UnsupportedKeyType {
                kid: "h".into(),
                kty: "oct".into(),
            },
            r#"key error: JWK "h": key type "oct" is not supported"#,
        ),
        (
            r#"{"kty":"OKP","crv":"X25519","x":"AAAA","kid":"x"}"#.to_owned(),
            KeyProblem::UnsupportedCurve { kid: "x".into() },
            r#"key error: JWK "x": only the Ed25519 curve is supported"#,
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"short"}"#.to_owned(),
            KeyProblem::WrongMemberLength {
                kid: "short".into(),
                member: "x",
            },
            r#"key error: JWK "short": x must be 32 bytes"#,
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}"#),
            KeyProblem::NoKid,
            "key error: JWK has no kid",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"a","alg":"RS256"}}"#),
            KeyProblem::AlgorithmMismatch {
                kid: "a".into(),
                alg: "RS256".into(),
            },
            r#"key error: JWK "a": alg "RS256" does not match its key type"#,
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"a","use":"enc"}}"#),
            KeyProblem::NotSignatureKey { kid: "a".into() },
            r#"key error: JWK "a" is not a signature key (use != sig)"#,
        ),
        (
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"weak"}"#.to_owned(),
            KeyProblem::RsaTooShort("weak".into()),
            r#"key error: RSA key "weak" is shorter than 2048 bits"#,
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":""}}"#),
            KeyProblem::BadKid,
            "key error: kid must be 1-128 printable ASCII characters",
        ),
        (
            r#"{"kty":"RSA","e":"AQAB","kid":"no-n"}"#.to_owned(),
            KeyProblem::MissingMember("n"),
            r#"key error: JWK member "n" is missing"#,
        ),
    ];
    for (jwk, problem, message) in cases {
        let err = Key::from_jwk(&jwk).unwrap_err();
        assert_eq!(err.problem(), &problem, "{jwk}");
        assert_eq!(err.to_string(), message, "{jwk}");
        assert_eq!(err.reason(), Reason::Misconfigured, "{jwk}");
    }
    let err = Key::from_jwk("not json").unwrap_err();
    assert!(matches!(err.problem(), KeyProblem::JwkNotJson(_)), "{err}");
    assert!(
        err.to_string().starts_with("key error: JWK is not JSON: "),
        "{err}"
    );
}

#[test]
fn duplicate_kids_and_empty_sets_are_refused() {
    let key = support::private_keys().keys()[0].clone();
    let kid = key.kid().to_owned();
    assert_eq!(
        KeySet::new(vec![key.clone(), key]).unwrap_err().problem(),
        &KeyProblem::DuplicateKid(kid)
    );
    assert_eq!(
        KeySet::from_jwks(r#"{"keys":[]}"#).unwrap_err().problem(),
        &KeyProblem::EmptySet
    );
    let public = KeySet::from_jwks(&support::private_keys().public_jwks().to_string()).unwrap();
    assert_eq!(
        public
            .clone()
            .with_signing_kid(support::ED_KID)
            .unwrap_err()
            .problem(),
        &KeyProblem::NoPrivateMaterial(support::ED_KID.into())
    );
    assert_eq!(
        public.with_signing_kid("nobody").unwrap_err().problem(),
        &KeyProblem::NoSuchKid("nobody".into())
    );
}

#[test]
fn bad_pem_is_refused() {
    let problem = |pem: &str| Key::from_pem(pem, "k").unwrap_err().problem().clone();
    assert_eq!(problem("garbage"), KeyProblem::PemNoBegin);
    assert_eq!(
        problem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----"),
        KeyProblem::PemNotBase64
    );
    assert_eq!(
        problem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
        KeyProblem::UnsupportedPemLabel("CERTIFICATE".into())
    );
    assert_eq!(
        problem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
        KeyProblem::BadDer(DerStructure::SubjectPublicKeyInfo)
    );
    let truncated = support::RSA_PEM
        .replace("-----END PRIVATE KEY-----", "")
        .replace('\n', "");
    assert_eq!(problem(&truncated), KeyProblem::PemNoEnd("PRIVATE KEY".into()));
    assert_eq!(
        Key::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "k")
            .unwrap_err()
            .to_string(),
        "key error: SubjectPublicKeyInfo is not valid DER"
    );
}
