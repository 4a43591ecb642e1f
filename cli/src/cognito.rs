//! A small Cognito user-pools client over the JSON 1.1 protocol (`POST /`, `X-Amz-Target`,
//! `application/x-amz-json-1.1`). Sign-in calls are unsigned, as on the public endpoint; the admin calls the
//! local provisioning needs are sent unsigned too, which only an emulator accepts.
//!
//! It follows real Cognito where the emulator differs: every answer's `Session` is kept (real Cognito issues a
//! new single-use one each round), `ChallengeParameters.USERNAME` wins over the username sent, and errors map
//! from `__type` (or the `x-amzn-ErrorType` header) to [`ErrorKind`]. The request and answer types themselves are
//! core's ([`handoff_core::cognito_api`]), shared with the landing page.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use handoff_core::cognito_api::{AuthAnswer, CONTENT_TYPE, ErrorKind, TARGET_PREFIX, Tokens};
use handoff_core::cognito_api::{ErrorAnswer, InitiateAuth, Op, RETRY_BACKOFF_MS, RespondToAuthChallenge};

/// A raw HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// The `x-amzn-ErrorType` header, if any.
    pub error_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends one JSON 1.1 request: the real HTTP client, or recorded answers in tests.
pub trait Transport {
    /// `POST /` with `X-Amz-Target: <target>` and `body`.
    fn post(&self, target: &str, body: Vec<u8>) -> Result<RawResponse, Error>;
}

/// A failed Cognito call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Cognito answered with an error.
    Service {
        /// The error type.
        kind: ErrorKind,
        /// Cognito's message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// No answer: connection refused, reset, timed out.
    Network(String),
    /// An answer that is not what the operation returns.
    Unexpected(String),
}

