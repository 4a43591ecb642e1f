//! The real `bootstrap` binary, end to end: a tiny Lambda Runtime API and a tiny fake edge on 127.0.0.1.
//! Proves the wiring (runtime protocol, dispatch, the HTTP redeem call, its deadline) and that the edge
//! being down, slow or broken makes Verify fail the invocation (`/runtime/invocation/<id>/error`, so Cognito
//! issues no tokens and says `UserLambdaValidationException`) within the 2 s budget.
//!
//! By default the binary is this build's; `HANDOFF_BOOTSTRAP` / `HANDOFF_BOOTSTRAP_RUNNER` point the same tests at
//! another one, e.g. a packaged arm64 `bootstrap` under qemu-user (`cargo xtask test-bootstrap arm64`).

use std::io::BufRead;
use std::io::BufReader;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

mod common;
use common::event as fixture;
use common::runtime::{FakeRuntime, Reply, read_request, respond};

const SECRET: &str = "test-redeem-secret-0123456789";
/// The `sub` of the fixtures' known user (and of their token).
const KNOWN_SUB: &str = "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60";

/// How the fake edge behaves.
#[derive(Clone, Copy)]
enum Edge {
    /// Answers `{"ok": true}` to an authorised redeem for the fixtures' user, `{"ok": false}` to any other.
    Ok,
    /// Accepts, reads, never answers (until the test ends).
    Slow,
    /// Answers 200 with a body that is not a redeem answer.
    Garbage,
    /// Answers its first request `503` as a proxy in front of the edge does when it lost the request (wrangler
    /// dev's text), then as [`Edge::Ok`].
    LostOnce,
}

/// Starts a fake edge; returns its URL and the redeem bodies it received.
fn start_edge(mode: Edge) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let record = record.clone();
            thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while let Some(request) = read_request(&mut reader) {
                    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                    let authorised = request.header("authorization") == Some(&format!("Bearer {SECRET}"));
                    let earlier = {
                        let mut record = record.lock().unwrap();
                        record.push(body.clone());
                        record.len() - 1
                    };
                    let mode = match mode {
                        Edge::LostOnce if earlier > 0 => Edge::Ok,
                        other => other,
                    };
                    match mode {
                        Edge::Slow => thread::sleep(Duration::from_secs(30)),
                        Edge::Garbage => respond(&mut writer, "200 OK", &[], b"<html>hello</html>"),
                        Edge::LostOnce => respond(
                            &mut writer,
                            "503 Service Unavailable",
                            &[("retry-after", "0".into())],
                            b"Your worker restarted mid-request. Please try sending the request again.",
                        ),
                        Edge::Ok
                            if request.method == "POST" && request.path == "/v1/redeem" && authorised =>
                        {
                            // Like the real edge: the token's user only (a probe's stand-in never is).
                            let answer: &[u8] = if body["sub"] == KNOWN_SUB && body["username"] == "alice" {
                                br#"{"ok":true}"#
                            } else {
                                br#"{"ok":false,"reason":"wrong_user"}"#
                            };
                            respond(
                                &mut writer,
                                "200 OK",
                                &[("content-type", "application/json".into())],
                                answer,
                            )
                        }
                        Edge::Ok => respond(
                            &mut writer,
                            "401 Unauthorized",
                            &[],
                            br#"{"error":"unauthorized","message":"no"}"#,
                        ),
                    }
                }
            });
        }
    });
    (url, seen)
}

/// An address where nothing listens.
fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// The real binary, serving the fake runtime; killed on drop. Its stdout (the JSON log) is collected.
struct Function {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Function {
    fn start(runtime: &FakeRuntime, edge_url: Option<&str>) -> Self {
        Function::start_with(runtime, edge_url, SECRET)
    }

