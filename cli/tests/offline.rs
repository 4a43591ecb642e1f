//! Pieces that need no service: settings, key management, private files.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;

use handoff_cli::keys::{self, Alg};
use handoff_cli::settings::{Settings, parse_env};
use handoff_cli::{files, state};
use handoff_core::{Algorithm, KeySet};

#[test]
fn env_files_parse_key_value_lines() {
    let values = parse_env(
        "# comment\n\nEDGE_URL=http://127.0.0.1:8787\nexport A=\"quoted\"\n B = spaced \nnoequals\n",
    );
    assert_eq!(values["EDGE_URL"], "http://127.0.0.1:8787");
    assert_eq!(values["A"], "quoted");
    assert_eq!(values["B"], "spaced");
    assert_eq!(values.len(), 3);
}

#[test]
fn a_flag_beats_the_file_and_missing_values_name_the_flag() {
    let settings = Settings::from_values(BTreeMap::from([(
        "HANDOFF_TEST_ONLY_KEY".to_owned(),
        "file".to_owned(),
    )]));
    assert_eq!(
        settings.pick(Some("flag"), "HANDOFF_TEST_ONLY_KEY").unwrap(),
        "flag"
    );
    assert_eq!(settings.pick(None, "HANDOFF_TEST_ONLY_KEY").unwrap(), "file");
    let err = settings
        .require(None, "HANDOFF_TEST_ONLY_MISSING", "--thing")
        .unwrap_err();
    assert!(err.contains("--thing") && err.contains("HANDOFF_TEST_ONLY_MISSING"));
}

#[test]
fn generated_keys_rotate_and_publish_only_public_halves() {
    let first = keys::generate(Alg::Eddsa, Some("k1")).unwrap();
    let set = KeySet::new(vec![first]).unwrap();
    let text = keys::to_text(&set.private_jwks());
    let reloaded = KeySet::from_jwks(&text).unwrap();
    assert_eq!(reloaded.signing_key().unwrap().kid(), "k1");
    assert_eq!(reloaded.signing_key().unwrap().algorithm(), Algorithm::EdDSA);

    let rotated = keys::rotate(&reloaded, keys::generate(Alg::Eddsa, None).unwrap()).unwrap();
    assert_eq!(rotated.keys().len(), 2);
    assert_ne!(rotated.signing_key().unwrap().kid(), "k1");
    assert!(rotated.get("k1").is_some(), "the old key stays for verification");
    assert!(keys::rotate(&rotated, keys::generate(Alg::Eddsa, Some("k1")).unwrap()).is_err());

    let public = rotated.public_jwks();
    for key in public["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none());
    }
    // Two generated keys never share a seed.
    let a = keys::generate(Alg::Eddsa, Some("a")).unwrap().public_jwk();
    let b = keys::generate(Alg::Eddsa, Some("b")).unwrap().public_jwk();
    assert_ne!(a["x"], b["x"]);
}

#[test]
fn private_files_are_owner_only_even_when_replacing_a_looser_file() {
    let dir = std::env::temp_dir().join(format!("handoff-cli-test-{}", std::process::id()));
    let path = dir.join("nested").join("secret.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    files::write_private(&path, b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn token_lifetimes_are_read_from_exp() {
    let payload = handoff_core::base64url::encode(br#"{"exp":1000}"#);
    let jwt = format!("e30.{payload}.sig");
    assert_eq!(state::seconds_left(&jwt, 900), Some(100));
    assert_eq!(state::seconds_left(&jwt, 1100), Some(-100));
    assert_eq!(state::seconds_left("garbage", 0), None);
}
