//! The SRP password proof against Amplify's own code: `fixtures/srp/vectors.json`, written by
//! `fixtures/srp/gen.mjs` from aws-amplify's SRP helpers (fixed a, salt, B, secret block and timestamp; each
//! exchange also checked from the server's side there).

use std::collections::BTreeMap;
use std::path::PathBuf;

use handoff_cli::srp::{self, Srp};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/srp")
}

fn vectors() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("vectors.json")).unwrap()).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}

#[test]
fn k_is_amplifys() {
    assert_eq!(srp::k().to_str_radix(16), str_of(&vectors(), "k"));
}

#[test]
fn every_vector_gives_amplifys_a_key_timestamp_and_signature() {
    let all = vectors();
    let list = all["vectors"].as_array().unwrap();
    assert!(list.len() >= 5);
    for v in list {
        let name = str_of(v, "name");
        let expect = &v["expect"];
        let pool_id = str_of(v, "pool_id");
        let user = str_of(v, "user_id_for_srp");
        let password = str_of(v, "password");
        let client = Srp::from_secret(&hex(str_of(v, "a"))).unwrap();
        assert_eq!(client.srp_a(), str_of(expect, "srp_a"), "{name}: SRP_A");
        let key = client
            .password_key(
                srp::pool_name(pool_id),
                user,
                password,
                str_of(v, "salt"),
                str_of(v, "srp_b"),
            )
            .unwrap();
        assert_eq!(key.to_vec(), hex(str_of(expect, "hkdf_key")), "{name}: key");
        let now = v["timestamp_unix"].as_u64().unwrap();
        assert_eq!(
            srp::timestamp(now),
            str_of(expect, "timestamp"),
            "{name}: TIMESTAMP"
        );

        // The whole answer, as the CLI sends it.
        let parameters: BTreeMap<String, String> = [
            ("SALT", str_of(v, "salt")),
            ("SRP_B", str_of(v, "srp_b")),
            ("SECRET_BLOCK", str_of(v, "secret_block")),
            ("USER_ID_FOR_SRP", user),
            ("USERNAME", user),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let answer = client.answer(pool_id, password, &parameters, now).unwrap();
        assert_eq!(
            answer["PASSWORD_CLAIM_SIGNATURE"],
            str_of(expect, "signature"),
            "{name}"
        );
        assert_eq!(answer["USERNAME"], user);
        assert_eq!(answer["PASSWORD_CLAIM_SECRET_BLOCK"], str_of(v, "secret_block"));
        assert_eq!(answer["TIMESTAMP"], str_of(expect, "timestamp"));

        // A wrong password gives another signature.
        let wrong = client.answer(pool_id, "not-it", &parameters, now).unwrap();
        assert_ne!(
            wrong["PASSWORD_CLAIM_SIGNATURE"], answer["PASSWORD_CLAIM_SIGNATURE"],
            "{name}"
        );
    }
}

#[test]
fn timestamps_match_amplifys_format() {
    for t in vectors()["timestamps"].as_array().unwrap() {
        assert_eq!(srp::timestamp(t["unix"].as_u64().unwrap()), str_of(t, "text"));
    }
}

#[test]
fn a_secret_block_is_read_in_either_base64_alphabet_with_or_without_padding() {
    let key = [1u8; 16];
    let standard = srp::claim_signature(&key, "Pool", "user", "+/8=", "t").unwrap();
    assert_eq!(
        srp::claim_signature(&key, "Pool", "user", "-_8", "t").unwrap(),
        standard
    );
    assert!(srp::claim_signature(&key, "Pool", "user", "not base64!", "t").is_err());
}

#[test]
fn a_challenge_without_its_parameters_is_refused() {
    let client = Srp::from_secret(&[9; 32]).unwrap();
    let err = client
        .answer("eu-west-1_X", "pw", &BTreeMap::new(), 0)
        .unwrap_err();
    assert!(err.to_string().contains("USER_ID_FOR_SRP"), "{err}");
}

/// The committed vectors are what the generator computes now (needs node and the npm packages of
/// `cargo xtask setup`; without them this says so and checks nothing).
#[test]
fn the_committed_vectors_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    if !root.join("node_modules/@aws-amplify/auth").is_dir() {
        eprintln!("skipped: no node_modules/@aws-amplify/auth (run `cargo xtask setup`)");
        return;
    }
    let out = std::process::Command::new("node")
        .arg(fixture_dir().join("gen.mjs"))
        .arg("--check")
        .output();
    match out {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => eprintln!("skipped: cannot run node: {e}"),
    }
}
