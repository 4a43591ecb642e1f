//! Cognito's answers as both clients read them: the landing page's whole sign-in (`handoff_web::flow::sign_in`)
//! against a scripted Cognito, and the CLI's `parse_response`, plus core's error-name helpers.
//!
//! Input: a mode byte, then replies split on 0xFF. Each reply is `STATUS[ ERROR-TYPE]\nBODY`; a reply without a
//! newline or a number is a network error. Mode bit 0 set: the page's configuration names an edge (`edgeUrl`), and
//! the first reply is the edge's answer to the context-binding call; the rest are Cognito's, in order.
//!
//! Nothing panics. The page sends at most four attempts per call, backs off 250, 500, 1000 ms, sends the token as
//! the answer with the session Cognito gave, and signs in only on a 2xx answer with a non-empty access token,
//! storing exactly those tokens under Amplify's keys for this client, landing on an allowed redirect. A failing
//! trigger is never retried, a retryable error always ends as the network screen. The binding call goes only to the
//! configured edge, at most once; its proof reaches Cognito only as given and well-formed, and an edge that says
//! "wrong context" stops the sign-in before the token is sent as an answer. The CLI never turns an error
//! status into an answer. Error names are bare and stable under re-mapping.
#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use handoff_cli::cognito::{RawResponse, parse_response};
use handoff_core::base64url;
use handoff_core::check_redirect;
use handoff_core::cognito_api::{AuthAnswer, ErrorAnswer, ErrorBody, ErrorKind, RETRY_BACKOFF_MS};
use handoff_fuzz::fields;
use handoff_web::PageConfig;
use handoff_web::Failure;
use handoff_web::binding::{Binding, MAX_PROOF_CHARS, METADATA_KEY};
use handoff_web::cognito::failure;
use handoff_web::device::DeviceSecret;
use handoff_web::flow::{Env, NetworkError, Reply, sign_in};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A valid, unsigned link token for `alice` with a redirect (the page never checks signatures).
fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let header = base64url::encode(br#"{"alg":"EdDSA","typ":"handoff+jwt","kid":"k1"}"#);
        let payload =
            br#"{"username":"alice","aud":"web-client-test","exp":1800000060,"redirect":"/orders/42"}"#;
        format!(
            "{header}.{}.{}",
            base64url::encode(payload),
            base64url::encode([7; 64])
        )
    })
}
const NOW_MS: f64 = 1_800_000_000_000.0;

/// A scripted Cognito: replies in order (a network error once they run out), records every request.
struct Script {
    replies: RefCell<VecDeque<Result<Reply, NetworkError>>>,
    bind_reply: RefCell<Option<Result<Reply, NetworkError>>>,
    binds: RefCell<Vec<(String, String)>>,
    requests: RefCell<Vec<(String, Value)>>,
    sleeps: RefCell<Vec<u32>>,
}

impl Env for Script {
    async fn post(&self, _endpoint: &str, target: &str, body: String) -> Result<Reply, NetworkError> {
        let body = serde_json::from_str(&body).expect("the page sends JSON");
        self.requests.borrow_mut().push((target.to_owned(), body));
        self.replies.borrow_mut().pop_front().unwrap_or(Err(NetworkError))
    }
    async fn bind(&self, url: &str, token: &str) -> Result<Reply, NetworkError> {
        self.binds.borrow_mut().push((url.to_owned(), token.to_owned()));
        self.bind_reply.borrow_mut().take().unwrap_or(Err(NetworkError))
    }
    async fn sleep(&self, ms: u32) {
        self.sleeps.borrow_mut().push(ms);
    }
    async fn device_secret(&self, _group_key: &str, device_key: &str) -> Option<DeviceSecret> {
        Some(DeviceSecret {
            random_password: format!("pw-{device_key}"),
            salt: "c2FsdA==".into(),
            verifier: "dmVyaWZpZXI=".into(),
            device_name: "fuzz".into(),
        })
    }
    fn now_ms(&self) -> f64 {
        NOW_MS
    }
}

