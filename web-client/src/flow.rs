//! The sign-in itself, written against a small [`Env`] (HTTP, sleep, clock) so the same code runs in the browser
//! and in native tests with a scripted Cognito. Exactly two POSTs to Cognito on the happy path; throttling and
//! network errors are retried as core's Cognito policy says ([`RETRY_BACKOFF_MS`], [`Op::retry_without_answer`],
//! the same for the CLI). With an `edgeUrl`, the
//! context binding call to the edge ([`crate::binding`]) runs alongside `InitiateAuth`, which never waits for it,
//! and its answer is awaited only before `RespondToAuthChallenge`.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use crate::binding::Binding;
use crate::cognito::{self, AuthAnswer, Op, Tokens};
use crate::config::PageConfig;
use crate::device::DeviceSecret;
use crate::link::Link;
use crate::outcome::{Failure, Step};
use handoff_core::cognito_api::{ErrorAnswer, RETRY_BACKOFF_MS};

/// An HTTP answer, reduced to what the page reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `x-amzn-ErrorType` header, if any (readable cross-origin only if Cognito exposes it).
    pub error_type: Option<String>,
    /// The body text.
    pub body: String,
}

/// The request never got an answer (offline, DNS, CORS refusal, connection reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkError;

/// What the flow needs from its surroundings. Single-threaded (the browser), so no `Send` bounds.
#[allow(async_fn_in_trait)]
pub trait Env {
    /// POSTs `body` to Cognito's `endpoint` with `X-Amz-Target: target`.
    async fn post(&self, endpoint: &str, target: &str, body: String) -> Result<Reply, NetworkError>;
    /// POSTs `token` to the edge's bind endpoint `url` as a CORS simple request (`text/plain`, no cookies, no
    /// Referer); one attempt, no retry.
    async fn bind(&self, url: &str, token: &str) -> Result<Reply, NetworkError>;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u32);
    /// A new device's secret for `ConfirmDevice` ([`crate::device`]); `None` if the browser cannot make one.
    async fn device_secret(&self, group_key: &str, device_key: &str) -> Option<DeviceSecret>;
    /// The page's clock, in milliseconds since the epoch.
    fn now_ms(&self) -> f64;
}

/// A finished sign-in: what to store and where to go.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    /// Cognito's canonical username (the Amplify key's user part).
    pub username: String,
    /// The re-checked redirect target.
    pub redirect: String,
    /// The tokens.
    pub tokens: Tokens,
    /// The device the pool now remembers (pools with device tracking only).
    pub device: Option<crate::session::Device>,
    /// The storage entries (Amplify v6 keys), in write order.
    pub entries: Vec<(String, String)>,
}

fn now_secs(env: &impl Env) -> u64 {
    (env.now_ms() / 1000.0).max(0.0) as u64
}

/// Runs the local checks on `token`, then the two Cognito calls (and, with an `edgeUrl`, the bind call alongside
/// the first); reports each step to `progress`.
pub async fn sign_in(
    env: &impl Env,
    config: &PageConfig,
    token: &str,
    progress: &dyn Fn(Step),
) -> Result<SignedIn, Failure> {
    progress(Step::Checking);
    let link = Link::check(token, config)?;
    let endpoint = config.endpoint();

    progress(Step::Contacting);
    let body = cognito::initiate_auth_body(&config.client_id, &link.unverified.username);
    let bind_url = config.bind_url();
    let bind = async {
        match &bind_url {
            Some(url) => Binding::from_reply(env.bind(url, &link.unverified.token).await),
            None => Binding::Absent,
        }
    };
    let (first, binding) = alongside(call(env, &endpoint, Op::InitiateAuth, body, &link), bind).await?;
    let session = match (&first.challenge_name, &first.session) {
        (Some(name), Some(session)) if name == cognito::CUSTOM_CHALLENGE => session.clone(),
        // Tokens without a challenge, or another challenge: the Define trigger is not Handoff's.
        _ => return Err(Failure::Misconfigured),
    };
    let username = first
        .challenge_parameters
        .get("USERNAME")
        .filter(|u| !u.is_empty())
        .cloned()
        .unwrap_or_else(|| link.unverified.username.clone());
    // Another device or network: stop before the answer is sent, so the link is not spent.
    if binding == Binding::WrongContext {
        return Err(Failure::OtherDevice);
    }

    progress(Step::Verifying);
    let body = cognito::respond_body_bound(
        &config.client_id,
        &session,
        &username,
        &link.unverified.token,
        binding.proof(),
    );
    let second = call(env, &endpoint, Op::RespondToAuthChallenge, body, &link).await?;
    let tokens = match second.authentication_result {
        Some(tokens) if !tokens.access_token.is_empty() => tokens,
        // Another challenge means the answer was not accepted; a token is never offered twice.
        _ if second.challenge_name.is_some() => {
            return Err(if link.expired(now_secs(env)) {
                Failure::Expired
            } else {
                Failure::Unusable
            });
        }
        _ => return Err(Failure::Misconfigured),
    };

    progress(Step::SigningIn);
    let device = match &tokens.new_device_metadata {
        Some(metadata) => Some(confirm_device(env, config, &tokens, metadata, &link).await?),
        None => None,
    };
    let entries = crate::session::storage_entries(
        &config.client_id,
        &username,
        &tokens,
        env.now_ms(),
        device.as_ref(),
    );
    Ok(SignedIn {
        username,
        redirect: link.redirect,
        tokens,
        device,
        entries,
    })
}

