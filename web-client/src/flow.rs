//! The sign-in itself, written against a small [`Env`] (HTTP, sleep, clock) so the same code runs in the browser
//! and in native tests with a scripted Cognito. Exactly two POSTs on the happy path; throttling and network errors
//! are retried with backoff, at most [`MAX_RETRIES`] times per call.

use crate::cognito::{self, AuthAnswer, CognitoError, Op, Tokens};
use crate::config::Config;
use crate::link::Link;
use crate::outcome::{Failure, Step};

/// Retries per call after a throttling answer or a network error.
pub const MAX_RETRIES: u32 = 3;
/// Backoff before retry `n` (0-based) is `BACKOFF_MS << n`: 250, 500, 1000 ms.
pub const BACKOFF_MS: u32 = 250;

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
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u32);
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
    /// The localStorage entries (Amplify v6 keys), in write order.
    pub entries: Vec<(String, String)>,
}

fn now_secs(env: &impl Env) -> u64 {
    (env.now_ms() / 1000.0).max(0.0) as u64
}

/// Runs the local checks on `token`, then the two Cognito calls; reports each step to `progress`.
pub async fn sign_in(
    env: &impl Env,
    config: &Config,
    token: &str,
    progress: &dyn Fn(Step),
) -> Result<SignedIn, Failure> {
    progress(Step::Checking);
    let link = Link::check(token, config)?;
    let endpoint = config.endpoint();

    progress(Step::Contacting);
    let body = cognito::initiate_auth_body(&config.client_id, &link.username);
    let first = call(env, &endpoint, Op::InitiateAuth, body, &link).await?;
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
        .unwrap_or_else(|| link.username.clone());

    progress(Step::Verifying);
    let body = cognito::respond_body(&config.client_id, &session, &username, &link.token);
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
    let entries = crate::session::storage_entries(&config.client_id, &username, &tokens, env.now_ms());
    Ok(SignedIn {
        username,
        redirect: link.redirect,
        tokens,
        entries,
    })
}

/// Ends the session of the user signed in before ("continue as" on the switch screen): `RevokeToken` for their
/// refresh token, which also invalidates the access and id tokens it issued. Retried like the sign-in calls; a
/// refusal (revocation not enabled for the client, a token already dead) leaves nothing to end, so only a
/// network failure stops the switch.
pub async fn end_session(env: &impl Env, config: &Config, refresh_token: &str) -> Result<(), Failure> {
    let endpoint = config.endpoint();
    let body = handoff_core::cognito_api::revoke_token_body(&config.client_id, refresh_token);
    let mut attempt = 0;
    loop {
        match env.post(&endpoint, Op::RevokeToken.target(), body.clone()).await {
            Ok(reply) if (200..300).contains(&reply.status) => return Ok(()),
            Ok(reply) => {
                let error = CognitoError::from_answer(reply.status, reply.error_type.as_deref(), &reply.body);
                if !error.retryable() {
                    return Ok(());
                }
                if attempt == MAX_RETRIES {
                    return Err(Failure::Network);
                }
            }
            Err(NetworkError) if attempt == MAX_RETRIES => return Err(Failure::Network),
            Err(NetworkError) => {}
        }
        env.sleep(BACKOFF_MS << attempt).await;
        attempt += 1;
    }
}

/// One Cognito call with retries; maps a final error to its screen.
async fn call(
    env: &impl Env,
    endpoint: &str,
    op: Op,
    body: String,
    link: &Link,
) -> Result<AuthAnswer, Failure> {
    let mut attempt = 0;
    loop {
        let retryable = match env.post(endpoint, op.target(), body.clone()).await {
            Ok(reply) if (200..300).contains(&reply.status) => {
                return serde_json::from_str(&reply.body).map_err(|_| Failure::Misconfigured);
            }
            Ok(reply) => {
                let error = CognitoError::from_answer(reply.status, reply.error_type.as_deref(), &reply.body);
                if !error.retryable() || attempt == MAX_RETRIES {
                    return Err(error.failure(link.expired(now_secs(env))));
                }
                true
            }
            Err(NetworkError) if attempt == MAX_RETRIES => return Err(Failure::Network),
            Err(NetworkError) => true,
        };
        debug_assert!(retryable);
        env.sleep(BACKOFF_MS << attempt).await;
        attempt += 1;
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

    /// A scripted Cognito: answers in order, records every request.
    struct Script {
        answers: RefCell<VecDeque<Result<Reply, NetworkError>>>,
        requests: RefCell<Vec<(String, serde_json::Value)>>,
        sleeps: RefCell<Vec<u32>>,
        now_ms: Cell<f64>,
        /// How far the clock moves during each request.
        tick_ms: f64,
    }

    impl Script {
        fn new(answers: Vec<Result<Reply, NetworkError>>) -> Self {
            Script {
                answers: RefCell::new(answers.into()),
                requests: RefCell::default(),
                sleeps: RefCell::default(),
                now_ms: Cell::new(NOW as f64 * 1000.0),
                tick_ms: 0.0,
            }
        }
    }

    impl Env for Script {
        async fn post(&self, endpoint: &str, target: &str, body: String) -> Result<Reply, NetworkError> {
            assert_eq!(endpoint, "https://cognito-idp.eu-west-1.amazonaws.com/");
            let body = serde_json::from_str(&body).unwrap();
            self.requests.borrow_mut().push((target.to_owned(), body));
            self.now_ms.set(self.now_ms.get() + self.tick_ms);
            self.answers
                .borrow_mut()
                .pop_front()
                .expect("an unexpected extra request")
        }
        async fn sleep(&self, ms: u32) {
            self.sleeps.borrow_mut().push(ms);
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

    /// Runs the flow to completion: the scripted Env never pends.
    fn run(script: &Script, token: &str) -> (Result<SignedIn, Failure>, Vec<Step>) {
        let steps = RefCell::new(Vec::new());
        let progress = |s| steps.borrow_mut().push(s);
        let config = config();
        let result = {
            let mut future = pin!(sign_in(script, &config, token, &progress));
            match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(result) => result,
                Poll::Pending => panic!("the scripted flow pended"),
            }
        };
        (result, steps.take())
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
