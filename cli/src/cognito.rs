//! A small Cognito user-pools client over the JSON 1.1 protocol (`POST /`, `X-Amz-Target`,
//! `application/x-amz-json-1.1`). Sign-in calls are unsigned, as on the public endpoint; the admin calls the
//! local provisioning needs are sent unsigned too, which only an emulator accepts.
//!
//! It follows real Cognito where the emulator differs: every answer's `Session` is kept (real Cognito issues a
//! new single-use one each round), `ChallengeParameters.USERNAME` wins over the username sent, and errors map
//! from `__type` (or the `x-amzn-ErrorType` header) to [`ErrorKind`].

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The JSON 1.1 content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The `X-Amz-Target` prefix of every user-pools operation.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService";

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

/// Cognito's error types that callers tell apart. The rest keep their name in [`ErrorKind::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Wrong password, a failed custom challenge, an invalid or expired session, a disabled user, or (with
    /// PreventUserExistenceErrors) an unknown user.
    NotAuthorized,
    /// A trigger failed or timed out (real Cognito); the sign-in fails.
    UserLambdaValidation,
    /// A trigger answered something Cognito could not use.
    InvalidLambdaResponse,
    /// A trigger threw (some emulators use this where real Cognito says UserLambdaValidation).
    UnexpectedLambda,
    /// Throttled: retry with backoff.
    TooManyRequests,
    /// The user does not exist (only without PreventUserExistenceErrors).
    UserNotFound,
    /// The user has not confirmed sign-up.
    UserNotConfirmed,
    /// The user must reset the password first.
    PasswordResetRequired,
    /// A request parameter is invalid (also: an auth flow not enabled for the client).
    InvalidParameter,
    /// The pool or client does not exist.
    ResourceNotFound,
    /// The pool's configuration does not allow the call.
    InvalidUserPoolConfiguration,
    /// A service limit was hit.
    LimitExceeded,
    /// Cognito failed internally: retry with backoff.
    InternalError,
    /// Any other `...Exception`, by name.
    Other(String),
}

impl ErrorKind {
    /// Maps an error type name (`NotAuthorizedException`, optionally with a `namespace#` prefix or a `:uri`
    /// suffix as in the `x-amzn-ErrorType` header).
    pub fn from_type(raw: &str) -> ErrorKind {
        let name = raw.rsplit('#').next().unwrap_or(raw);
        let name = name.split(':').next().unwrap_or(name).trim();
        match name {
            "NotAuthorizedException" => ErrorKind::NotAuthorized,
            "UserLambdaValidationException" => ErrorKind::UserLambdaValidation,
            "InvalidLambdaResponseException" => ErrorKind::InvalidLambdaResponse,
            "UnexpectedLambdaException" => ErrorKind::UnexpectedLambda,
            "TooManyRequestsException" | "ThrottlingException" => ErrorKind::TooManyRequests,
            "UserNotFoundException" => ErrorKind::UserNotFound,
            "UserNotConfirmedException" => ErrorKind::UserNotConfirmed,
            "PasswordResetRequiredException" => ErrorKind::PasswordResetRequired,
            "InvalidParameterException" => ErrorKind::InvalidParameter,
            "ResourceNotFoundException" => ErrorKind::ResourceNotFound,
            "InvalidUserPoolConfigurationException" => ErrorKind::InvalidUserPoolConfiguration,
            "LimitExceededException" => ErrorKind::LimitExceeded,
            "InternalErrorException" | "InternalFailure" | "ServiceUnavailable" => ErrorKind::InternalError,
            other => ErrorKind::Other(other.to_owned()),
        }
    }

    /// The error type name.
    pub fn name(&self) -> &str {
        match self {
            ErrorKind::NotAuthorized => "NotAuthorizedException",
            ErrorKind::UserLambdaValidation => "UserLambdaValidationException",
            ErrorKind::InvalidLambdaResponse => "InvalidLambdaResponseException",
            ErrorKind::UnexpectedLambda => "UnexpectedLambdaException",
            ErrorKind::TooManyRequests => "TooManyRequestsException",
            ErrorKind::UserNotFound => "UserNotFoundException",
            ErrorKind::UserNotConfirmed => "UserNotConfirmedException",
            ErrorKind::PasswordResetRequired => "PasswordResetRequiredException",
            ErrorKind::InvalidParameter => "InvalidParameterException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::InvalidUserPoolConfiguration => "InvalidUserPoolConfigurationException",
            ErrorKind::LimitExceeded => "LimitExceededException",
            ErrorKind::InternalError => "InternalErrorException",
            ErrorKind::Other(name) => name,
        }
    }