/// Confirms the new device the pool just registered, as Amplify does. If that fails (after the usual retries)
/// the session is not handed over: a session on a device-tracking pool without its device keys signs in now and
/// fails at its first refresh, an hour later. Its refresh token is revoked, and the page says the service is
/// misconfigured (the link is spent by then).
async fn confirm_device(
    env: &impl Env,
    config: &PageConfig,
    tokens: &Tokens,
    metadata: &cognito::NewDeviceMetadata,
    link: &Link,
) -> Result<crate::session::Device, Failure> {
    let secret = env
        .device_secret(&metadata.device_group_key, &metadata.device_key)
        .await;
    let confirmed = match &secret {
        Some(secret) => {
            let body = cognito::confirm_device_body(
                &tokens.access_token,
                &metadata.device_key,
                &secret.device_name,
                &secret.verifier,
                &secret.salt,
            );
            call(env, &config.endpoint(), Op::ConfirmDevice, body, link)
                .await
                .is_ok()
        }
        None => false,
    };
    match secret {
        Some(secret) if confirmed => Ok(crate::session::Device {
            key: metadata.device_key.clone(),
            group_key: metadata.device_group_key.clone(),
            random_password: secret.random_password,
        }),
        _ => {
            if let Some(refresh) = &tokens.refresh_token {
                let _ = end_session(env, config, refresh).await;
            }
            Err(Failure::Misconfigured)
        }
    }
}

/// Ends the session of the user signed in before ("continue as" on the switch screen): `RevokeToken` for their
/// refresh token, which also invalidates the access and id tokens it issued. Retried like the sign-in calls; a
/// refusal (revocation not enabled for the client, a token already dead) leaves nothing to end, so only a
/// network failure stops the switch.
pub async fn end_session(env: &impl Env, config: &PageConfig, refresh_token: &str) -> Result<(), Failure> {
    let body = handoff_core::cognito_api::revoke_token_body(&config.client_id, refresh_token);
    match post_retrying(env, &config.endpoint(), Op::RevokeToken, body).await {
        Ok(_) => Ok(()),
        Err(Some(answer)) if !answer.retryable() => Ok(()),
        Err(_) => Err(Failure::Network),
    }
}

/// Runs `main` and `side` concurrently, `side` polled first (its request goes out first, neither waits for the
/// other). An error from `main` returns at once, dropping `side`; otherwise both results once both are done.
async fn alongside<T, E, S>(
    main: impl Future<Output = Result<T, E>>,
    side: impl Future<Output = S>,
) -> Result<(T, S), E> {
    let (mut main, mut side) = (pin!(main), pin!(side));
    let (mut main_out, mut side_out) = (None, None);
    std::future::poll_fn(|cx| {
        if side_out.is_none()
            && let Poll::Ready(out) = side.as_mut().poll(cx)
        {
            side_out = Some(out);
        }
        if main_out.is_none() {
            match main.as_mut().poll(cx) {
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Ready(Ok(out)) => main_out = Some(out),
                Poll::Pending => {}
            }
        }
        match (main_out.take(), side_out.take()) {
            (Some(main), Some(side)) => Poll::Ready(Ok((main, side))),
            (main, side) => {
                (main_out, side_out) = (main, side);
                Poll::Pending
            }
        }
    })
    .await
}