fn reply(text: &str) -> Result<Reply, NetworkError> {
    let (head, body) = text.split_once('\n').ok_or(NetworkError)?;
    let (status, error_type) = match head.split_once(' ') {
        Some((status, kind)) => (status, Some(kind.to_owned())),
        None => (head, None),
    };
    let status = status.parse().map_err(|_| NetworkError)?;
    Ok(Reply {
        status,
        error_type,
        body: body.to_owned(),
    })
}

const EDGE: &str = "https://edge.example";

fn config(bound: bool) -> PageConfig {
    let edge = if bound {
        format!(r#", "edgeUrl": "{EDGE}""#)
    } else {
        String::new()
    };
    PageConfig::from_json(&format!(
        r#"{{"region": "eu-west-1", "userPoolId": "eu-west-1_AbC123", "clientId": "web-client-test",
            "redirectAllowlist": ["/orders", "/account/"], "defaultRedirect": "/orders"{edge}}}"#
    ))
    .expect("the harness's configuration is valid")
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut replies: Vec<_> = fields(rest).iter().map(|r| reply(r)).collect();
    let bind = (mode & 1 == 1 && !replies.is_empty()).then(|| replies.remove(0));
    for r in replies.iter().chain(bind.iter()).flatten() {
        each_reply(r);
    }
    flow(replies, bind);
});

/// Per reply: the page's error reading, the CLI's parsing, core's name mapping.
fn each_reply(r: &Reply) {
    let error = ErrorAnswer::read(r.status, r.error_type.as_deref(), r.body.as_bytes());
    let kind = error.kind.clone();
    assert_eq!(ErrorKind::from_type(kind.name()), kind, "names do not map back");
    if kind.trigger_failed() {
        assert!(!error.retryable(), "a failing trigger retried");
        assert_eq!(failure(&error, false), Failure::Misconfigured);
    }
    if error.retryable() {
        assert_eq!(failure(&error, false), Failure::Network);
        assert_eq!(failure(&error, true), Failure::Network);
    }
    assert_ne!(
        failure(&error, false),
        Failure::Expired,
        "expired without the page saying so"
    );
    let body = ErrorBody::parse(r.body.as_bytes());
    let message = body.message();
    assert!(
        [&body.message, &body.message_capitalized, &body.error_message]
            .iter()
            .any(|m| m.as_deref() == Some(message))
            || message.is_empty()
    );

    let raw = RawResponse {
        status: r.status,
        error_type: r.error_type.clone(),
        body: r.body.clone().into_bytes(),
    };
    let parsed = parse_response::<AuthAnswer>(&raw);
    if parsed.is_ok() {
        assert!(
            (200..300).contains(&r.status),
            "the CLI read an error status as an answer"
        );
    }
    if let Err(e) = parsed {
        let _ = e.to_string();
    }
}

