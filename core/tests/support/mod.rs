//! The golden-vector corpus: TEST-ONLY keys and every token case with the exact reason it must get.
//! `cargo run -p handoff-core --features rust-crypto --example gen-fixtures` writes it to `tests/fixtures/`;
//! the `vectors` test checks the committed files equal what this code produces, then verifies every case.
#![allow(dead_code)]

use handoff_core::base64url::encode as b64;
use handoff_core::{Key, KeySet, RustCrypto, SignatureBackend};
use serde_json::{Value, json};

/// Fixed clock of the corpus (2026-01-01T00:00:00Z).
pub const NOW: u64 = 1_767_225_600;
pub const ISSUER: &str = "https://edge.handoff.test";
pub const AUDIENCE: &str = "web-client-test";
pub const OTHER_AUDIENCE: &str = "web-client-other";
pub const ED_KID: &str = "test-ed25519-2026";
pub const RSA_KID: &str = "test-rsa-2026";

pub const ED_PEM: &str = include_str!("../../../tests/fixtures/keys/test-only-ed25519.pem");
pub const ED_PUB_PEM: &str = include_str!("../../../tests/fixtures/keys/test-only-ed25519.pub.pem");
pub const RSA_PEM: &str = include_str!("../../../tests/fixtures/keys/test-only-rsa.pem");
pub const RSA_PKCS1_PEM: &str = include_str!("../../../tests/fixtures/keys/test-only-rsa.pkcs1.pem");
pub const RSA_PUB_PEM: &str = include_str!("../../../tests/fixtures/keys/test-only-rsa.pub.pem");

/// The TEST-ONLY private keys (Ed25519 active, RSA second).
pub fn private_keys() -> KeySet {
    let ed = Key::from_pem(ED_PEM, ED_KID).expect("ed25519 test key");
    let rsa = Key::from_pem(RSA_PEM, RSA_KID).expect("rsa test key");
    KeySet::new(vec![ed, rsa]).expect("key set")
}

/// An attacker's own key, never configured anywhere.
pub fn attacker_key() -> Key {
    Key::ed25519_from_seed("attacker", [0x42; 32]).expect("attacker key")
}

/// One golden case.
pub struct Case {
    pub name: &'static str,
    pub token: String,
    /// `"ok"` or a reason code.
    pub expect: &'static str,
}

fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60",
        "username": "alice", "azp": "mobile-client-test",
        "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 50,
        "jti": "AAECAwQFBgcICQoLDA0ODw",
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

fn header(key: &Key) -> Value {
    json!({"alg": key.algorithm().as_str(), "typ": "handoff+jwt", "kid": key.kid()})
}

fn input(header: &Value, payload: &Value) -> String {
    format!("{}.{}", b64(header.to_string()), b64(payload.to_string()))
}

fn sign_input(key: &Key, input: &str) -> String {
    format!(
        "{input}.{}",
        b64(RustCrypto.sign(key, input.as_bytes()).expect("sign"))
    )
}

fn signed(key: &Key, header: &Value, payload: &Value) -> String {
    sign_input(key, &input(header, payload))
}

fn hs256(secret: &[u8], input: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret);
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap();
    format!("{input}.{sig}")
}

/// Re-encodes one part of a token after changing its decoded bytes.
fn edit_part(token: &str, part: usize, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut bytes = handoff_core::base64url::decode(&parts[part]).unwrap();
    edit(&mut bytes);
    parts[part] = b64(bytes);
    parts.join(".")
}

