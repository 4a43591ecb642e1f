//! Minting, policy limits, the redeemer check, the unverified read, fingerprints, reasons and wire types.
//! Runs natively and on wasm32.

mod support;

use handoff_core::wire::{ErrorBody, IssueRequest, RedeemAnswer, RedeemRequest};
use handoff_core::{Claims, Policy, Reason, RustCrypto, Verifier, dangerous, fingerprint, mint, new_jti};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn claims(now: u64) -> Claims {
    Claims {
        iss: support::ISSUER.into(),
        aud: support::AUDIENCE.into(),
        sub: "sub-1".into(),
        username: "alice".into(),
        azp: "mobile".into(),
        iat: now,
        nbf: now,
        exp: now + 60,
        jti: new_jti([9; 16]),
        redirect: Some("/orders/42".into()),
    }
}

fn policy() -> Policy {
    Policy::new(support::ISSUER, [support::AUDIENCE])
}

#[test]
fn minted_tokens_verify_with_both_algorithms_and_carry_typ_and_kid() {
    let now = support::NOW;
    for kid in [support::ED_KID, support::RSA_KID] {
        let keys = support::private_keys().with_signing_kid(kid).unwrap();
        let token = mint(&claims(now), &keys, &RustCrypto).unwrap();
        let header =
            String::from_utf8(handoff_core::base64url::decode(token.split('.').next().unwrap()).unwrap())
                .unwrap();
        assert!(
            header.contains("\"typ\":\"handoff+jwt\"") && header.contains(kid),
            "{header}"
        );
        let verified = Verifier::new(&keys, &policy())
            .verify(&token, now + 59, &RustCrypto)
            .unwrap();
        assert_eq!(verified.claims(), &claims(now));
        assert_eq!(
            Verifier::new(&keys, &policy())
                .verify(&token, now + 62, &RustCrypto)
                .unwrap_err()
                .reason(),
            Reason::Expired
        );
    }
}

#[test]
fn eddsa_tokens_are_short() {
    let keys = support::private_keys();
    let token = mint(&claims(support::NOW), &keys, &RustCrypto).unwrap();
    assert!(token.len() < 500, "EdDSA token is {} bytes", token.len());
}

#[test]
fn mint_refuses_claims_that_no_verifier_would_accept() {
    let keys = support::private_keys();
    let mut long = claims(support::NOW);
    long.exp = long.iat + 301;
    assert_eq!(
        mint(&long, &keys, &RustCrypto).unwrap_err().reason(),
        Reason::LifetimeTooLong
    );
    let mut bad_jti = claims(support::NOW);
    bad_jti.jti = "short".into();
    assert_eq!(
        mint(&bad_jti, &keys, &RustCrypto).unwrap_err().reason(),
        Reason::InvalidClaim
    );
    let public = handoff_core::KeySet::from_jwks(&keys.public_jwks().to_string()).unwrap();
    assert_eq!(
        mint(&claims(support::NOW), &public, &RustCrypto)
            .unwrap_err()
            .reason(),
        Reason::Misconfigured
    );
}

#[test]
fn redeemer_must_be_the_tokens_user_and_client() {
    let keys = support::private_keys();
    let token = mint(&claims(support::NOW), &keys, &RustCrypto).unwrap();
    let v = Verifier::new(&keys, &policy())
        .verify(&token, support::NOW, &RustCrypto)
        .unwrap();
    assert!(v.check_redeemer("sub-1", "alice", support::AUDIENCE).is_ok());
    assert_eq!(
        v.check_redeemer("sub-2", "alice", support::AUDIENCE)
            .unwrap_err()
            .reason(),
        Reason::WrongUser
    );
    assert_eq!(
        v.check_redeemer("sub-1", "mallory", support::AUDIENCE)
            .unwrap_err()
            .reason(),
        Reason::WrongUser
    );
    assert_eq!(
        v.check_redeemer("sub-1", "alice", "other-client")
            .unwrap_err()
            .reason(),
        Reason::WrongAudience
    );
}

#[test]
fn policy_limits_are_enforced() {
    let keys = support::private_keys();
    let token = mint(&claims(support::NOW), &keys, &RustCrypto).unwrap();
    let mut p = policy();
    p.max_ttl = 301;
    assert_eq!(
        Verifier::new(&keys, &p)
            .verify(&token, support::NOW, &RustCrypto)
            .unwrap_err()
            .reason(),
        Reason::Misconfigured
    );
    let mut p = policy();
    p.leeway = 6;
    assert_eq!(
        Verifier::new(&keys, &p)
            .verify(&token, support::NOW, &RustCrypto)
            .unwrap_err()
            .reason(),
        Reason::Misconfigured
    );
    let mut p = policy();
    p.algorithms = vec![handoff_core::Algorithm::RS256];
    assert_eq!(
        Verifier::new(&keys, &p)
            .verify(&token, support::NOW, &RustCrypto)
            .unwrap_err()
            .reason(),
        Reason::AlgorithmNotAllowed
    );
    assert_eq!(
        Verifier::new(&keys, &Policy::default())
            .verify(&token, support::NOW, &RustCrypto)
            .unwrap_err()
            .reason(),
        Reason::Misconfigured
    );
    let d = Policy::default();
    assert_eq!((d.max_ttl, d.max_token_bytes), (60, 4096));
    assert!(d.leeway <= handoff_core::MAX_LEEWAY_SECS);
}