fn flow(replies: Vec<Result<Reply, NetworkError>>, bind: Option<Result<Reply, NetworkError>>) {
    let script = Script {
        replies: RefCell::new(replies.clone().into()),
        bind_reply: RefCell::new(bind.clone()),
        binds: RefCell::default(),
        requests: RefCell::default(),
        sleeps: RefCell::default(),
    };
    let config = config(bind.is_some());
    let steps = RefCell::new(Vec::new());
    let progress = |s| steps.borrow_mut().push(s);
    let result = {
        let mut future = pin!(sign_in(&script, &config, token(), &progress));
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result,
            Poll::Pending => panic!("the scripted flow pended"),
        }
    };
    let requests = script.requests.into_inner();
    let sleeps = script.sleeps.into_inner();
    let binds = script.binds.into_inner();
    let per_call = 1 + RETRY_BACKOFF_MS.len();
    // Two sign-in calls, a ConfirmDevice when the answer names a new device, a RevokeToken when that fails.
    assert!(requests.len() <= 4 * per_call, "{} requests", requests.len());
    // Backoff restarts per call: 250, 500, 1000 ms.
    let allowed = RETRY_BACKOFF_MS;
    assert!(sleeps.iter().all(|ms| allowed.contains(ms)), "sleeps {sleeps:?}");
    let initiates = requests
        .iter()
        .take_while(|(t, _)| t.ends_with(".InitiateAuth"))
        .count();
    assert!(
        (1..=per_call).contains(&initiates),
        "{initiates} InitiateAuth attempts"
    );
    let respond_count = requests[initiates..]
        .iter()
        .take_while(|(t, _)| t.ends_with(".RespondToAuthChallenge"))
        .count();
    let responds = &requests[initiates..initiates + respond_count];
    assert!(responds.len() <= per_call);
    // After the answer, only the device's confirmation (and, if that fails, the session's revocation).
    for (target, _) in &requests[initiates + respond_count..] {
        assert!(
            target.ends_with(".ConfirmDevice") || target.ends_with(".RevokeToken"),
            "a call after the answer: {target}"
        );
    }
    for (_, body) in responds {
        assert_eq!(
            body["ChallengeResponses"]["ANSWER"],
            token(),
            "the answer is the token"
        );
        assert_eq!(body["ChallengeName"], "CUSTOM_CHALLENGE");
    }
    // The binding: only to the configured edge, at most once, with the token; its verdict respected.
    match &bind {
        None => assert!(binds.is_empty(), "a bind call without an edge configured"),
        Some(bind_reply) => {
            assert!(binds.len() <= 1, "{} bind calls", binds.len());
            for (url, sent) in &binds {
                assert_eq!(url, &format!("{EDGE}/v1/bind"));
                assert_eq!(sent, token());
            }
            if Binding::from_reply(bind_reply.clone()) == Binding::WrongContext {
                assert!(responds.is_empty(), "the answer was sent from the wrong context");
                assert!(result.is_err(), "signed in from the wrong context");
            }
        }
    }
    for (_, body) in responds {
        let Some(proof) = body.get("ClientMetadata").map(|m| &m[METADATA_KEY]) else {
            continue;
        };
        let proof = proof.as_str().expect("the proof is a string");
        let given = bind.as_ref().and_then(|b| b.as_ref().ok());
        assert!(
            given.is_some_and(|r| r.status == 200 && r.body.contains(proof)),
            "a proof the edge never gave"
        );
        assert!(
            !proof.is_empty()
                && proof.len() <= MAX_PROOF_CHARS
                && proof
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "an ill-formed proof passed on: {proof:?}"
        );
    }
    // The session sent is the one the accepted InitiateAuth answer gave.
    if let Some((_, first_respond)) = responds.first() {
        let answered = replies[initiates - 1]
            .as_ref()
            .expect("a challenge came from a reply");
        let challenge: Value = serde_json::from_str(&answered.body).expect("the challenge was JSON");
        assert_eq!(first_respond["Session"], challenge["Session"]);
    }
    let Ok(signed_in) = result else {
        return;
    };
    let last = replies[initiates + respond_count - 1]
        .as_ref()
        .expect("signed in after a reply");
    assert!(
        (200..300).contains(&last.status),
        "signed in on status {}",
        last.status
    );
    let answer: AuthAnswer = serde_json::from_str(&last.body).expect("signed in on JSON");
    let tokens = answer.authentication_result.expect("signed in without tokens");
    assert!(!tokens.access_token.is_empty());
    assert_eq!(signed_in.tokens, tokens, "stored tokens other than Cognito's");
    assert_eq!(
        check_redirect(&signed_in.redirect, &config.redirect_allowlist),
        Ok(signed_in.redirect.as_str())
    );
    let prefix = format!("CognitoIdentityServiceProvider.{}.", config.client_id);
    assert!(
        signed_in.entries.iter().all(|(k, _)| k.starts_with(&prefix)),
        "a key outside Amplify's"
    );
    assert_eq!(
        signed_in.entries.last(),
        Some(&(format!("{prefix}LastAuthUser"), signed_in.username.clone())),
        "LastAuthUser is written last"
    );
    assert!(
        signed_in
            .entries
            .iter()
            .any(|(k, v)| k.ends_with(".accessToken") && *v == tokens.access_token)
    );
}
