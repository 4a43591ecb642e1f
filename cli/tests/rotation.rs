//! Rotations on the local stack, end to end, the way an operator runs them in production: the signing key in
//! three steps (`handoff keys stage | promote | retire`, each followed by a deploy of the key set), and the
//! redeem secret (the edge accepts two, the trigger moves through Secrets Manager, the edge drops the old one).
//! `cargo xtask stack redeploy-edge` stands in for `wrangler deploy`: same code, new secrets, state kept.
//!
//! They change the running stack's keys and secrets, so they run after every other stack test
//! (`tests/stack/run.sh`): `cargo test -p handoff-cli --test rotation -- --ignored --test-threads 1`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use handoff_cli::settings::{find_stack_env, parse_env};
use serde_json::{Value, json};

struct Stack {
    env_file: PathBuf,
    vars: BTreeMap<String, String>,
    home: PathBuf,
    username: String,
    password: String,
}

fn nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

impl Stack {
    /// The running stack, and a fresh user of its own (so earlier tests' rate-limit windows do not count).
    fn get(tag: &str) -> Stack {
        let env_file = std::env::var_os("HANDOFF_STACK_ENV")
            .map(PathBuf::from)
            .or_else(|| find_stack_env(Path::new(env!("CARGO_MANIFEST_DIR"))))
            .expect("no .stack/env: run `cargo xtask stack up` first");
        let vars = parse_env(&std::fs::read_to_string(&env_file).unwrap());
        let home = std::env::temp_dir().join(format!("handoff-rotation-{tag}-{}", nanos()));
        let username = format!("rotation-{tag}-{}", nanos() % 1_000_000_000);
        let password = format!("Rot8!{}", nanos() % 1_000_000_000_000);
        let stack = Stack {
            env_file,
            vars,
            home,
            username,
            password,
        };
        let pool = stack.var("USER_POOL_ID").to_owned();
        stack.cognito(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": stack.username, "MessageAction": "SUPPRESS"}),
        );
        stack.cognito(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": stack.username, "Password": stack.password, "Permanent": true}),
        );
        let (code, _, err) = stack.handoff_stdin(
            &["login", "--username", &stack.username, "--password-stdin"],
            &stack.password,
        );
        assert_eq!(code, 0, "{err}");
        stack
    }

    fn var(&self, key: &str) -> &str {
        self.vars
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{key} missing from .stack/env"))
    }

    /// An unsigned call to the emulator (admin calls are accepted unsigned there).
    fn aws(&self, target: &str, body: Value) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(self.var("COGNITO_ENDPOINT"))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .send(body.to_string().as_bytes())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(status, 200, "{target}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    fn cognito(&self, op: &str, body: Value) -> Value {
        self.aws(&format!("AWSCognitoIdentityProviderService.{op}"), body)
    }

    fn handoff_stdin(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(args)
            .env("HANDOFF_STACK_ENV", &self.env_file)
            .env("HANDOFF_HOME", &self.home)
            .env_remove("EDGE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (
            out.status.code().unwrap_or(-1),
            text(out.stdout),
            text(out.stderr),
        )
    }

    fn handoff(&self, args: &[&str]) -> (i32, String, String) {
        self.handoff_stdin(args, "")
    }

    fn link(&self) -> String {
        let (code, url, err) = self.handoff(&["link"]);
        assert_eq!(code, 0, "{err}");
        url.trim().to_owned()
    }

    /// The landing page's sign-in, without a browser; true when the user signed in.
    fn signs_in(&self, url: &str) -> bool {
        let (code, _, err) = self.handoff(&["sign-in-link", url]);
        assert!(code == 0 || code == 1, "sign-in-link exited {code}: {err}");
        code == 0
    }

