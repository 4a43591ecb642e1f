//! Test support: a tiny Lambda Runtime API on 127.0.0.1 (`/next` hands out queued events, `/response` and
//! `/error` collect replies) and the HTTP/1.1 reading and writing it and the fake edges need.
//! Used by `tests/bootstrap.rs` and `examples/bench.rs`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// One HTTP/1.1 request read off a stream.
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
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

pub fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut message = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        message.push_str(&format!("{k}: {v}\r\n"));
    }
    message.push_str("\r\n");
    // One write: a head and a body in two small segments meet Nagle and delayed ACKs (a 40 ms stall).
    let mut bytes = message.into_bytes();
    bytes.extend_from_slice(body);
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

/// What the runtime got back for one invocation.
#[derive(Debug)]
pub struct Reply {
    pub kind: &'static str,
    pub body: Value,
}

/// A Lambda Runtime API: `/next` hands out queued events, `/response` and `/error` collect replies.
pub struct FakeRuntime {
    pub addr: String,
    events: Sender<(String, Value)>,
    replies: Receiver<(String, Reply)>,
    /// When the function first asked for an event (its init is done).
    pub first_next: Arc<Mutex<Option<Instant>>>,
}

impl FakeRuntime {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (events_tx, events_rx) = mpsc::channel::<(String, Value)>();
        let (replies_tx, replies_rx) = mpsc::channel();
        let events_rx = Arc::new(Mutex::new(events_rx));
        let first_next = Arc::new(Mutex::new(None));
        let first = first_next.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let events = events_rx.clone();
                let replies = replies_tx.clone();
                let first = first.clone();
                thread::spawn(move || serve_runtime(stream, &events, &replies, &first));
            }
        });
        FakeRuntime {
            addr,
            events: events_tx,
            replies: replies_rx,
            first_next,
        }
    }

    /// Sends one event and waits (at most 10 s) for the function's reply.
    pub fn invoke(&self, id: &str, event: Value) -> (Reply, Duration) {
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
    first_next: &Mutex<Option<Instant>>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let path = request.path.as_str();
        if request.method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            first_next.lock().unwrap().get_or_insert_with(Instant::now);
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