/// One Cognito call with retries; maps a final error to its screen.
async fn call(
    env: &impl Env,
    endpoint: &str,
    op: Op,
    body: String,
    link: &Link,
) -> Result<AuthAnswer, Failure> {
    match post_retrying(env, endpoint, op, body).await {
        Ok(answer) => AuthAnswer::parse(&answer).ok_or(Failure::Misconfigured),
        Err(Some(answer)) => Err(cognito::failure(&answer, link.expired(now_secs(env)))),
        Err(None) => Err(Failure::Network),
    }
}

/// Sends a Cognito call, retrying after the pauses of [`RETRY_BACKOFF_MS`] when core's policy allows: a 2xx
/// answer's body, or the last error answer (`Some`), or no answer at all (`None`).
async fn post_retrying(
    env: &impl Env,
    endpoint: &str,
    op: Op,
    body: String,
) -> Result<String, Option<ErrorAnswer>> {
    let mut pauses = RETRY_BACKOFF_MS.iter();
    loop {
        let last = match env.post(endpoint, op.target(), body.clone()).await {
            Ok(reply) if (200..300).contains(&reply.status) => return Ok(reply.body),
            Ok(reply) => {
                let answer =
                    ErrorAnswer::read(reply.status, reply.error_type.as_deref(), reply.body.as_bytes());
                if !answer.retryable() {
                    return Err(Some(answer));
                }
                Some(answer)
            }
            Err(NetworkError) if op.retry_without_answer() => None,
            Err(NetworkError) => return Err(None),
        };
        match pauses.next() {
            Some(&ms) => env.sleep(ms).await,
            None => return Err(last),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::link::tests::{NOW, claims, config, token};

    /// The scripted edge's bind endpoint (`edgeUrl` is `https://edge.example/` when the script has an edge).
    const BIND_URL: &str = "https://edge.example/v1/bind";

    /// How the scripted edge answers the bind call.
    enum Edge {
        /// No `edgeUrl` in the configuration: a bind call fails the test.
        Absent,
        /// Answers, but only once `InitiateAuth` has gone out: a flow that waited for the edge first would stall.
        AfterInitiateAuth(Result<Reply, NetworkError>),
        /// Never answers.
        Silent,
    }

    /// A scripted Cognito (answers in order, records every request) and edge; records the order of the calls.
    struct Script {
        answers: RefCell<VecDeque<Result<Reply, NetworkError>>>,
        requests: RefCell<Vec<(String, serde_json::Value)>>,
        sleeps: RefCell<Vec<u32>>,
        now_ms: Cell<f64>,
        /// How far the clock moves during each request.
        tick_ms: f64,
        edge: Edge,
        /// The bodies of the bind calls.
        binds: RefCell<Vec<String>>,
        /// `bind` and `bound` (the edge's call starting and answering) and each Cognito operation, in order.
        events: RefCell<Vec<&'static str>>,
    }

    impl Script {
        fn new(answers: Vec<Result<Reply, NetworkError>>) -> Self {
            Script {
                answers: RefCell::new(answers.into()),
                requests: RefCell::default(),
                sleeps: RefCell::default(),
                now_ms: Cell::new(NOW as f64 * 1000.0),
                tick_ms: 0.0,
                edge: Edge::Absent,
                binds: RefCell::default(),
                events: RefCell::default(),
            }
        }

        fn with_edge(answers: Vec<Result<Reply, NetworkError>>, edge: Edge) -> Self {
            Script {
                edge,
                ..Script::new(answers)
            }
        }
    }

    impl Env for Script {
        async fn post(&self, endpoint: &str, target: &str, body: String) -> Result<Reply, NetworkError> {
            assert_eq!(endpoint, "https://cognito-idp.eu-west-1.amazonaws.com/");
            let body = serde_json::from_str(&body).unwrap();
            let op = target.rsplit('.').next().unwrap();
            self.events.borrow_mut().push(match op {
                "InitiateAuth" => "InitiateAuth",
                "RespondToAuthChallenge" => "RespondToAuthChallenge",
                "ConfirmDevice" => "ConfirmDevice",
                "RevokeToken" => "RevokeToken",
                _ => "other",
            });
            self.requests.borrow_mut().push((target.to_owned(), body));
            self.now_ms.set(self.now_ms.get() + self.tick_ms);
            self.answers
                .borrow_mut()
                .pop_front()
                .expect("an unexpected extra request")
        }
        async fn bind(&self, url: &str, token: &str) -> Result<Reply, NetworkError> {
            assert_eq!(url, BIND_URL);
            self.binds.borrow_mut().push(token.to_owned());
            self.events.borrow_mut().push("bind");
            std::future::poll_fn(|cx| {
                let sent = self.events.borrow().contains(&"InitiateAuth");
                match &self.edge {
                    Edge::Absent => panic!("a bind call without an edgeUrl"),
                    Edge::AfterInitiateAuth(answer) if sent => {
                        self.events.borrow_mut().push("bound");
                        Poll::Ready(answer.clone())
                    }
                    Edge::AfterInitiateAuth(_) | Edge::Silent => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                }
            })
            .await
        }
        async fn sleep(&self, ms: u32) {
            self.sleeps.borrow_mut().push(ms);
        }
        async fn device_secret(&self, group_key: &str, device_key: &str) -> Option<DeviceSecret> {
            self.events.borrow_mut().push("device_secret");
            (!group_key.is_empty()).then(|| DeviceSecret {
                random_password: format!("pw-{device_key}"),
                salt: "c2FsdA==".into(),
                verifier: "dmVyaWZpZXI=".into(),
                device_name: "Test browser".into(),
            })
        }
        fn now_ms(&self) -> f64 {
            self.now_ms.get()
        }
    }

    fn ok(body: serde_json::Value) -> Result<Reply, NetworkError> {
        Ok(Reply {
            status: 200,
            error_type: None,
            body: body.to_string(),
        })
    }

    fn error(status: u16, kind: &str) -> Result<Reply, NetworkError> {
        Ok(Reply {
            status,
            error_type: None,
            body: serde_json::json!({"__type": kind, "message": "..."}).to_string(),
        })
    }

    fn challenge(username: Option<&str>) -> Result<Reply, NetworkError> {
        let mut params = serde_json::json!({"handoff": "jwt"});
        if let Some(u) = username {
            params["USERNAME"] = u.into();
        }
        ok(
            serde_json::json!({"ChallengeName": "CUSTOM_CHALLENGE", "Session": "S1", "ChallengeParameters": params}),
        )
    }

    fn signed_in() -> Result<Reply, NetworkError> {
        ok(serde_json::json!({"AuthenticationResult": {
            "AccessToken": "a.eyJpYXQiOjE4MDAwMDAwMDB9.s", "IdToken": "I", "RefreshToken": "R",
            "ExpiresIn": 3600, "TokenType": "Bearer"}, "ChallengeParameters": {}}))
    }

    /// Polls a future that never pends (the scripted Env never does).
    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        match pin!(future)
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the scripted call pended"),
        }
    }

    /// Runs the flow, polling it as long as something is left to do (the scripted edge pends until
    /// `InitiateAuth` has gone out); `None` if it stalled (waits for an answer that never comes).
    fn try_run(script: &Script, token: &str) -> (Option<Result<SignedIn, Failure>>, Vec<Step>) {
        let steps = RefCell::new(Vec::new());
        let progress = |s| steps.borrow_mut().push(s);
        let mut config = config();
        if !matches!(script.edge, Edge::Absent) {
            config.edge_url = Some("https://edge.example/".into());
        }
        let result = {
            let mut future = pin!(sign_in(script, &config, token, &progress));
            (0..16).find_map(
                |_| match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                    Poll::Ready(result) => Some(result),
                    Poll::Pending => None,
                },
            )
        };
        (result, steps.take())
    }

    /// Runs the flow to completion.
    fn run(script: &Script, token: &str) -> (Result<SignedIn, Failure>, Vec<Step>) {
        let (result, steps) = try_run(script, token);
        (result.expect("the scripted flow stalled"), steps)
    }

    #[test]
    fn happy_path_is_exactly_two_posts() {
        let script = Script::new(vec![challenge(Some("u-123")), signed_in()]);
        let t = token(claims());
        let (result, steps) = run(&script, &t);
        let done = result.unwrap();
        assert_eq!(steps, Step::ALL);
        assert_eq!(done.username, "u-123");
        assert_eq!(done.redirect, "/orders/42");
        let requests = script.requests.borrow();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].0, "AWSCognitoIdentityProviderService.InitiateAuth");
        assert_eq!(requests[0].1["AuthParameters"]["USERNAME"], "alice");
        assert_eq!(
            requests[1].0,
            "AWSCognitoIdentityProviderService.RespondToAuthChallenge"
        );
        // USERNAME from ChallengeParameters, the NEW session, the token as the answer.
        assert_eq!(requests[1].1["ChallengeResponses"]["USERNAME"], "u-123");
        assert_eq!(requests[1].1["ChallengeResponses"]["ANSWER"], t.as_str());
        assert_eq!(requests[1].1["Session"], "S1");
        assert_eq!(done.entries.last().unwrap().1, "u-123");
        assert!(script.sleeps.borrow().is_empty());
        // No edgeUrl: no bind call (the scripted edge would fail the test), no ClientMetadata.
        assert_eq!(
            *script.events.borrow(),
            ["InitiateAuth", "RespondToAuthChallenge"]
        );
        assert_eq!(requests[1].1.get("ClientMetadata"), None);
    }

    fn bind_reply(status: u16, body: serde_json::Value) -> Result<Reply, NetworkError> {
        Ok(Reply {
            status,
            error_type: None,
            body: body.to_string(),
        })
    }

    const PROOF: &str = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJqMSJ9.c2lnbmF0dXJl-_";

    #[test]
    fn binding_proof_reaches_respond_to_auth_challenge() {
        let edge = Edge::AfterInitiateAuth(bind_reply(
            200,
            serde_json::json!({"binding": PROOF, "expires_in": 60}),
        ));
        let script = Script::with_edge(vec![challenge(Some("u-123")), signed_in()], edge);
        let t = token(claims());
        let (result, steps) = run(&script, &t);
        assert_eq!(result.unwrap().username, "u-123");
        assert_eq!(steps, Step::ALL);
        // The bind call starts first and InitiateAuth goes out without waiting for it (the scripted edge answers
        // only after InitiateAuth); the answer is awaited before RespondToAuthChallenge.
        assert_eq!(
            *script.events.borrow(),
            ["bind", "InitiateAuth", "bound", "RespondToAuthChallenge"]
        );
        assert_eq!(*script.binds.borrow(), [t.as_str()]);
        let requests = script.requests.borrow();
        assert_eq!(requests.len(), 2, "still exactly two POSTs to Cognito");
        assert_eq!(requests[0].1.get("ClientMetadata"), None);
        assert_eq!(
            requests[1].1,
            serde_json::json!({
                "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": "web", "Session": "S1",
                "ChallengeResponses": {"USERNAME": "u-123", "ANSWER": t},
                "ClientMetadata": {"handoff_binding": PROOF},
            })
        );
    }

    #[test]
    fn wrong_context_stops_before_the_answer_is_sent() {
        let edge = Edge::AfterInitiateAuth(bind_reply(
            403,
            serde_json::json!({"error": "wrong_context", "message": "not where the link was asked for"}),
        ));
        // Cognito would accept: the page must not even ask.
        let script = Script::with_edge(vec![challenge(None), signed_in()], edge);
        let (result, steps) = run(&script, &token(claims()));
        assert_eq!(result.unwrap_err(), Failure::OtherDevice);
        assert_eq!(steps, [Step::Checking, Step::Contacting]);
        // InitiateAuth spends nothing; the token was never offered, so the link stays unspent.
        assert_eq!(*script.events.borrow(), ["bind", "InitiateAuth", "bound"]);
        assert_eq!(
            script.answers.borrow().len(),
            1,
            "RespondToAuthChallenge not sent"
        );
    }

    #[test]
    fn without_a_proof_the_sign_in_goes_on_and_the_edge_decides() {
        for answer in [
            Err(NetworkError),
            bind_reply(404, serde_json::json!({"error": "not_found"})),
            bind_reply(503, serde_json::json!({"error": "unavailable"})),
            bind_reply(400, serde_json::json!({"error": "malformed"})),
            bind_reply(401, serde_json::json!({"error": "bad_signature"})),
            bind_reply(403, serde_json::json!({"error": "expired"})),
            bind_reply(200, serde_json::json!({"binding": "not a proof"})),
        ] {
            let shown = format!("{answer:?}");
            let script = Script::with_edge(
                vec![challenge(None), signed_in()],
                Edge::AfterInitiateAuth(answer),
            );
            let t = token(claims());
            assert!(run(&script, &t).0.is_ok(), "{shown}");
            assert_eq!(
                *script.events.borrow(),
                ["bind", "InitiateAuth", "bound", "RespondToAuthChallenge"],
                "{shown}"
            );
            // Exactly the body without a binding: no ClientMetadata at all.
            let requests = script.requests.borrow();
            assert_eq!(requests[1].1.get("ClientMetadata"), None, "{shown}");
            assert_eq!(
                requests[1].1,
                serde_json::from_str::<serde_json::Value>(&cognito::respond_body("web", "S1", "alice", &t))
                    .unwrap()
            );
        }
        // A deployment that requires the binding refuses the answer: the usual refusal screen.
        let script = Script::with_edge(
            vec![challenge(None), error(400, "NotAuthorizedException")],
            Edge::AfterInitiateAuth(Err(NetworkError)),
        );
        assert_eq!(run(&script, &token(claims())).0.unwrap_err(), Failure::Unusable);
    }

    #[test]
    fn the_bind_call_is_made_once_and_awaited_only_before_the_answer() {
        // InitiateAuth retried while the bind call is in flight: one bind call, the usual backoff.
        let edge = Edge::AfterInitiateAuth(bind_reply(200, serde_json::json!({ "binding": PROOF })));
        let script = Script::with_edge(
            vec![
                error(400, "TooManyRequestsException"),
                challenge(None),
                signed_in(),
            ],
            edge,
        );
        assert!(run(&script, &token(claims())).0.is_ok());
        assert_eq!(script.binds.borrow().len(), 1);
        assert_eq!(*script.sleeps.borrow(), [250]);
        assert_eq!(
            script.requests.borrow()[2].1["ClientMetadata"]["handoff_binding"],
            PROOF
        );

        // An edge that does not answer holds RespondToAuthChallenge back (the browser's timeout ends the wait)...
        let script = Script::with_edge(vec![challenge(None), signed_in()], Edge::Silent);
        let (result, steps) = try_run(&script, &token(claims()));
        assert!(result.is_none(), "went on without the edge's answer");
        assert_eq!(steps, [Step::Checking, Step::Contacting]);
        assert_eq!(*script.events.borrow(), ["bind", "InitiateAuth"]);

        // ...but never a failure of InitiateAuth: that screen shows at once.
        let script = Script::with_edge(vec![error(400, "UserNotFoundException")], Edge::Silent);
        assert_eq!(run(&script, &token(claims())).0.unwrap_err(), Failure::Unusable);
    }

    fn signed_in_new_device(group_key: &str) -> Result<Reply, NetworkError> {
        ok(serde_json::json!({"AuthenticationResult": {
            "AccessToken": "a.eyJpYXQiOjE4MDAwMDAwMDB9.s", "IdToken": "I", "RefreshToken": "R",
            "ExpiresIn": 3600, "TokenType": "Bearer",
            "NewDeviceMetadata": {"DeviceKey": "eu-west-1_dk1", "DeviceGroupKey": group_key}},
            "ChallengeParameters": {}}))
    }

    #[test]
    fn a_new_device_is_confirmed_and_its_keys_stored() {
        let confirmed = ok(serde_json::json!({"UserConfirmationNecessary": false}));
        let script = Script::new(vec![
            challenge(Some("u-1")),
            signed_in_new_device("gk1"),
            confirmed,
        ]);
        let (result, _) = run(&script, &token(claims()));
        let done = result.unwrap();
        assert_eq!(
            *script.events.borrow(),
            [
                "InitiateAuth",
                "RespondToAuthChallenge",
                "device_secret",
                "ConfirmDevice"
            ]
        );
        let requests = script.requests.borrow();
        assert_eq!(requests[2].0, "AWSCognitoIdentityProviderService.ConfirmDevice");
        assert_eq!(
            requests[2].1,
            serde_json::json!({
                "AccessToken": "a.eyJpYXQiOjE4MDAwMDAwMDB9.s",
                "DeviceKey": "eu-west-1_dk1",
                "DeviceName": "Test browser",
                "DeviceSecretVerifierConfig": {"PasswordVerifier": "dmVyaWZpZXI=", "Salt": "c2FsdA=="}
            })
        );
        let device = done.device.unwrap();
        assert_eq!(
            (device.key.as_str(), device.group_key.as_str()),
            ("eu-west-1_dk1", "gk1")
        );
        assert_eq!(device.random_password, "pw-eu-west-1_dk1");
        let stored = |k: &str| {
            done.entries
                .iter()
                .find(|(key, _)| key == &format!("CognitoIdentityServiceProvider.web.u-1.{k}"))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(stored("deviceKey").as_deref(), Some("eu-west-1_dk1"));
        assert_eq!(stored("deviceGroupKey").as_deref(), Some("gk1"));
        assert_eq!(stored("randomPasswordKey").as_deref(), Some("pw-eu-west-1_dk1"));
    }

    #[test]
    fn an_unconfirmed_device_ends_the_session_instead_of_handing_it_over() {
        // ConfirmDevice refused: the refresh token is revoked and nothing is handed over.
        let script = Script::new(vec![
            challenge(Some("u-1")),
            signed_in_new_device("gk1"),
            error(400, "InvalidParameterException"),
            ok(serde_json::json!({})),
        ]);
        let (result, _) = run(&script, &token(claims()));
        assert_eq!(result, Err(Failure::Misconfigured));
        let requests = script.requests.borrow();
        assert_eq!(requests[3].0, "AWSCognitoIdentityProviderService.RevokeToken");
        assert_eq!(requests[3].1["Token"], "R");
        // No secret could be made: ConfirmDevice is not even sent.
        let script = Script::new(vec![
            challenge(Some("u-1")),
            signed_in_new_device(""),
            ok(serde_json::json!({})),
        ]);
        let (result, _) = run(&script, &token(claims()));
        assert_eq!(result, Err(Failure::Misconfigured));
        assert_eq!(
            *script.events.borrow(),
            [
                "InitiateAuth",
                "RespondToAuthChallenge",
                "device_secret",
                "RevokeToken"
            ]
        );
    }

    #[test]
    fn falls_back_to_the_sent_username() {
        // The emulator omits ChallengeParameters.USERNAME; real Cognito sends it.
        let script = Script::new(vec![challenge(None), signed_in()]);
        let (result, _) = run(&script, &token(claims()));
        assert_eq!(result.unwrap().username, "alice");
        assert_eq!(
            script.requests.borrow()[1].1["ChallengeResponses"]["USERNAME"],
            "alice"
        );
    }

    #[test]
    fn ending_the_previous_session_revokes_its_refresh_token() {
        let script = Script::new(vec![Ok(Reply {
            status: 200,
            error_type: None,
            body: "{}".into(),
        })]);
        assert_eq!(block_on(end_session(&script, &config(), "rt-of-alice")), Ok(()));
        let requests = script.requests.borrow();
        assert_eq!(requests[0].0, "AWSCognitoIdentityProviderService.RevokeToken");
        assert_eq!(
            requests[0].1,
            serde_json::json!({"Token": "rt-of-alice", "ClientId": "web"})
        );
        // A refusal leaves nothing to end; only the network stops the switch.
        let refused = Script::new(vec![error(400, "UnauthorizedException")]);
        assert_eq!(block_on(end_session(&refused, &config(), "rt")), Ok(()));
        let offline = Script::new(vec![
            Err(NetworkError),
            Err(NetworkError),
            Err(NetworkError),
            Err(NetworkError),
        ]);
        assert_eq!(
            block_on(end_session(&offline, &config(), "rt")),
            Err(Failure::Network)
        );
    }

    #[test]
    fn local_failures_send_nothing() {
        let mut bad_redirect = claims();
        bad_redirect["redirect"] = "//evil.example".into();
        for (t, failure) in [
            (token(bad_redirect), Failure::Invalid),
            ("garbage".to_owned(), Failure::Invalid),
        ] {
            let script = Script::new(vec![]);
            let (result, steps) = run(&script, &t);
            assert_eq!(result.unwrap_err(), failure);
            assert_eq!(steps, [Step::Checking]);
            assert!(script.requests.borrow().is_empty());
        }
    }

    #[test]
    fn refused_answer_is_unusable_or_expired() {
        let script = Script::new(vec![challenge(None), error(400, "NotAuthorizedException")]);
        assert_eq!(run(&script, &token(claims())).0.unwrap_err(), Failure::Unusable);

        // The token expired while the requests were in flight: the page can say so honestly.
        let mut script = Script::new(vec![challenge(None), error(400, "NotAuthorizedException")]);
        script.tick_ms = 6_000.0;
        let mut c = claims();
        c["exp"] = NOW.into();
        assert_eq!(run(&script, &token(c)).0.unwrap_err(), Failure::Expired);

        // Expired by the page's clock only (a device clock 10 minutes fast): the page still asks, and the edge's
        // verdict stands: here it accepts, and the user signs in.
        let script = Script::new(vec![challenge(None), signed_in()]);
        let mut c = claims();
        c["exp"] = (NOW - 600).into();
        let (result, _) = run(&script, &token(c.clone()));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(script.requests.borrow().len(), 2);
        // Refused and expired by the page's clock: worded as expired.
        let script = Script::new(vec![challenge(None), error(400, "NotAuthorizedException")]);
        assert_eq!(run(&script, &token(c)).0.unwrap_err(), Failure::Expired);

        // A second challenge instead of tokens: the answer was refused.
        let script = Script::new(vec![challenge(None), challenge(None)]);
        assert_eq!(run(&script, &token(claims())).0.unwrap_err(), Failure::Unusable);
    }

    #[test]
    fn retries_throttling_and_network_errors_then_succeeds() {
        let script = Script::new(vec![
            error(400, "TooManyRequestsException"),
            Err(NetworkError),
            challenge(None),
            error(500, "InternalErrorException"),
            signed_in(),
        ]);
        let (result, _) = run(&script, &token(claims()));
        assert!(result.is_ok());
        assert_eq!(*script.sleeps.borrow(), [250, 500, 250]);
        assert_eq!(script.requests.borrow().len(), 5);
    }

    #[test]
    fn gives_up_after_three_retries() {
        let script = Script::new(vec![Err(NetworkError); 4]);
        assert_eq!(run(&script, &token(claims())).0.unwrap_err(), Failure::Network);
        assert_eq!(*script.sleeps.borrow(), [250, 500, 1000]);
        assert_eq!(script.requests.borrow().len(), 4);

        let script = Script::new(vec![error(400, "TooManyRequestsException"); 4]);
        assert_eq!(run(&script, &token(claims())).0.unwrap_err(), Failure::Network);
    }

    #[test]
    fn service_errors_are_not_retried() {
        for (answers, failure) in [
            (
                vec![error(400, "ResourceNotFoundException")],
                Failure::Misconfigured,
            ),
            (
                vec![error(400, "InvalidParameterException")],
                Failure::Misconfigured,
            ),
            (
                vec![error(400, "UserLambdaValidationException")],
                Failure::Misconfigured,
            ),
            (
                vec![challenge(None), error(400, "UserLambdaValidationException")],
                Failure::Misconfigured,
            ),
            (vec![error(400, "UserNotFoundException")], Failure::Unusable),
            // Tokens without a challenge: not Handoff's Define trigger.
            (vec![signed_in()], Failure::Misconfigured),
            (
                vec![ok(
                    serde_json::json!({"ChallengeName": "SMS_MFA", "Session": "S"}),
                )],
                Failure::Misconfigured,
            ),
            (
                vec![Ok(Reply {
                    status: 200,
                    error_type: None,
                    body: "<html>".into(),
                })],
                Failure::Misconfigured,
            ),
        ] {
            let n = answers.len();
            let script = Script::new(answers);
            assert_eq!(run(&script, &token(claims())).0.unwrap_err(), failure);
            assert_eq!(script.requests.borrow().len(), n);
            assert!(script.sleeps.borrow().is_empty());
        }
    }
}