impl Error {
    /// The service error kind, if Cognito answered with one.
    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            Error::Service { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Whether `operation` may be sent again after this error: core's one policy for every client (an answer
    /// that did not take effect, [`ErrorAnswer::retryable`]; no answer, [`Op::retry_without_answer`]).
    pub fn retryable(&self, operation: &str) -> bool {
        match self {
            Error::Service { kind, status, .. } => ErrorAnswer {
                status: *status,
                kind: kind.clone(),
                message: String::new(),
            }
            .retryable(),
            Error::Network(_) => Op::from_name(operation).is_some_and(Op::retry_without_answer),
            Error::Unexpected(_) => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Service {
                kind,
                message,
                status,
            } => write!(f, "Cognito: {} ({status}): {message}", kind.name()),
            Error::Network(m) => write!(f, "cannot reach Cognito: {m}"),
            Error::Unexpected(m) => write!(f, "unexpected answer from Cognito: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Turns a raw answer into the operation's output or a typed error.
pub fn parse_response<T: DeserializeOwned>(raw: &RawResponse) -> Result<T, Error> {
    if (200..300).contains(&raw.status) {
        let body: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &raw.body
        };
        return serde_json::from_slice(body).map_err(|e| Error::Unexpected(e.to_string()));
    }
    let answer = ErrorAnswer::read(raw.status, raw.error_type.as_deref(), &raw.body);
    match answer.kind {
        ErrorKind::Other(name) if name.is_empty() => Err(Error::Unexpected(format!(
            "HTTP {} without an error type",
            raw.status
        ))),
        kind => Err(Error::Service {
            kind,
            message: answer.message,
            status: raw.status,
        }),
    }
}

/// A user-pools client over a [`Transport`].
pub struct Client<T> {
    transport: T,
    /// Pauses before retrying throttled or failed calls.
    pub backoff: Vec<Duration>,
}

impl<T: Transport> Client<T> {
    /// A client with core's backoff ([`RETRY_BACKOFF_MS`]: 250, 500, 1000 ms), the page's too.
    pub fn new(transport: T) -> Self {
        Client {
            transport,
            backoff: RETRY_BACKOFF_MS
                .iter()
                .map(|&ms| Duration::from_millis(ms.into()))
                .collect(),
        }
    }

    /// Calls `operation` once.
    pub fn call<O: DeserializeOwned>(
        &self,
        operation: &str,
        input: &(impl Serialize + ?Sized),
    ) -> Result<O, Error> {
        let body = serde_json::to_vec(input).map_err(|e| Error::Unexpected(e.to_string()))?;
        let raw = self
            .transport
            .post(&format!("{TARGET_PREFIX}.{operation}"), body)?;
        parse_response(&raw)
    }

    /// Calls `operation`, retrying as core's Cognito policy says ([`Error::retryable`]): throttling and internal
    /// failures, and no answer at all for the sign-in operations (a spent answer is refused on the repeat, never
    /// spent twice).
    pub fn call_retrying<O: DeserializeOwned>(
        &self,
        operation: &str,
        input: &(impl Serialize + ?Sized),
    ) -> Result<O, Error> {
        let mut pauses = self.backoff.iter();
        loop {
            match self.call(operation, input) {
                Err(e) if e.retryable(operation) => match pauses.next() {
                    Some(pause) => std::thread::sleep(*pause),
                    None => return Err(e),
                },
                other => return other,
            }
        }
    }

    /// `InitiateAuth` with `USER_PASSWORD_AUTH`.
    pub fn password_auth(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
    ) -> Result<AuthAnswer, Error> {
        let input = InitiateAuth {
            auth_flow: "USER_PASSWORD_AUTH",
            client_id,
            auth_parameters: [("USERNAME", username), ("PASSWORD", password)].into(),
        };
        self.call_retrying(Op::InitiateAuth.name(), &input)
    }

    /// `InitiateAuth` with `USER_SRP_AUTH`: the user and the client's public SRP value `A` (hex). Cognito answers
    /// with the `PASSWORD_VERIFIER` challenge.
    pub fn srp_auth(&self, client_id: &str, username: &str, srp_a: &str) -> Result<AuthAnswer, Error> {
        let input = InitiateAuth {
            auth_flow: "USER_SRP_AUTH",
            client_id,
            auth_parameters: [("USERNAME", username), ("SRP_A", srp_a)].into(),
        };
        self.call_retrying(Op::InitiateAuth.name(), &input)
    }

    /// `RespondToAuthChallenge` for `PASSWORD_VERIFIER` with the password proof (see [`crate::srp`]). Real
    /// Cognito answers `USER_SRP_AUTH` without a `Session` (the secret block names the exchange); one is sent
    /// back when there was one.
    pub fn answer_password_verifier(
        &self,
        client_id: &str,
        session: Option<&str>,
        responses: &BTreeMap<&'static str, String>,
    ) -> Result<AuthAnswer, Error> {
        let input = PasswordVerifier {
            challenge_name: PASSWORD_VERIFIER,
            client_id,
            session,
            challenge_responses: responses,
        };
        self.call_retrying(Op::RespondToAuthChallenge.name(), &input)
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
    pub fn refresh(&self, client_id: &str, refresh_token: &str) -> Result<AuthAnswer, Error> {
        let input = InitiateAuth {
            auth_flow: "REFRESH_TOKEN_AUTH",
            client_id,
            auth_parameters: [("REFRESH_TOKEN", refresh_token)].into(),
        };
        self.call_retrying(Op::InitiateAuth.name(), &input)
    }

    /// `InitiateAuth` with `CUSTOM_AUTH`.
    pub fn custom_auth(&self, client_id: &str, username: &str) -> Result<AuthAnswer, Error> {
        self.call_retrying(
            Op::InitiateAuth.name(),
            &InitiateAuth::custom_auth(client_id, username),
        )
    }

    /// `RespondToAuthChallenge` for a `CUSTOM_CHALLENGE`.
    pub fn answer_custom_challenge(
        &self,
        client_id: &str,
        username: &str,
        session: &str,
        answer: &str,
        binding: Option<&str>,
    ) -> Result<AuthAnswer, Error> {
        let mut input = RespondToAuthChallenge::custom_challenge(client_id, session, username, answer);
        if let Some(binding) = binding {
            input = input.with_binding(binding);
        }
        self.call_retrying(Op::RespondToAuthChallenge.name(), &input)
    }
}

/// The challenge an SRP sign-in answers.
pub const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";

/// The `RespondToAuthChallenge` body of a `PASSWORD_VERIFIER` answer (core's type always sends a `Session`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PasswordVerifier<'a> {
    challenge_name: &'a str,
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
    challenge_responses: &'a BTreeMap<&'static str, String>,
}

/// The real transport: HTTPS (or loopback HTTP) with a timeout.
pub struct HttpTransport {
    agent: ureq::Agent,
    endpoint: String,
}

impl HttpTransport {
    /// A transport for `endpoint` (e.g. `https://cognito-idp.eu-west-1.amazonaws.com/`).
    pub fn new(endpoint: &str, timeout: Duration) -> Self {
        HttpTransport {
            agent: crate::http::agent(timeout),
            endpoint: endpoint.to_owned(),
        }
    }
}

impl Transport for HttpTransport {
    fn post(&self, target: &str, body: Vec<u8>) -> Result<RawResponse, Error> {
        let mut response = self
            .agent
            .post(&self.endpoint)
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", target)
            .send(&body[..])
            .map_err(|e| Error::Network(e.to_string()))?;
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(RawResponse {
            status,
            error_type,
            body,
        })
    }
}