pub fn cases() -> Vec<Case> {
    let keys = private_keys();
    let ed = keys.get(ED_KID).unwrap().clone();
    let rsa = keys.get(RSA_KID).unwrap().clone();
    let attacker = attacker_key();
    let c = claims();
    let valid_ed = signed(&ed, &header(&ed), &c);
    let valid_rsa = signed(&rsa, &header(&rsa), &c);
    let mut v = Vec::new();
    let mut add =
        |name: &'static str, token: String, expect: &'static str| v.push(Case { name, token, expect });

    // Valid tokens.
    add("valid_eddsa", valid_ed.clone(), "ok");
    add("valid_rs256", valid_rsa.clone(), "ok");
    add(
        "valid_with_redirect",
        signed(
            &ed,
            &header(&ed),
            &with(c.clone(), "redirect", json!("/orders/42")),
        ),
        "ok",
    );
    add(
        "valid_expiring_within_leeway",
        signed(
            &ed,
            &header(&ed),
            &with(with(c.clone(), "exp", json!(NOW - 1)), "iat", json!(NOW - 40)),
        ),
        "ok",
    );

    // Algorithm confusion.
    let none_header = json!({"alg": "none", "typ": "handoff+jwt", "kid": ED_KID});
    add(
        "alg_none",
        format!("{}.", input(&none_header, &c)),
        "algorithm_not_allowed",
    );
    add(
        "alg_none_uppercase",
        format!("{}.", input(&with(none_header.clone(), "alg", json!("NONE")), &c)),
        "algorithm_not_allowed",
    );
    let hs_rsa = json!({"alg": "HS256", "typ": "handoff+jwt", "kid": RSA_KID});
    add(
        "hs256_rsa_public_pem_as_secret",
        hs256(RSA_PUB_PEM.as_bytes(), &input(&hs_rsa, &c)),
        "algorithm_not_allowed",
    );
    let hs_ed = json!({"alg": "HS256", "typ": "handoff+jwt", "kid": ED_KID});
    add(
        "hs256_ed25519_public_bytes_as_secret",
        hs256(&keys.get(ED_KID).unwrap().spki_der(), &input(&hs_ed, &c)),
        "algorithm_not_allowed",
    );
    add(
        "rs256_token_for_ed25519_kid",
        signed(
            &rsa,
            &json!({"alg": "RS256", "typ": "handoff+jwt", "kid": ED_KID}),
            &c,
        ),
        "algorithm_not_allowed",
    );
    add(
        "eddsa_token_for_rsa_kid",
        signed(
            &ed,
            &json!({"alg": "EdDSA", "typ": "handoff+jwt", "kid": RSA_KID}),
            &c,
        ),
        "algorithm_not_allowed",
    );
    add(
        "alg_missing",
        signed(&ed, &without(header(&ed), "alg"), &c),
        "algorithm_not_allowed",
    );

    // Key selection.
    add(
        "unknown_kid",
        signed(&attacker, &header(&attacker), &c),
        "unknown_key",
    );
    add(
        "missing_kid",
        signed(&ed, &without(header(&ed), "kid"), &c),
        "unknown_key",
    );

    // Key hints in the header are never followed.
    let attacker_jwk = attacker.public_jwk();
    add(
        "jku_header",
        signed(
            &attacker,
            &with(header(&ed), "jku", json!("https://evil.example/jwks.json")),
            &c,
        ),
        "forbidden_header",
    );
    add(
        "x5u_header",
        signed(
            &attacker,
            &with(header(&ed), "x5u", json!("https://evil.example/cert.pem")),
            &c,
        ),
        "forbidden_header",
    );
    add(
        "jwk_header",
        signed(&attacker, &with(header(&ed), "jwk", attacker_jwk), &c),
        "forbidden_header",
    );
    add(
        "x5c_header",
        signed(&attacker, &with(header(&ed), "x5c", json!(["MIIB"])), &c),
        "forbidden_header",
    );
    add(
        "crit_header",
        signed(&ed, &with(header(&ed), "crit", json!(["exp"])), &c),
        "forbidden_header",
    );

    // Signatures.
    add(
        "stripped_signature",
        format!("{}.", input(&header(&ed), &c)),
        "bad_signature",
    );
    add(
        "truncated_signature_eddsa",
        edit_part(&valid_ed, 2, |s| {
            s.pop();
        }),
        "bad_signature",
    );
    add(
        "truncated_signature_rs256",
        edit_part(&valid_rsa, 2, |s| s.truncate(128)),
        "bad_signature",
    );
    add(
        "flipped_bit_payload_eddsa",
        edit_part(&valid_ed, 1, |p| flip_in_username(p)),
        "bad_signature",
    );
    add(
        "flipped_bit_payload_rs256",
        edit_part(&valid_rsa, 1, |p| flip_in_username(p)),
        "bad_signature",
    );
    add(
        "flipped_bit_signature_eddsa",
        edit_part(&valid_ed, 2, |s| s[10] ^= 0x01),
        "bad_signature",
    );
    add(
        "flipped_bit_signature_rs256",
        edit_part(&valid_rsa, 2, |s| s[100] ^= 0x01),
        "bad_signature",
    );
    add(
        "signed_by_attacker_with_our_kid",
        signed(&attacker, &header(&ed), &c),
        "bad_signature",
    );

    // Other token types signed with a configured key must not pass (no typ confusion).
    let cognito_id = json!({
        "sub": "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60", "aud": AUDIENCE, "token_use": "id",
        "iss": ISSUER, "cognito:username": "alice", "username": "alice", "azp": "mobile-client-test",
        "iat": NOW - 10, "exp": NOW + 50, "jti": "AAECAwQFBgcICQoLDA0ODw", "auth_time": NOW - 10,
    });
    add(
        "cognito_id_token_shape",
        signed(&rsa, &json!({"kid": RSA_KID, "alg": "RS256"}), &cognito_id),
        "wrong_type",
    );
    let cognito_access = with(without(cognito_id.clone(), "aud"), "token_use", json!("access"));
    add(
        "cognito_access_token_shape",
        signed(&rsa, &json!({"kid": RSA_KID, "alg": "RS256"}), &cognito_access),
        "wrong_type",
    );
    add(
        "typ_jwt",
        signed(&ed, &with(header(&ed), "typ", json!("JWT")), &c),
        "wrong_type",
    );
    add(
        "typ_at_jwt",
        signed(&ed, &with(header(&ed), "typ", json!("at+jwt")), &c),
        "wrong_type",
    );

    // Claims.
    add(
        "wrong_issuer",
        signed(
            &ed,
            &header(&ed),
            &with(c.clone(), "iss", json!("https://evil.example")),
        ),
        "wrong_issuer",
    );
    add(
        "wrong_audience",
        signed(
            &ed,
            &header(&ed),
            &with(c.clone(), "aud", json!("some-other-client")),
        ),
        "wrong_audience",
    );
    add(
        "audience_array",
        signed(&ed, &header(&ed), &with(c.clone(), "aud", json!([AUDIENCE]))),
        "malformed",
    );
    let expired = with(
        with(with(c.clone(), "iat", json!(NOW - 100)), "nbf", json!(NOW - 100)),
        "exp",
        json!(NOW - 40),
    );
    add("expired", signed(&ed, &header(&ed), &expired), "expired");
    add(
        "expired_at_leeway_edge",
        signed(
            &ed,
            &header(&ed),
            &with(
                with(with(c.clone(), "iat", json!(NOW - 40)), "nbf", json!(NOW - 40)),
                "exp",
                json!(NOW - 2),
            ),
        ),
        "expired",
    );
    add(
        "nbf_in_future",
        signed(
            &ed,
            &header(&ed),
            &with(with(c.clone(), "nbf", json!(NOW + 30)), "exp", json!(NOW + 45)),
        ),
        "not_yet_valid",
    );
    add(
        "iat_in_future",
        signed(
            &ed,
            &header(&ed),
            &with(
                with(with(c.clone(), "iat", json!(NOW + 30)), "nbf", json!(NOW + 30)),
                "exp",
                json!(NOW + 60),
            ),
        ),
        "not_yet_valid",
    );
    add(
        "lifetime_above_policy_max",
        signed(&ed, &header(&ed), &with(c.clone(), "exp", json!(NOW + 290))),
        "lifetime_too_long",
    );
    add(
        "lifetime_above_hard_max",
        signed(
            &ed,
            &header(&ed),
            &with(
                with(with(c.clone(), "iat", json!(NOW - 10)), "nbf", json!(NOW - 10)),
                "exp",
                json!(NOW + 3600),
            ),
        ),
        "lifetime_too_long",
    );
    add(
        "exp_before_iat",
        signed(
            &ed,
            &header(&ed),
            &with(
                with(with(c.clone(), "iat", json!(NOW + 1)), "nbf", json!(NOW + 1)),
                "exp",
                json!(NOW),
            ),
        ),
        "invalid_claim",
    );
    add(
        "jti_too_short",
        signed(&ed, &header(&ed), &with(c.clone(), "jti", json!("abc"))),
        "invalid_claim",
    );
    add(
        "empty_username",
        signed(&ed, &header(&ed), &with(c.clone(), "username", json!(""))),
        "invalid_claim",
    );
    add(
        "exp_as_string",
        signed(&ed, &header(&ed), &with(c.clone(), "exp", json!("9999999999"))),
        "malformed",
    );
    add(
        "exp_negative",
        signed(&ed, &header(&ed), &with(c.clone(), "exp", json!(-1))),
        "malformed",
    );
    for (name, claim) in [
        ("missing_jti", "jti"),
        ("missing_sub", "sub"),
        ("missing_username", "username"),
        ("missing_exp", "exp"),
        ("missing_aud", "aud"),
        ("missing_iss", "iss"),
        ("missing_iat", "iat"),
        ("missing_azp", "azp"),
    ] {
        add(
            name,
            signed(&ed, &header(&ed), &without(c.clone(), claim)),
            "missing_claim",
        );
    }

    // Size and encoding.
    let big = with(c.clone(), "padding", json!("x".repeat(4200)));
    add(
        "token_over_4kib",
        signed(&ed, &header(&ed), &big),
        "token_too_large",
    );
    add(
        "bad_base64url_header",
        valid_ed.replacen(|ch: char| ch.is_ascii_alphanumeric(), "*", 1),
        "malformed",
    );
    add(
        "bad_base64url_header_padding",
        {
            let (h, rest) = valid_ed.split_once('.').unwrap();
            format!("{h}=.{rest}")
        },
        "malformed",
    );
    add(
        "bad_base64url_payload",
        sign_input(&ed, &format!("{}.eyJ+!", b64(header(&ed).to_string()))),
        "malformed",
    );
    add("bad_base64url_signature", format!("{}$", valid_ed), "malformed");
    add(
        "standard_base64_signature",
        {
            let (input, sig) = valid_ed.rsplit_once('.').unwrap();
            let bytes = handoff_core::base64url::decode(sig).unwrap();
            use base64::Engine;
            format!(
                "{input}.{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )
        },
        "malformed",
    );
    add(
        "bad_json_header",
        sign_input(
            &ed,
            &format!("{}.{}", b64("{\"alg\":\"EdDSA\","), b64(c.to_string())),
        ),
        "malformed",
    );
    add(
        "header_not_object",
        sign_input(&ed, &format!("{}.{}", b64("[1,2]"), b64(c.to_string()))),
        "malformed",
    );
    add(
        "bad_json_payload",
        sign_input(
            &ed,
            &format!("{}.{}", b64(header(&ed).to_string()), b64("{\"iss\":")),
        ),
        "malformed",
    );
    add(
        "payload_not_object",
        sign_input(
            &ed,
            &format!("{}.{}", b64(header(&ed).to_string()), b64("\"alice\"")),
        ),
        "malformed",
    );
    // Duplicate members: parsers disagree on which one wins, so neither may.
    let dup_claims = c
        .to_string()
        .replacen('{', &format!("{{\"aud\":\"{OTHER_AUDIENCE}\","), 1);
    add(
        "duplicate_claim",
        sign_input(
            &ed,
            &format!("{}.{}", b64(header(&ed).to_string()), b64(dup_claims)),
        ),
        "malformed",
    );
    let dup_header = header(&ed).to_string().replacen('{', "{\"alg\":\"none\",", 1);
    add(
        "duplicate_header_member",
        sign_input(&ed, &format!("{}.{}", b64(dup_header), b64(c.to_string()))),
        "malformed",
    );
    add("extra_dots", format!("{valid_ed}.AAAA"), "malformed");
    add("extra_dot_inside", valid_ed.replacen('.', "..", 1), "malformed");
    add(
        "two_parts",
        valid_ed.rsplit_once('.').unwrap().0.to_string(),
        "malformed",
    );
    add("empty", String::new(), "malformed");
    v
}

/// Flips one bit in the `username` value ("alice" -> "alicd"): the payload stays valid JSON.
fn flip_in_username(payload: &mut [u8]) {
    let text = String::from_utf8(payload.to_vec()).unwrap();
    let at = text.find("\"alice\"").unwrap() + 5;
    payload[at] ^= 0x01;
}

/// The golden file: policy, public keys and cases.
pub fn corpus_json() -> Value {
    let cases: Vec<Value> = cases()
        .into_iter()
        .map(|c| json!({"name": c.name, "expect": c.expect, "token": c.token}))
        .collect();
    json!({
        "note": "TEST-ONLY vectors. Generated by `cargo run -p handoff-core --features rust-crypto --example gen-fixtures`; do not edit.",
        "now": NOW,
        "policy": {"issuer": ISSUER, "audiences": [AUDIENCE, OTHER_AUDIENCE], "max_ttl": 60, "leeway": 2},
        "cases": cases,
    })
}

/// The public JWK Set of the test keys.
pub fn public_jwks_json() -> Value {
    private_keys().public_jwks()
}

/// The private JWK Set of the test keys (TEST-ONLY, committed on purpose).
pub fn private_jwks_json() -> Value {
    private_keys().private_jwks()
}

/// Pretty JSON with a trailing newline, as written to disk.
pub fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}

/// Golden `/v1/redeem` request as the trigger sends it (the token is the `valid_eddsa` case).
pub fn wire_redeem_request() -> Value {
    let token = cases()
        .into_iter()
        .find(|c| c.name == "valid_eddsa")
        .unwrap()
        .token;
    json!({
        "token": token,
        "sub": "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60",
        "username": "alice",
        "client_id": AUDIENCE,
        "nonce": "n0nce-0123456789abcdef",
    })
}

/// Golden `/v1/redeem` success answer.
pub fn wire_redeem_ok() -> Value {
    json!({"ok": true})
}

/// Golden `/v1/redeem` refusal.
pub fn wire_redeem_replayed() -> Value {
    json!({"ok": false, "reason": "replayed"})
}