    /// `POST /v1/redeem` as the trigger does, with `secret`: (status, answer).
    fn redeem_direct(&self, url: &str, secret: &str) -> (u16, Value) {
        let token = url.split_once("#handoff=").unwrap().1;
        let claims = handoff_cli::landing::unverified_claims(token).unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let body = json!({
            "token": token,
            "sub": claims["sub"],
            "username": claims["username"],
            "client_id": self.var("WEB_CLIENT_ID"),
            "nonce": format!("rotation-test-nonce-{}", nanos()),
        });
        let mut response = agent
            .post(&format!("{}/v1/redeem", self.var("EDGE_URL")))
            .header("authorization", &format!("Bearer {secret}"))
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes())
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap_or(Value::Null),
        )
    }

    fn kid_of(url: &str) -> String {
        let token = url.split_once("#handoff=").unwrap().1;
        let header = token.split('.').next().unwrap();
        let header: Value =
            serde_json::from_slice(&handoff_core::base64url::decode(header).unwrap()).unwrap();
        header["kid"].as_str().unwrap().to_owned()
    }

    fn published_kids(&self) -> Vec<String> {
        handoff_cli::edge::Edge::new(self.var("EDGE_URL"))
            .published_kids()
            .unwrap()
    }

    fn stack_dir(&self) -> PathBuf {
        self.env_file.parent().unwrap().to_path_buf()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// `cargo xtask stack redeploy-edge`: the stack's `wrangler deploy`.
fn redeploy_edge() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(env!("CARGO"))
        .args(["xtask", "stack", "redeploy-edge"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "redeploy-edge: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs the local stack (`cargo xtask stack up`); changes its signing keys"]
fn signing_key_rotation_never_breaks_a_live_link() {
    let stack = Stack::get("keys");
    let file = stack.var("SIGNING_JWKS_FILE").to_owned();
    let edge = stack.var("EDGE_URL").to_owned();
    let old_kid = stack.published_kids()[0].clone();

    let before_stage = stack.link();
    assert_eq!(Stack::kid_of(&before_stage), old_kid);

    // 1. stage: published for verification, not signing.
    let (code, new_kid, err) = stack.handoff(&["keys", "stage", &file]);
    assert_eq!(code, 0, "{err}");
    let new_kid = new_kid.trim().to_owned();
    // Promoting before the staged set is deployed is refused: the edge does not publish the new key yet.
    let (code, _, err) = stack.handoff(&["--edge", &edge, "keys", "promote", &file]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not publish"), "{err}");
    redeploy_edge();
    assert_eq!(stack.published_kids(), [old_kid.clone(), new_kid.clone()]);
    let between = stack.link();
    let kept_for_retire = stack.link();
    assert_eq!(Stack::kid_of(&between), old_kid, "a staged key never signs");

    // 2. promote: the new key signs, the old one still verifies.
    let (code, _, err) = stack.handoff(&["--edge", &edge, "keys", "promote", &file]);
    assert_eq!(code, 0, "{err}");
    redeploy_edge();
    assert_eq!(stack.published_kids(), [new_kid.clone(), old_kid.clone()]);
    assert!(
        stack.signs_in(&before_stage),
        "a link issued before stage must redeem after promote"
    );
    assert!(
        stack.signs_in(&between),
        "a link issued between stage and promote must redeem"
    );
    let after_promote = stack.link();
    assert_eq!(Stack::kid_of(&after_promote), new_kid);
    assert!(stack.signs_in(&after_promote));

    // 3. retire: refused before the longest lifetime plus leeway has passed since the promotion.
    let (code, _, err) = stack.handoff(&["--edge", &edge, "keys", "retire", &file]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("too early"), "{err}");
    assert_eq!(stack.published_kids().len(), 2);
    // With a 1 s lifetime the wait is 1 + 5 s: after it, retire goes through without --force.
    std::thread::sleep(Duration::from_secs(7));
    let (code, retired, err) = stack.handoff(&["--edge", &edge, "keys", "retire", &file, "--max-ttl", "1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(retired.trim(), old_kid);
    redeploy_edge();
    assert_eq!(stack.published_kids(), [new_kid]);

    // A link the old key signed is now refused, with its own reason, and signs nobody in.
    let (status, answer) = stack.redeem_direct(&kept_for_retire, stack.var("REDEEM_SECRET"));
    assert_eq!(
        (status, &answer),
        (200, &json!({"ok": false, "reason": "unknown_key"}))
    );
    assert!(!stack.signs_in(&kept_for_retire));
}

#[test]
#[ignore = "needs the local stack (`cargo xtask stack up`); changes its redeem secret"]
fn redeem_secret_rotation_refuses_no_redeem() {
    let stack = Stack::get("secret");
    let secrets_file = stack.stack_dir().join("redeem-secrets");
    let old = stack.var("REDEEM_SECRET").to_owned();
    let new = format!("rotated-{:x}{:x}", nanos(), nanos() ^ 0x5eed);

    // The function's configuration names the secret; it never holds it.
    let function = stack
        .var("TRIGGER_FUNCTION_ARN")
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let config = agent
        .get(&format!(
            "{}/2015-03-31/functions/{function}",
            stack.var("COGNITO_ENDPOINT")
        ))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(config.contains("HANDOFF_REDEEM_SECRET_ARN"), "{config}");
    assert!(
        !config.contains(&old),
        "the redeem secret must not be in the function's configuration"
    );

    // 1. The edge accepts both.
    std::fs::write(&secrets_file, format!("{new}\n{old}\n")).unwrap();
    redeploy_edge();
    assert!(
        stack.signs_in(&stack.link()),
        "step 1: the trigger still presents the old secret"
    );

    // 2. The trigger moves: a new current version in Secrets Manager.
    stack.aws(
        "secretsmanager.PutSecretValue",
        json!({"SecretId": stack.var("REDEEM_SECRET_ARN"), "SecretString": new}),
    );
    assert!(stack.signs_in(&stack.link()), "step 2");

    // 3. The edge drops the old secret. A warm trigger still holding it is refused once (401), reads the
    //    secret again (at most every 10 s) and retries: no redeem is refused.
    std::thread::sleep(Duration::from_secs(11));
    std::fs::write(&secrets_file, format!("{new}\n")).unwrap();
    redeploy_edge();
    assert!(stack.signs_in(&stack.link()), "step 3");
    let (status, _) = stack.redeem_direct(&stack.link(), &old);
    assert_eq!(status, 401, "the old secret is refused once dropped");

    // Later tests and tools read the current secret from .stack/env.
    let text = std::fs::read_to_string(&stack.env_file).unwrap();
    std::fs::write(
        &stack.env_file,
        text.replace(
            &format!("REDEEM_SECRET={old}\n"),
            &format!("REDEEM_SECRET={new}\n"),
        ),
    )
    .unwrap();
}
