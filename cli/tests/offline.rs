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

/// Runs the binary in `dir` with a clean environment (HOME = `dir`, plus `env`) and `stdin`.
fn handoff_in(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!("handoff-cli-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Settings: ~/.config/handoff/config (or $XDG_CONFIG_HOME/handoff/config) is read; a .stack/env in the working
/// directory is not, unless named; a named one beats the settings file, the environment beats both.
#[test]
fn settings_come_from_the_user_config_dir_and_a_stack_file_only_when_named() {
    let dir = temp_dir("settings");
    let stack = dir.join(".stack");
    std::fs::create_dir_all(&stack).unwrap();
    std::fs::write(
        stack.join("env"),
        "MOBILE_CLIENT_ID=from-stack\nDEMO_USERNAME=demo\nCOGNITO_ENDPOINT=http://stack.example/\n",
    )
    .unwrap();
    // Nothing configured: the stack file next door is not read, and the errors name no demo settings.
    let (code, _, err) = handoff_in(&dir, &["login"], &[], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no username: pass --username or set HANDOFF_USERNAME"),
        "{err}"
    );
    let (code, _, err) = handoff_in(&dir, &["login", "--username", "u"], &[], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("MOBILE_CLIENT_ID is not configured"), "{err}");
    assert!(
        err.contains(&dir.join(".config/handoff/config").display().to_string()),
        "{err}"
    );
    for (_, _, err) in [
        handoff_in(&dir, &["login"], &[], ""),
        handoff_in(&dir, &["login", "--username", "u"], &[], ""),
        handoff_in(
            &dir,
            &["login", "--username", "u", "--mobile-client", "m"],
            &[],
            "",
        ),
    ] {
        assert!(
            !err.contains("DEMO") && !err.to_lowercase().contains("demo"),
            "{err}"
        );
    }

    // ~/.config/handoff/config is read (its endpoint is refused: plain http off loopback).
    let config = dir.join(".config/handoff");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config"),
        "HANDOFF_USERNAME=alice\nMOBILE_CLIENT_ID=from-config\nCOGNITO_ENDPOINT=http://config.example/\n",
    )
    .unwrap();
    let pw = [("HANDOFF_PASSWORD", "pw")];
    let (code, _, err) = handoff_in(&dir, &["login"], &pw, "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("COGNITO_ENDPOINT must be an https:// URL"), "{err}");

    // $XDG_CONFIG_HOME wins over ~/.config.
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(xdg.join("handoff")).unwrap();
    std::fs::write(
        xdg.join("handoff/config"),
        "COGNITO_ENDPOINT=http://user@127.0.0.1/\n",
    )
    .unwrap();
    let xdg_env = [
        ("HANDOFF_PASSWORD", "pw"),
        ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
    ];
    let (code, _, err) = handoff_in(
        &dir,
        &["login", "--username", "u", "--mobile-client", "m"],
        &xdg_env,
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("user information"), "{err}");

    // A named stack file beats the settings file; the environment beats both.
    let (code, _, err) = handoff_in(&dir, &["--stack-env", ".stack/env", "login"], &[], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no password"),
        "the stack's demo user is the default: {err}"
    );
    let (code, _, err) = handoff_in(&dir, &["--stack-env", ".stack/env", "login"], &pw, "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("plain http only on loopback"), "{err}");
    let env = [
        ("HANDOFF_PASSWORD", "pw"),
        ("COGNITO_ENDPOINT", "https://user@env.example/"),
    ];
    let (code, _, err) = handoff_in(&dir, &["--stack-env", ".stack/env", "login"], &env, "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("user information"), "{err}");

    // SRP needs the pool id: asked for by name, with the way out.
    let env = [
        ("HANDOFF_PASSWORD", "pw"),
        ("COGNITO_ENDPOINT", "http://127.0.0.1:9/"),
    ];
    let (code, _, err) = handoff_in(&dir, &["login", "--auth-flow", "srp"], &env, "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--user-pool") && err.contains("--auth-flow password"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The region comes from the pool id when nothing else names it; a region that is not one is refused.
#[test]
fn the_endpoint_follows_the_user_pool_region() {
    let dir = temp_dir("region");
    let env = [
        ("HANDOFF_PASSWORD", "pw"),
        ("USER_POOL_ID", "evil.example/x_Pool"),
    ];
    let (code, _, err) = handoff_in(
        &dir,
        &["login", "--username", "u", "--mobile-client", "m"],
        &env,
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not an AWS region name"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--access-token-stdin`: an id token is refused by name; an access token is used as given, shown only by its
/// fingerprint (the edge here is a closed port: exit 3).
#[test]
fn an_access_token_from_stdin_is_checked_and_never_echoed() {
    let dir = temp_dir("token");
    let payload = |claims: &str| handoff_core::base64url::encode(claims.as_bytes());
    let id_token = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        payload(r#"{"token_use":"id","username":"u"}"#)
    );
    let access = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2lnbmF0dXJl",
        payload(r#"{"token_use":"access","username":"alice"}"#)
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let edge = format!("http://127.0.0.1:{closed}");
    for command in ["link", "revoke"] {
        let args = ["--edge", edge.as_str(), command, "--access-token-stdin"];
        let (code, _, err) = handoff_in(&dir, &args, &[], &format!("{id_token}\n"));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("that is an id token"), "{err}");
        let (code, _, err) = handoff_in(&dir, &args, &[], "\n");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("no access token on stdin"), "{err}");
        let (code, out, err) = handoff_in(&dir, &args, &[], &format!("  {access} \r\n"));
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("cannot reach the edge"), "{err}");
        assert!(err.contains(&handoff_core::fingerprint(&access)), "{err}");
        assert!(err.contains("\"alice\""), "{err}");
        assert!(!err.contains(&access) && !out.contains(&access), "{err}");
        // No session is needed, and none is written.
        assert!(!dir.join(".config/handoff/session.json").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--help` lists every exit code of the enum; every subcommand has help (exit 0); `redeem` still works as an
/// alias of `sign-in-link`.
#[test]
fn help_lists_the_exit_codes_and_the_renamed_command_keeps_its_old_name() {
    let dir = temp_dir("help");
    let (code, out, _) = handoff_in(&dir, &["--help"], &[], "");
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes: 0 success, 1 refused"), "{out}");
    assert!(
        out.contains("4 a local file could not be read or written"),
        "{out}"
    );
    assert!(out.contains("sign-in-link") && !out.contains("redeem "), "{out}");
    for command in [
        "login",
        "link",
        "sign-in-link",
        "redeem",
        "revoke",
        "keys",
        "provision",
    ] {
        let (code, out, err) = handoff_in(&dir, &[command, "--help"], &[], "");
        assert_eq!(code, 0, "{command}: {err}");
        assert!(out.contains("Usage: handoff"), "{command}: {out}");
    }
    let (_, out, _) = handoff_in(&dir, &["redeem", "--help"], &[], "");
    assert!(out.contains("Usage: handoff sign-in-link"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