#[test]
fn insecure_payload_reads_username_and_redirect_without_checking() {
    let keys = support::private_keys();
    let token = mint(&claims(support::NOW), &keys, &RustCrypto).unwrap();
    let p = dangerous::insecure_payload(&token, 4096).unwrap();
    assert_eq!(p.username.as_deref(), Some("alice"));
    assert_eq!(p.redirect.as_deref(), Some("/orders/42"));
    assert_eq!(p.exp, Some(support::NOW + 60));
    assert_eq!(
        dangerous::insecure_payload("a.b", 4096).unwrap_err().reason(),
        Reason::Malformed
    );
    assert_eq!(
        dangerous::insecure_payload("a.!!.c", 4096).unwrap_err().reason(),
        Reason::Malformed
    );
    assert_eq!(
        dangerous::insecure_payload(&token, 10).unwrap_err().reason(),
        Reason::TokenTooLarge
    );
}

#[test]
fn insecure_payload_reads_every_payload_as_serde_reads_it_and_refuses_a_repeated_member() {
    let token = |payload: &str| format!("e30.{}.c2ln", handoff_core::base64url::encode(payload));
    let payloads = [
        r#"{"username":"alice","redirect":"/orders/42","exp":1700000060,"aud":"web","sub":"s","iat":1,"jti":"j"}"#,
        r#"{"username":null,"extra":{"nested":[1,2.5,"x"]}}"#,
        "{}",
        r#"{"exp":"soon"}"#,
        r#"{"exp":1.5}"#,
        r#"{"exp":-1}"#,
        r#"{"username":7}"#,
        "null",
        "\"alice\"",
        "{",
    ];
    for payload in payloads {
        let ours = dangerous::insecure_payload(&token(payload), 4096).ok();
        let serde = dangerous::insecure_decode::<dangerous::InsecurePayload>(&token(payload), 4096).ok();
        assert_eq!(ours, serde, "{payload}");
    }
    // serde_json would read the second `username`; a reader taking the first would read the first. Neither.
    let twice = token(r#"{"username":"alice","username":"mallory"}"#);
    assert_eq!(
        dangerous::insecure_decode::<dangerous::InsecurePayload>(&twice, 4096)
            .unwrap_err()
            .reason(),
        Reason::Malformed,
        "serde refuses a repeated struct member too"
    );
    assert_eq!(
        dangerous::insecure_payload(&twice, 4096).unwrap_err().reason(),
        Reason::Malformed
    );
}

#[test]
fn fingerprints_are_stable_short_and_not_the_token() {
    let fp = fingerprint("abc.def.ghi");
    assert_eq!(fp, fingerprint("abc.def.ghi"));
    assert_eq!(fp.len(), 16);
    assert_ne!(fp, fingerprint("abc.def.ghj"));
    assert_eq!(fingerprint(""), "e3b0c44298fc1c14");
}

#[test]
fn reason_codes_are_snake_case_and_round_trip() {
    for &reason in Reason::ALL {
        let code = reason.as_str();
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code}"
        );
        assert_eq!(Reason::from_code(code), Some(reason));
        assert_eq!(serde_json::to_string(&reason).unwrap(), format!("\"{code}\""));
    }
}

#[test]
fn wire_types_match_the_golden_fixtures_and_reject_unknown_fields() {
    let req: RedeemRequest =
        serde_json::from_str(include_str!("../../tests/fixtures/wire/redeem-request.json")).unwrap();
    assert_eq!(req.username, "alice");
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        support::wire_redeem_request()
    );
    let ok: RedeemAnswer =
        serde_json::from_str(include_str!("../../tests/fixtures/wire/redeem-answer-ok.json")).unwrap();
    assert_eq!(ok, RedeemAnswer::OK);
    let replayed: RedeemAnswer = serde_json::from_str(include_str!(
        "../../tests/fixtures/wire/redeem-answer-replayed.json"
    ))
    .unwrap();
    assert_eq!(replayed, RedeemAnswer::refused(Reason::Replayed));
    assert!(serde_json::from_str::<IssueRequest>(r#"{"redirect":"/x","admin":true}"#).is_err());
    assert_eq!(
        serde_json::from_str::<IssueRequest>("{}").unwrap(),
        IssueRequest::default()
    );
    let mut extra = support::wire_redeem_request();
    extra["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<RedeemRequest>(extra).is_err());
    let body = serde_json::to_string(&ErrorBody::new(Reason::Expired, "the token has expired")).unwrap();
    assert_eq!(body, r#"{"error":"expired","message":"the token has expired"}"#);
}

#[test]
fn debug_of_wire_types_never_prints_the_token() {
    let req: RedeemRequest = serde_json::from_value(support::wire_redeem_request()).unwrap();
    let debug = format!("{req:?}");
    assert!(!debug.contains(&req.token));
    assert!(!debug.contains(&req.nonce));
    assert!(debug.contains(&fingerprint(&req.token)));
}
