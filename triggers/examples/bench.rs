//! Trigger benchmark: cold start and warm invocation of the real `bootstrap`, and Verify's latency with an
//! edge on loopback (a fake one answering `{"ok": true}` at once, and, when the local stack is up, the real
//! edge in wrangler dev). Prints a table; asserts nothing.
//!
//!   cargo build --release -p handoff-triggers --bin bootstrap
//!   cargo run --release -p handoff-triggers --example bench [-- ROUNDS]

#[path = "../tests/common/runtime.rs"]
mod runtime;

use std::io::BufReader;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use runtime::{FakeRuntime, read_request, respond};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join("tests/fixtures/cognito").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(runtime: &FakeRuntime, edge: &str, secret: &str) -> Function {
    let bin = root().join("target/release/bootstrap");
    assert!(
        bin.is_file(),
        "build it first: cargo build --release -p handoff-triggers --bin bootstrap"
    );
    let child = Command::new(bin)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &runtime.addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("HANDOFF_EDGE_URL", edge)
        .env("HANDOFF_REDEEM_SECRET", secret)
        .env("HANDOFF_WEB_CLIENT_IDS", "web-client-test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Function(child)
}

/// A fake edge that answers every request `{"ok": true}` at once.
fn fake_edge() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while read_request(&mut reader).is_some() {
                    respond(
                        &mut writer,
                        "200 OK",
                        &[("content-type", "application/json".into())],
                        br#"{"ok":true}"#,
                    );
                }
            });
        }
    });
    url
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {name:<44} | {:>5} | {:>8.2} | {:>8.2} | {:>8.2} |",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    );
}

fn invoke_many(runtime: &FakeRuntime, event: &Value, rounds: usize, expect: &str) -> Vec<Duration> {
    (0..rounds)
        .map(|i| {
            let (reply, took) = runtime.invoke(&format!("r{i}"), event.clone());
            assert_eq!(reply.kind, "response");
            if !expect.is_empty() {
                assert_eq!(reply.body["response"]["answerCorrect"], true, "{expect}");
            }
            took
        })
        .collect()
}

/// A real handoff token from the running stack (login + issue), and the settings to redeem it.
fn stack_token() -> Option<(std::collections::BTreeMap<String, String>, String)> {
    let env = std::fs::read_to_string(root().join(".stack/env")).ok()?;
    let vars: std::collections::BTreeMap<String, String> = env
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let login = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": vars["MOBILE_CLIENT_ID"],
        "AuthParameters": {"USERNAME": vars["DEMO_USERNAME"], "PASSWORD": vars["DEMO_PASSWORD"]}});
    let answer: Value = serde_json::from_str(
        &agent
            .post(&vars["COGNITO_ENDPOINT"])
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
            .send(login.to_string())
            .ok()?
            .body_mut()
            .read_to_string()
            .ok()?,
    )
    .ok()?;
    let access = answer["AuthenticationResult"]["AccessToken"].as_str()?.to_owned();
    let issued: Value = serde_json::from_str(
        &agent
            .post(format!("{}/v1/handoffs", vars["EDGE_URL"]))
            .header("authorization", &format!("Bearer {access}"))
            .header("content-type", "application/json")
            .send("{}")
            .ok()?
            .body_mut()
            .read_to_string()
            .ok()?,
    )
    .ok()?;
    Some((vars, issued["token"].as_str()?.to_owned()))
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let edge = fake_edge();
    println!(
        "| {:<44} | {:>5} | {:>8} | {:>8} | {:>8} |",
        "measure (ms)", "n", "p50", "p99", "max"
    );
    println!("|{:-<46}|{:-<7}|{:-<10}|{:-<10}|{:-<10}|", "", "", "", "", "");

    let (mut init, mut first) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let runtime = FakeRuntime::start();
        let spawned = Instant::now();
        let _function = start(&runtime, &edge, "bench-secret");
        let (_, took) = runtime.invoke("cold", fixture("define-empty-session.json"));
        let ready = runtime
            .first_next
            .lock()
            .unwrap()
            .expect("the function asked for an event");
        init.push(ready - spawned);
        first.push(spawned.elapsed());
        let _ = took;
    }
    row("cold start: spawn -> first /next (init)", init);
    row("cold start: spawn -> first Define answered", first);

    let runtime = FakeRuntime::start();
    let _function = start(&runtime, &edge, "bench-secret");
    runtime.invoke("warmup", fixture("define-empty-session.json"));
    row(
        "warm Define (runtime round trip)",
        invoke_many(&runtime, &fixture("define-one-success.json"), rounds, ""),
    );
    row(
        "warm Create (nonce from getrandom)",
        invoke_many(&runtime, &fixture("create.json"), rounds, ""),
    );
    row(
        "warm Verify, fake edge on loopback",
        invoke_many(&runtime, &fixture("verify.json"), rounds, "ok"),
    );
    drop(_function);

    match stack_token() {
        None => {
            println!("\n(the local stack is not up: `cargo xtask stack up` adds a row for the real edge)")
        }
        Some((vars, token)) => {
            let runtime = FakeRuntime::start();
            let _function = start(&runtime, &vars["EDGE_URL"], &vars["REDEEM_SECRET"]);
            let mut event = fixture("verify.json");
            event["userName"] = vars["DEMO_USERNAME"].clone().into();
            event["callerContext"]["clientId"] = vars["WEB_CLIENT_ID"].clone().into();
            event["request"]["userAttributes"]["sub"] = vars["DEMO_SUB"].clone().into();
            event["request"]["challengeAnswer"] = token.into();
            event["request"]["privateChallengeParameters"]["nonce"] = "bench-nonce-0001".into();
            // The first redeem burns the token for this nonce; the same nonce then answers ok again (a retry).
            runtime.invoke("burn", event.clone());
            row(
                "warm Verify, real edge (wrangler dev, same nonce)",
                invoke_many(&runtime, &event, rounds, "ok"),
            );
        }
    }
}
