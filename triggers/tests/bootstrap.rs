//! The real `bootstrap` binary, end to end: a tiny Lambda Runtime API and a tiny fake edge on 127.0.0.1.
//! Proves the wiring (runtime protocol, dispatch, the HTTP redeem call, its deadline) and that the edge
//! being down, slow or broken makes Verify answer false within the 2 s budget.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const SECRET: &str = "test-redeem-secret-0123456789";

/// One HTTP/1.1 request read off a stream.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let mut request = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    if let Some(len) = request.header("content-length") {
        let mut body = vec![0; len.parse().ok()?];
        reader.read_exact(&mut body).ok()?;
        request.body = body;
    } else if request
        .header("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..size]);
        }
    }
    Some(request)
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

/// What the runtime got back for one invocation.
#[derive(Debug)]
struct Reply {
    kind: &'static str,
    body: Value,
}

/// A Lambda Runtime API: `/next` hands out queued events, `/response` and `/error` collect replies.
struct FakeRuntime {
    addr: String,
    events: Sender<(String, Value)>,
    replies: Receiver<(String, Reply)>,
}

impl FakeRuntime {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (events_tx, events_rx) = mpsc::channel::<(String, Value)>();
        let (replies_tx, replies_rx) = mpsc::channel();
        let events_rx = Arc::new(Mutex::new(events_rx));
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let events = events_rx.clone();
                let replies = replies_tx.clone();
                thread::spawn(move || serve_runtime(stream, &events, &replies));
            }
        });
        FakeRuntime {
            addr,
            events: events_tx,
            replies: replies_rx,
        }
    }

    /// Sends one event and waits (at most 10 s) for the function's reply.
    fn invoke(&self, id: &str, event: Value) -> (Reply, Duration) {
        let started = Instant::now();
        self.events.send((id.to_owned(), event)).unwrap();
        let (got, reply) = self
            .replies
            .recv_timeout(Duration::from_secs(10))
            .expect("no reply within 10 s");
        assert_eq!(got, id);
        (reply, started.elapsed())
    }
}

fn serve_runtime(
    stream: TcpStream,
    events: &Mutex<Receiver<(String, Value)>>,
    replies: &Sender<(String, Reply)>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let path = request.path.as_str();
        if request.method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            let next = loop {
                match events.lock().unwrap().recv_timeout(Duration::from_millis(200)) {
                    Ok(next) => break next,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 5000;
            let headers = [
                ("content-type", "application/json".to_owned()),
                ("lambda-runtime-aws-request-id", next.0.clone()),
                ("lambda-runtime-deadline-ms", deadline.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:000000000000:function:handoff".into(),
                ),
                (
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000".into(),
                ),
            ];
            respond(&mut writer, "200 OK", &headers, next.1.to_string().as_bytes());
        } else if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") {
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let kind = if kind == "response" { "response" } else { "error" };
            let body = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            let _ = replies.send((id.to_owned(), Reply { kind, body }));
            respond(&mut writer, "202 Accepted", &[], b"{}");
        } else {
            respond(&mut writer, "202 Accepted", &[], b"{}");
        }
    }
}

/// How the fake edge behaves.
#[derive(Clone, Copy)]
enum Edge {
    /// Answers `{"ok": true}` to a well-formed, authorised redeem.
    Ok,
    /// Accepts, reads, never answers (until the test ends).
    Slow,
    /// Answers 200 with a body that is not a redeem answer.
    Garbage,
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
                    record.lock().unwrap().push(body);
                    match mode {
                        Edge::Slow => thread::sleep(Duration::from_secs(30)),
                        Edge::Garbage => respond(&mut writer, "200 OK", &[], b"<html>hello</html>"),
                        Edge::Ok
                            if request.method == "POST" && request.path == "/v1/redeem" && authorised =>
                        {
                            respond(
                                &mut writer,
                                "200 OK",
                                &[("content-type", "application/json".into())],
                                br#"{"ok":true}"#,
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
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", &runtime.addr)
            .env("AWS_LAMBDA_FUNCTION_NAME", "handoff-triggers")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = edge_url {
            cmd.env("HANDOFF_EDGE_URL", url)
                .env("HANDOFF_REDEEM_SECRET", SECRET);
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
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/cognito")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs Create through the function, then builds the matching Verify event (with Create's nonce).
fn create_then_verify_event(runtime: &FakeRuntime, id: &str) -> Value {
    let (reply, _) = runtime.invoke(&format!("{id}-create"), fixture("create.json"));
    assert_eq!(reply.kind, "response", "{reply:?}");
    let nonce = reply.body["response"]["privateChallengeParameters"]["nonce"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(handoff_core::base64url::decode(&nonce).unwrap().len() >= 16);
    let mut verify = fixture("verify.json");
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
    let log = function.log();
    let token = verify["request"]["challengeAnswer"].as_str().unwrap();
    assert!(log.contains("\"answer_correct\":true"), "{log}");
    assert!(log.contains(&handoff_core::fingerprint(token)));
    assert!(!log.contains(token) && !log.contains(nonce.as_str().unwrap()) && !log.contains(SECRET));
    for line in log.lines() {
        serde_json::from_str::<Value>(line).expect("every log line is JSON");
    }
}

fn verify_against(edge_url: &str) -> (Value, Duration, String) {
    let runtime = FakeRuntime::start();
    let function = Function::start(&runtime, Some(edge_url));
    let verify = create_then_verify_event(&runtime, "1");
    let (reply, took) = runtime.invoke("2", verify);
    assert_eq!(reply.kind, "response", "{reply:?}");
    (reply.body["response"].clone(), took, function.log())
}

#[test]
fn edge_down_fails_closed_within_two_seconds() {
    let (response, took, log) = verify_against(&closed_url());
    assert_eq!(response["answerCorrect"], false);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        log.contains("\"reason\":\"edge_unreachable\"") && log.contains("\"attempts\":2"),
        "{log}"
    );
}

#[test]
fn edge_slow_fails_closed_within_the_budget() {
    let (edge, _) = start_edge(Edge::Slow);
    let (response, took, log) = verify_against(&edge);
    assert_eq!(response["answerCorrect"], false);
    // The spec's budget is 2 s for the edge; allow the runtime round trip on top, far below Cognito's 5 s.
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert!(log.contains("\"reason\":\"edge_timeout\""), "{log}");
}

#[test]
fn edge_garbage_fails_closed() {
    let (edge, _) = start_edge(Edge::Garbage);
    let (response, _, log) = verify_against(&edge);
    assert_eq!(response["answerCorrect"], false);
    assert!(log.contains("\"reason\":\"edge_garbage\""), "{log}");
}

#[test]
fn missing_configuration_fails_verify_closed_and_keeps_define_working() {
    let runtime = FakeRuntime::start();
    let function = Function::start(&runtime, None);
    let (define, _) = runtime.invoke("1", fixture("define-empty-session.json"));
    assert_eq!(define.body["response"]["challengeName"], "CUSTOM_CHALLENGE");
    let (reply, _) = runtime.invoke("2", fixture("verify.json"));
    assert_eq!(reply.body["response"]["answerCorrect"], false);
    assert!(function.log().contains("\"reason\":\"misconfigured\""));
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