    /// Whether the same request may simply be sent again after a pause.
    pub fn retryable(&self) -> bool {
        matches!(self, ErrorKind::TooManyRequests | ErrorKind::InternalError)
    }
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
    let parsed: Value = serde_json::from_slice(&raw.body).unwrap_or(Value::Null);
    let type_name = parsed
        .get("__type")
        .or_else(|| parsed.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| raw.error_type.clone());
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|k| parsed.get(*k).and_then(Value::as_str))
        .unwrap_or("")
        .to_owned();
    match type_name {
        Some(name) => Error::Service {
            kind: ErrorKind::from_type(&name),
            message,
            status: raw.status,
        }
        .into_err(),
        None if raw.status >= 500 => Error::Service {
            kind: ErrorKind::InternalError,
            message,
            status: raw.status,
        }
        .into_err(),
        None => Err(Error::Unexpected(format!(
            "HTTP {} without an error type",
            raw.status
        ))),
    }
}

impl Error {
    fn into_err<T>(self) -> Result<T, Error> {
        Err(self)
    }
}

/// `AuthenticationResult`: the tokens. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// The id token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The refresh token (absent on a refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Lifetime of the access token, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &handoff_core::fingerprint(&self.access_token))
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The answer of `InitiateAuth` and `RespondToAuthChallenge`: tokens, or the next challenge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthAnswer {
    /// The next challenge (`CUSTOM_CHALLENGE`, ...).
    #[serde(default)]
    pub challenge_name: Option<String>,
    /// Its public parameters (real Cognito includes `USERNAME`).
    #[serde(default)]
    pub challenge_parameters: BTreeMap<String, String>,
    /// The session to answer with: new every round in real Cognito, single use.
    #[serde(default)]
    pub session: Option<String>,
    /// The tokens, when signed in.
    #[serde(default)]
    pub authentication_result: Option<Tokens>,
}

/// A user-pools client over a [`Transport`].
pub struct Client<T> {
    transport: T,
    /// Pauses before retrying throttled or failed calls.
    pub backoff: Vec<Duration>,
}

impl<T: Transport> Client<T> {
    /// A client with the default backoff (200 ms, 800 ms).
    pub fn new(transport: T) -> Self {
        Client {
            transport,
            backoff: vec![Duration::from_millis(200), Duration::from_millis(800)],
        }
    }

    /// Calls `operation` once.
    pub fn call<O: DeserializeOwned>(&self, operation: &str, input: &Value) -> Result<O, Error> {
        let body = serde_json::to_vec(input).map_err(|e| Error::Unexpected(e.to_string()))?;
        let raw = self
            .transport
            .post(&format!("{TARGET_PREFIX}.{operation}"), body)?;
        parse_response(&raw)
    }

    /// Calls `operation`, retrying throttling and internal errors (not network errors: a sign-in answer may
    /// have been spent even if we never saw it).
    pub fn call_retrying<O: DeserializeOwned>(&self, operation: &str, input: &Value) -> Result<O, Error> {
        let mut pauses = self.backoff.iter();
        loop {
            match self.call(operation, input) {
                Err(e) if e.kind().is_some_and(ErrorKind::retryable) => match pauses.next() {
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
        let input = serde_json::json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        });
        self.call_retrying("InitiateAuth", &input)
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
    pub fn refresh(&self, client_id: &str, refresh_token: &str) -> Result<AuthAnswer, Error> {
        let input = serde_json::json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"REFRESH_TOKEN": refresh_token},
        });
        self.call_retrying("InitiateAuth", &input)
    }

    /// `InitiateAuth` with `CUSTOM_AUTH`.
    pub fn custom_auth(&self, client_id: &str, username: &str) -> Result<AuthAnswer, Error> {
        let input = serde_json::json!({
            "AuthFlow": "CUSTOM_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": username},
        });
        self.call_retrying("InitiateAuth", &input)
    }

    /// `RespondToAuthChallenge` for a `CUSTOM_CHALLENGE`.
    pub fn answer_custom_challenge(
        &self,
        client_id: &str,
        username: &str,
        session: &str,
        answer: &str,
    ) -> Result<AuthAnswer, Error> {
        let input = serde_json::json!({
            "ChallengeName": "CUSTOM_CHALLENGE",
            "ClientId": client_id,
            "Session": session,
            "ChallengeResponses": {"USERNAME": username, "ANSWER": answer},
        });
        self.call_retrying("RespondToAuthChallenge", &input)
    }
}

/// The real transport: HTTPS (or loopback HTTP) with a timeout.
pub struct HttpTransport {
    agent: ureq::Agent,
    endpoint: String,
}

impl HttpTransport {
    /// A transport for `endpoint` (e.g. `https://cognito-idp.eu-west-1.amazonaws.com/`).
    pub fn new(endpoint: &str, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .user_agent(concat!("handoff-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpTransport {
            agent,
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
