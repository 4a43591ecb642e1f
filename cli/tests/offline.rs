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
fn generated_keys_publish_only_public_halves() {
    let first = keys::generate(Alg::Eddsa, Some("k1")).unwrap();
    let set = KeySet::new(vec![first, keys::generate(Alg::Eddsa, Some("k2")).unwrap()]).unwrap();
    let text = keys::to_text(&set.private_jwks());
    let reloaded = KeySet::from_jwks(&text).unwrap();
    assert_eq!(reloaded.signing_key().unwrap().kid(), "k1");
    assert_eq!(reloaded.signing_key().unwrap().algorithm(), Algorithm::EdDSA);
    for key in reloaded.public_jwks()["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none());
    }
    // Two generated keys never share a seed.
    let a = keys::generate(Alg::Eddsa, Some("a")).unwrap().public_jwk();
    let b = keys::generate(Alg::Eddsa, Some("b")).unwrap().public_jwk();
    assert_ne!(a["x"], b["x"]);
}

/// The real binary through stage, promote and retire (no edge to check against: that is the stack test).
#[test]
fn keys_rotate_in_three_steps_and_retire_refuses_early() {
    let dir = std::env::temp_dir().join(format!("handoff-cli-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("signing.jwks");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(args)
            .env_remove("EDGE_URL")
            .env_remove("HANDOFF_STACK_ENV")
            // No .stack/env above the temp dir: keys need no stack.
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
    };
    let path = file.to_str().unwrap();
    assert_eq!(run(&["keys", "generate", "--kid", "old", "--out", path]).0, 0);
    assert_eq!(run(&["keys", "promote", path]).0, 2, "nothing staged yet");
    let (code, kid, _) = run(&["keys", "stage", path, "--kid", "new"]);
    assert_eq!((code, kid.trim()), (0, "new"));
    let signer = || KeySet::from_jwks(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(signer().signing_key().unwrap().kid(), "old");
    assert_eq!(signer().keys().len(), 2);
    let (code, _, err) = run(&["keys", "promote", path]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("make sure the staged set is deployed"), "{err}");
    assert_eq!(signer().signing_key().unwrap().kid(), "new");
    let (code, _, err) = run(&["keys", "retire", path, "--max-ttl", "60"]);
    assert_eq!(code, 2);
    assert!(err.contains("too early"), "{err}");
    assert_eq!(signer().keys().len(), 2, "a refused retire changes nothing");
    let (code, retired, err) = run(&["keys", "retire", path, "--max-ttl", "60", "--force"]);
    assert_eq!((code, retired.trim()), (0, "old"), "{err}");
    assert_eq!(signer().keys().len(), 1);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let public = run(&["keys", "jwks", path]).1;
    assert!(
        !public.contains("\"d\"") && !public.contains("handoff_rotation"),
        "{public}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
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

/// Finding: URL checks could be bypassed with user information; the CLI sends access tokens, passwords and links
/// to these URLs, so it refuses plain http off loopback and any `user@host`.
#[test]
fn urls_that_would_send_credentials_elsewhere_are_refused() {
    let dir = std::env::temp_dir().join(format!("handoff-cli-urls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = "http://127.0.0.1/handoff#handoff=eyJhbGciOiJFZERTQSJ9.eyJ1c2VybmFtZSI6ImEifQ.c2ln";
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(args)
            .env_remove("EDGE_URL")
            .env_remove("COGNITO_ENDPOINT")
            .env_remove("HANDOFF_STACK_ENV")
            .current_dir(&dir)
            .output()
            .unwrap();
        (out.status.code().unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    for (flag, url, why) in [
        (
            "--endpoint",
            "http://cognito-idp.eu-west-1.amazonaws.com/",
            "plain http only on loopback",
        ),
        (
            "--endpoint",
            "http://127.0.0.1:@evil.example/",
            "user information",
        ),
        ("--edge", "http://127.0.0.1:@evil.example", "user information"),
        ("--edge", "http://edge.example", "plain http only on loopback"),
    ] {
        let mut args = vec!["--web-client", "web", flag, url];
        if flag == "--edge" {
            args.extend(["--endpoint", "http://127.0.0.1:9/"]);
        }
        args.extend(["sign-in-link", link]);
        let (code, err) = run(&args);
        assert_eq!(code, 2, "{flag} {url}: {err}");
        assert!(err.contains(why), "{flag} {url}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