    fn start_with(runtime: &FakeRuntime, edge_url: Option<&str>, secret: &str) -> Self {
        let mut cmd = bootstrap_command();
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", &runtime.addr)
            .env("AWS_LAMBDA_FUNCTION_NAME", "handoff-triggers")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = edge_url {
            cmd.env("HANDOFF_EDGE_URL", url)
                .env("HANDOFF_REDEEM_SECRET", secret)
                .env("HANDOFF_WEB_CLIENT_IDS", "web-client-test");
        }
        let mut child = cmd.spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let stdout = child.stdout.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Function { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The log once it holds a line containing `needle` (the reply can arrive before the log line is read).
    fn log_with(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            let log = self.log();
            if log.contains(needle) || std::time::Instant::now() > deadline {
                return log;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn assert_running(&mut self) {
        assert!(matches!(self.child.try_wait(), Ok(None)), "the function exited");
    }
}

/// The binary under test: `HANDOFF_BOOTSTRAP` when set (e.g. the `bootstrap` taken out of a packaged zip, as
/// `cargo xtask test-bootstrap` does), else this build's; run through `HANDOFF_BOOTSTRAP_RUNNER` when that is set
/// (whitespace-separated program and arguments, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu` for arm64).
fn bootstrap_command() -> Command {
    let binary = std::env::var_os("HANDOFF_BOOTSTRAP")
        .filter(|b| !b.is_empty())
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_bootstrap")), PathBuf::from);
    let runner = std::env::var("HANDOFF_BOOTSTRAP_RUNNER").unwrap_or_default();
    let mut runner = runner.split_whitespace();
    match runner.next() {
        Some(program) => {
            let mut cmd = Command::new(program);
            cmd.args(runner).arg(binary);
            cmd
        }
        None => Command::new(binary),
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs Create through the function, then builds the matching Verify event (with Create's nonce).
fn create_then_verify_event(runtime: &FakeRuntime, id: &str) -> Value {
    create_then(runtime, id, "verify.json")
}

/// Runs Create through the function, then builds the Verify event from fixture `verify` with Create's nonce.
fn create_then(runtime: &FakeRuntime, id: &str, verify: &str) -> Value {
    let (reply, _) = runtime.invoke(&format!("{id}-create"), fixture("create.json"));
    assert_eq!(reply.kind, "response", "{reply:?}");
    let nonce = reply.body["response"]["privateChallengeParameters"]["nonce"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(handoff_core::base64url::decode(&nonce).unwrap().len() >= 16);
    let mut verify = fixture(verify);
    verify["request"]["privateChallengeParameters"] = json!({"nonce": nonce});
    verify
}

#[test]
fn the_binary_runs_a_whole_sign_in_against_a_working_edge() {
    let runtime = FakeRuntime::start();
    let (edge, seen) = start_edge(Edge::Ok);
    let function = Function::start(&runtime, Some(&edge));

    let (define, _) = runtime.invoke("1", fixture("define-empty-session.json"));
    assert_eq!(define.kind, "response");
    assert_eq!(define.body["response"]["challengeName"], "CUSTOM_CHALLENGE");

    let verify = create_then_verify_event(&runtime, "2");
    let nonce = verify["request"]["privateChallengeParameters"]["nonce"].clone();
    let (reply, _) = runtime.invoke("3", verify.clone());
    assert_eq!(reply.kind, "response");
    assert_eq!(reply.body["response"]["answerCorrect"], true);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["nonce"], nonce);
    assert_eq!(seen[0]["token"], verify["request"]["challengeAnswer"]);
    assert_eq!(seen[0]["client_id"], "web-client-test");

    let (define, _) = runtime.invoke("4", fixture("define-one-success.json"));
    assert_eq!(define.body["response"]["issueTokens"], true);

    // The log has the verdict and a fingerprint, never the token, the nonce or the secret.
    let log = function.log_with("\"answer_correct\":true");
    let token = verify["request"]["challengeAnswer"].as_str().unwrap();
    assert!(log.contains("\"answer_correct\":true"), "{log}");
    assert!(log.contains(&handoff_core::fingerprint(token)));
    assert!(!log.contains(token) && !log.contains(nonce.as_str().unwrap()) && !log.contains(SECRET));
    for line in log.lines() {
        serde_json::from_str::<Value>(line).expect("every log line is JSON");
    }
}

#[test]
fn a_request_lost_in_front_of_the_edge_is_sent_again_with_the_same_nonce_and_signs_in() {
    let (edge, seen) = start_edge(Edge::LostOnce);
    let (reply, _, log) = verify_against(&edge);
    assert_eq!(reply.kind, "response", "{reply:?}");
    assert_eq!(reply.body["response"]["answerCorrect"], true);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], seen[1], "the same redeem, nonce included");
    assert!(log.contains("\"attempts\":2"), "{log}");
}

/// Runs Create, then Verify against `edge_url`; the Verify reply (kind and body), its time and the log.
fn verify_against(edge_url: &str) -> (Reply, Duration, String) {
    verify_fixture_against("verify.json", edge_url)
}

/// [`verify_against`] with the Verify event from fixture `name`.
fn verify_fixture_against(name: &str, edge_url: &str) -> (Reply, Duration, String) {
    let runtime = FakeRuntime::start();
    let function = Function::start(&runtime, Some(edge_url));
    let verify = create_then(&runtime, "1", name);
    let token = verify["request"]["challengeAnswer"].as_str().unwrap().to_owned();
    let (reply, took) = runtime.invoke("2", verify);
    let log = function.log_with("VerifyAuthChallengeResponse");
    assert!(!log.contains(&token) && !log.contains(SECRET), "{log}");
    (reply, took, log)
}

/// The reply is an invocation error with the stable type and an outward message naming only the code.
fn assert_invocation_error(reply: &Reply, code: &str, edge_url: &str) {
    assert_eq!(reply.kind, "error", "{reply:?}");
    assert_eq!(reply.body["errorType"], format!("Handoff.{code}"), "{reply:?}");
    let message = reply.body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("({code})")), "{message}");
    assert!(
        !message.contains(edge_url.trim_start_matches("http://")),
        "{message}"
    );
}

/// The Verify log line: level error, the reason code, the finer cause.
fn assert_logged(log: &str, reason: &str, cause: &str) {
    let line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|r| r["trigger"] == "VerifyAuthChallengeResponse_Authentication")
        .unwrap_or_else(|| panic!("no Verify log line: {log}"));
    assert_eq!(line["level"], "error", "{line}");
    assert_eq!(line["reason"], reason, "{line}");
    assert_eq!(line["cause"], cause, "{line}");
    assert_eq!(line["answer_correct"], false, "{line}");
}

#[test]
fn edge_down_fails_the_invocation_within_two_seconds() {
    let edge = closed_url();
    let (reply, took, log) = verify_against(&edge);
    assert_invocation_error(&reply, "unavailable", &edge);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_logged(&log, "unavailable", "edge_unreachable");
    assert!(log.contains("\"attempts\":2"), "{log}");
}

#[test]
fn an_unknown_user_reaches_the_edge_once_with_stand_ins_and_gets_a_wrong_answer() {
    let runtime = FakeRuntime::start();
    let (edge, seen) = start_edge(Edge::Ok);
    let function = Function::start(&runtime, Some(&edge));
    let verify = create_then(&runtime, "1", "verify-user-not-found.json");
    let (reply, _) = runtime.invoke("2", verify.clone());
    assert_eq!(reply.kind, "response", "{reply:?}");
    assert_eq!(reply.body["response"]["answerCorrect"], false);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "exactly one call to the edge: {seen:?}");
    // The answer and this attempt's nonce, but never a user: not the typed name, not a sub.
    assert_eq!(seen[0]["token"], verify["request"]["challengeAnswer"]);
    assert_eq!(
        seen[0]["nonce"],
        verify["request"]["privateChallengeParameters"]["nonce"]
    );
    assert_eq!(seen[0]["sub"], handoff_triggers::verify::PROBE_SUB);
    assert_eq!(seen[0]["username"], handoff_triggers::verify::PROBE_USERNAME);
    let log = function.log_with("\"user_not_found\":true");
    assert!(log.contains("\"reason\":\"user_not_found\""), "{log}");
    assert!(log.contains("\"probe\":true"), "{log}");
}

#[test]
fn edge_down_fails_an_unknown_users_invocation_exactly_like_a_known_users() {
    let edge = closed_url();
    let (known, _, _) = verify_against(&edge);
    let (reply, took, log) = verify_fixture_against("verify-user-not-found.json", &edge);
    assert_invocation_error(&reply, "unavailable", &edge);
    assert_eq!(reply.body, known.body, "the caller sees the same error");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_logged(&log, "unavailable", "edge_unreachable");
    assert!(log.contains("\"attempts\":2"), "{log}");
}

#[test]
fn edge_slow_fails_an_unknown_users_invocation_within_the_same_budget() {
    let (edge, seen) = start_edge(Edge::Slow);
    let (reply, took, log) = verify_fixture_against("verify-user-not-found.json", &edge);
    assert_invocation_error(&reply, "unavailable", &edge);
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert!(
        took >= Duration::from_millis(1500),
        "spent the budget like a known user: {took:?}"
    );
    assert_logged(&log, "unavailable", "edge_timeout");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn edge_slow_fails_the_invocation_within_the_budget() {
    let (edge, seen) = start_edge(Edge::Slow);
    let (reply, took, log) = verify_against(&edge);
    assert_invocation_error(&reply, "unavailable", &edge);
    // The spec's budget is 2 s for the edge; allow the runtime round trip on top, far below Cognito's 5 s.
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_logged(&log, "unavailable", "edge_timeout");
    // A timeout is not retried: the request reached the edge.
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn edge_garbage_fails_the_invocation_as_misconfigured() {
    let (edge, _) = start_edge(Edge::Garbage);
    let (reply, _, log) = verify_against(&edge);
    assert_invocation_error(&reply, "misconfigured", &edge);
    assert_logged(&log, "misconfigured", "edge_garbage");
}

#[test]
fn a_rejected_secret_fails_the_invocation_as_misconfigured() {
    let (edge, _) = start_edge(Edge::Ok);
    let runtime = FakeRuntime::start();
    let mut function = Function::start_with(&runtime, Some(&edge), "not-the-secret");
    let verify = create_then_verify_event(&runtime, "1");
    let (reply, _) = runtime.invoke("2", verify);
    assert_invocation_error(&reply, "misconfigured", &edge);
    assert_logged(
        &function.log_with("VerifyAuthChallengeResponse"),
        "misconfigured",
        "edge_status",
    );
    // The function keeps serving after the error.
    let (define, _) = runtime.invoke("3", fixture("define-empty-session.json"));
    assert_eq!(define.kind, "response");
    function.assert_running();
}

/// Without a configuration no sign-in can finish, and Define no longer knows which clients to let through: the
/// flow fails at its first step, as an invocation error the alarm counts.
#[test]
fn missing_configuration_fails_define_and_verify_with_an_error() {
    let runtime = FakeRuntime::start();
    let function = Function::start(&runtime, None);
    let (define, _) = runtime.invoke("1", fixture("define-empty-session.json"));
    assert_invocation_error(&define, "misconfigured", "-");
    let log = function.log_with("DefineAuthChallenge");
    assert!(
        log.lines()
            .any(|l| l.contains("DefineAuthChallenge_Authentication")
                && l.contains("\"reason\":\"misconfigured\"")),
        "{log}"
    );
    let (reply, _) = runtime.invoke("2", fixture("verify.json"));
    assert_invocation_error(&reply, "misconfigured", "-");
    assert_logged(
        &function.log_with("VerifyAuthChallengeResponse"),
        "misconfigured",
        "not_configured",
    );
}

#[test]
fn an_unknown_trigger_is_reported_as_an_error() {
    let runtime = FakeRuntime::start();
    let _function = Function::start(&runtime, Some(&closed_url()));
    let mut event = fixture("define-empty-session.json");
    event["triggerSource"] = "PreSignUp_SignUp".into();
    let (reply, _) = runtime.invoke("1", event);
    assert_eq!(reply.kind, "error");
    // The function keeps serving after an error.
    let (reply, _) = runtime.invoke("2", fixture("define-one-failure.json"));
    assert_eq!(reply.body["response"]["failAuthentication"], true);
}
