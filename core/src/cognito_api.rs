//! Cognito user pools' public JSON 1.1 API, as both clients (the CLI and the landing page) speak it: the
//! constants, the `InitiateAuth` / `RespondToAuthChallenge` bodies, their answer, the error body and the error
//! type names. Pure types, builders and readers (on [`crate::json`], which the page's wasm can afford; the serde
//! derives serve the CLI); sending the request is each client's business.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::json::{self, Object, Out, Out::Str};
use crate::named::Named;

/// `Content-Type` of every request.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The `X-Amz-Target` prefix of every user-pools operation; `.` and the operation name follow.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService";
/// The response header that may name the error type (`NotAuthorizedException:http://...`).
pub const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";
/// The auth flow Handoff signs in with.
pub const CUSTOM_AUTH: &str = "CUSTOM_AUTH";
/// The challenge the Define trigger asks for.
pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";

/// The operations the clients send, all unsigned (public app clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Starts a sign-in.
    InitiateAuth,
    /// Answers a challenge.
    RespondToAuthChallenge,
    /// Ends a session: revokes a refresh token and the tokens it issued.
    RevokeToken,
    /// Remembers a new device (pools with device tracking): its SRP verifier, so refresh can name the device.
    ConfirmDevice,
}

impl Op {
    /// The operation name.
    pub const fn name(self) -> &'static str {
        match self {
            Op::InitiateAuth => "InitiateAuth",
            Op::RespondToAuthChallenge => "RespondToAuthChallenge",
            Op::RevokeToken => "RevokeToken",
            Op::ConfirmDevice => "ConfirmDevice",
        }
    }

    /// The `X-Amz-Target` header value.
    pub const fn target(self) -> &'static str {
        match self {
            Op::InitiateAuth => "AWSCognitoIdentityProviderService.InitiateAuth",
            Op::RespondToAuthChallenge => "AWSCognitoIdentityProviderService.RespondToAuthChallenge",
            Op::RevokeToken => "AWSCognitoIdentityProviderService.RevokeToken",
            Op::ConfirmDevice => "AWSCognitoIdentityProviderService.ConfirmDevice",
        }
    }
}

impl Op {
    /// Every operation.
    pub const ALL: [Op; 4] = [
        Op::InitiateAuth,
        Op::RespondToAuthChallenge,
        Op::RevokeToken,
        Op::ConfirmDevice,
    ];

    /// The operation named `name` (`InitiateAuth`), if it is one of these.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether a call that got NO answer (refused, reset, timed out: it may or may not have reached Cognito) may be
    /// sent again. The one decision for every client (the page and the CLI): each of these operations may, because
    /// none can take effect twice. `InitiateAuth` only starts a challenge. A `RespondToAuthChallenge` that did reach
    /// Cognito has burned its token at the edge and its single-use session, so the repeat is refused
    /// (`NotAuthorizedException`) and the user learns the link is spent rather than "no connection"; one that never
    /// arrived goes through. `RevokeToken` and `ConfirmDevice` are idempotent. Other operations (the CLI's admin
    /// calls) are not retried without an answer.
    pub const fn retry_without_answer(self) -> bool {
        match self {
            Op::InitiateAuth | Op::RespondToAuthChallenge | Op::RevokeToken | Op::ConfirmDevice => true,
        }
    }
}

/// Pauses before the retries of a call, in milliseconds: at most three retries, after a throttling answer, an
/// internal failure, or no answer ([`ErrorAnswer::retryable`], [`Op::retry_without_answer`]).
pub const RETRY_BACKOFF_MS: [u32; 3] = [250, 500, 1000];

/// A Cognito error answer, read the one way every client reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The error type.
    pub kind: ErrorKind,
    /// Cognito's message (`""` when there is none).
    pub message: String,
}

impl ErrorAnswer {
    /// Reads an answer that is not a 2xx. The error type comes from, in this order, the body's `__type`, the body's
    /// `code` (emulators) and the `x-amzn-ErrorType` header (real Cognito sends the same type in both; a proxy's
    /// HTML error page has none of the body members). An answer that names no type is an internal failure from a
    /// 5xx (a gateway failed: the request did not take effect) and `Other("")` otherwise.
    pub fn read(status: u16, error_type_header: Option<&str>, body: &[u8]) -> ErrorAnswer {
        let parsed = ErrorBody::parse(body);
        let named = [
            parsed.type_name.as_deref(),
            parsed.code.as_deref(),
            error_type_header,
        ]
        .into_iter()
        .flatten()
        .map(error_name)
        .find(|name| !name.is_empty());
        let kind = match named {
            Some(name) => ErrorKind::from_type(name),
            None if status >= 500 => ErrorKind::InternalError,
            None => ErrorKind::Other(String::new()),
        };
        ErrorAnswer {
            status,
            kind,
            message: parsed.message().to_owned(),
        }
    }

    /// Whether the same request may be sent again after a pause: throttling and internal failures (any 5xx but a
    /// trigger's), which did not take effect; never a failing trigger, even when a proxy made a 5xx of it.
    pub fn retryable(&self) -> bool {
        !self.kind.trigger_failed() && (self.kind.retryable() || self.status >= 500)
    }
}

/// The `RevokeToken` body for a public client (no secret).
pub fn revoke_token_body(client_id: &str, refresh_token: &str) -> String {
    json::object(&[("ClientId", Str(client_id)), ("Token", Str(refresh_token))])
}

/// The `ConfirmDevice` body: the device's SRP verifier and salt (both base64), as Amplify sends it after a sign-in
/// that returned `NewDeviceMetadata`.
pub fn confirm_device_body(
    access_token: &str,
    device_key: &str,
    device_name: &str,
    verifier: &str,
    salt: &str,
) -> String {
    let verifier_config = [("PasswordVerifier", Str(verifier)), ("Salt", Str(salt))];
    json::object(&[
        ("AccessToken", Str(access_token)),
        ("DeviceKey", Str(device_key)),
        ("DeviceName", Str(device_name)),
        ("DeviceSecretVerifierConfig", Out::Object(&verifier_config)),
    ])
}

/// A string map's members as [`json::Out`] members, in the map's (sorted) order.
fn members<'a>(map: &'a BTreeMap<&'a str, &'a str>) -> Vec<(&'a str, Out<'a>)> {
    map.iter().map(|(k, v)| (*k, Str(v))).collect()
}

/// The `InitiateAuth` body. Its `Debug` names the parameters but never shows their values (passwords, tokens).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InitiateAuth<'a> {
    /// `CUSTOM_AUTH`, `USER_PASSWORD_AUTH`, `REFRESH_TOKEN_AUTH`, ...
    pub auth_flow: &'a str,
    /// The app client.
    pub client_id: &'a str,
    /// The flow's parameters (`USERNAME`, ...).
    pub auth_parameters: BTreeMap<&'a str, &'a str>,
}

impl<'a> InitiateAuth<'a> {
    /// The body as JSON text, byte for byte what serde_json writes for it (the CLI serializes the same type).
    pub fn to_json(&self) -> String {
        let parameters = members(&self.auth_parameters);
        json::object(&[
            ("AuthFlow", Str(self.auth_flow)),
            ("ClientId", Str(self.client_id)),
            ("AuthParameters", Out::Object(&parameters)),
        ])
    }

    /// `{AuthFlow: CUSTOM_AUTH, ClientId, AuthParameters: {USERNAME}}`.
    pub fn custom_auth(client_id: &'a str, username: &'a str) -> Self {
        InitiateAuth {
            auth_flow: CUSTOM_AUTH,
            client_id,
            auth_parameters: BTreeMap::from([("USERNAME", username)]),
        }
    }
}

impl fmt::Debug for InitiateAuth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitiateAuth")
            .field("auth_flow", &self.auth_flow)
            .field("client_id", &self.client_id)
            .field(
                "auth_parameters",
                &self.auth_parameters.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The `RespondToAuthChallenge` body. Its `Debug` never shows the session or the responses.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RespondToAuthChallenge<'a> {
    /// The challenge answered (`CUSTOM_CHALLENGE`).
    pub challenge_name: &'a str,
    /// The app client.
    pub client_id: &'a str,
    /// The session from the previous answer.
    pub session: &'a str,
    /// The responses (`USERNAME`, `ANSWER`).
    pub challenge_responses: BTreeMap<&'a str, &'a str>,
    /// `ClientMetadata`, passed to the Verify trigger (the context binding, `handoff_binding`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub client_metadata: BTreeMap<&'a str, &'a str>,
}

impl<'a> RespondToAuthChallenge<'a> {
    /// The body as JSON text, byte for byte what serde_json writes for it (the CLI serializes the same type).
    pub fn to_json(&self) -> String {
        let responses = members(&self.challenge_responses);
        let metadata = members(&self.client_metadata);
        let mut body = vec![
            ("ChallengeName", Str(self.challenge_name)),
            ("ClientId", Str(self.client_id)),
            ("Session", Str(self.session)),
            ("ChallengeResponses", Out::Object(&responses)),
        ];
        if !metadata.is_empty() {
            body.push(("ClientMetadata", Out::Object(&metadata)));
        }
        json::object(&body)
    }

    /// The same answer with the landing page's context binding in `ClientMetadata`.
    pub fn with_binding(mut self, binding: &'a str) -> Self {
        self.client_metadata
            .insert(crate::wire::BINDING_METADATA_KEY, binding);
        self
    }

    /// `{ChallengeName: CUSTOM_CHALLENGE, ClientId, Session, ChallengeResponses: {USERNAME, ANSWER}}`.
    pub fn custom_challenge(
        client_id: &'a str,
        session: &'a str,
        username: &'a str,
        answer: &'a str,
    ) -> Self {
        RespondToAuthChallenge {
            challenge_name: CUSTOM_CHALLENGE,
            client_id,
            session,
            challenge_responses: BTreeMap::from([("USERNAME", username), ("ANSWER", answer)]),
            client_metadata: BTreeMap::new(),
        }
    }
}

impl fmt::Debug for RespondToAuthChallenge<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RespondToAuthChallenge")
            .field("challenge_name", &self.challenge_name)
            .field("client_id", &self.client_id)
            .field(
                "challenge_responses",
                &self.challenge_responses.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The `InitiateAuth` body for CUSTOM_AUTH, as JSON text: [`InitiateAuth::custom_auth`]'s, byte for byte (tested),
/// written without its map so that the landing page's wasm carries no `BTreeMap` code.
pub fn initiate_auth_body(client_id: &str, username: &str) -> String {
    json::object(&[
        ("AuthFlow", Str(CUSTOM_AUTH)),
        ("ClientId", Str(client_id)),
        ("AuthParameters", Out::Object(&[("USERNAME", Str(username))])),
    ])
}

/// The `RespondToAuthChallenge` body for CUSTOM_CHALLENGE with `answer` as the answer, as JSON text.
pub fn respond_body(client_id: &str, session: &str, username: &str, answer: &str) -> String {
    respond_body_bound(client_id, session, username, answer, None)
}

/// [`respond_body`] with the landing page's context binding proof as `ClientMetadata: {"handoff_binding": proof}`
/// when there is one (Cognito hands `ClientMetadata` to the Verify trigger as `request.clientMetadata`). Byte for
/// byte [`RespondToAuthChallenge::custom_challenge`]'s body (and [`RespondToAuthChallenge::with_binding`]'s; tested),
/// written without their maps, like [`initiate_auth_body`].
pub fn respond_body_bound(
    client_id: &str,
    session: &str,
    username: &str,
    answer: &str,
    proof: Option<&str>,
) -> String {
    // A map's members in its (sorted) order.
    let responses = [("ANSWER", Str(answer)), ("USERNAME", Str(username))];
    let metadata = proof.map(|proof| [(crate::wire::BINDING_METADATA_KEY, Str(proof))]);
    let mut body = vec![
        ("ChallengeName", Str(CUSTOM_CHALLENGE)),
        ("ClientId", Str(client_id)),
        ("Session", Str(session)),
        ("ChallengeResponses", Out::Object(&responses)),
    ];
    if let Some(metadata) = &metadata {
        body.push(("ClientMetadata", Out::Object(metadata)));
    }
    json::object(&body)
}

/// The answer of `InitiateAuth` and `RespondToAuthChallenge`: tokens, or the next challenge. Unknown members are
/// ignored. The page reads it with [`AuthAnswer::parse`]; the CLI with serde (the same reading, tested).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthAnswer {
    /// The next challenge (`CUSTOM_CHALLENGE`, ...).
    #[serde(default)]
    pub challenge_name: Option<String>,
    /// Its public parameters; real Cognito includes `USERNAME` (the canonical username).
    #[serde(default)]
    pub challenge_parameters: Named<String>,
    /// The session to answer with: new every round in real Cognito, single use.
    #[serde(default)]
    pub session: Option<String>,
    /// The tokens, once signed in.
    #[serde(default)]
    pub authentication_result: Option<Tokens>,
}

/// `AuthenticationResult`: the tokens. `Debug` never prints them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Lifetime of the access token, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Present when the pool tracks devices and this sign-in came from a device it does not know yet: the device
    /// must be confirmed (`ConfirmDevice`) and its keys kept, or a later refresh naming no device fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_device_metadata: Option<NewDeviceMetadata>,
}

/// `NewDeviceMetadata`: the keys Cognito gave the device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewDeviceMetadata {
    /// The device's key (`region_uuid`).
    pub device_key: String,
    /// The device group key (part of the verifier's password).
    pub device_group_key: String,
}

impl AuthAnswer {
    /// Reads an answer's JSON text as serde reads this type (absent and `null` optional members are `None`; a
    /// member of the wrong kind, or `AuthenticationResult` without `AccessToken`, is not an answer), without serde.
    pub fn parse(text: &str) -> Option<AuthAnswer> {
        let answer = json::parse_object(text)?;
        let tokens = match answer.present("AuthenticationResult") {
            Some(value) => Some(Tokens::from_json(value.as_object()?)?),
            None => None,
        };
        Some(AuthAnswer {
            challenge_name: answer.opt_str("ChallengeName").ok()?,
            challenge_parameters: Named::member(&answer, "ChallengeParameters").ok()?,
            session: answer.opt_str("Session").ok()?,
            authentication_result: tokens,
        })
    }
}

impl Tokens {
    fn from_json(result: &Object) -> Option<Tokens> {
        let device = match result.present("NewDeviceMetadata") {
            Some(value) => {
                let metadata = value.as_object()?;
                Some(NewDeviceMetadata {
                    device_key: metadata.req_str("DeviceKey").ok()?,
                    device_group_key: metadata.req_str("DeviceGroupKey").ok()?,
                })
            }
            None => None,
        };
        Some(Tokens {
            access_token: result.req_str("AccessToken").ok()?,
            id_token: result.opt_str("IdToken").ok()?,
            refresh_token: result.opt_str("RefreshToken").ok()?,
            expires_in: result.opt_u64("ExpiresIn").ok()?,
            token_type: result.opt_str("TokenType").ok()?,
            new_device_metadata: device,
        })
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"***")
            .field("id_token", &self.id_token.as_ref().map(|_| "***"))
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("new_device_metadata", &self.new_device_metadata)
            .finish()
    }
}

/// An error answer's body. Every member is optional: proxies and emulators answer with less, or with HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    /// `__type`: the error type, maybe with a `namespace#` prefix.
    #[serde(rename = "__type", default)]
    pub type_name: Option<String>,
    /// `code`: where some emulators put the error type.
    #[serde(default)]
    pub code: Option<String>,
    /// `message`.
    #[serde(default)]
    pub message: Option<String>,
    /// `Message` (some operations and emulators).
    #[serde(rename = "Message", default)]
    pub message_capitalized: Option<String>,
    /// `errorMessage` (emulators passing a trigger's failure through).
    #[serde(rename = "errorMessage", default)]
    pub error_message: Option<String>,
}

impl ErrorBody {
    /// Reads `body`; anything that is not such a JSON object reads as empty.
    pub fn parse(body: &[u8]) -> ErrorBody {
        let read = |body: &Object| {
            Some(ErrorBody {
                type_name: body.opt_str("__type").ok()?,
                code: body.opt_str("code").ok()?,
                message: body.opt_str("message").ok()?,
                message_capitalized: body.opt_str("Message").ok()?,
                error_message: body.opt_str("errorMessage").ok()?,
            })
        };
        std::str::from_utf8(body)
            .ok()
            .and_then(json::parse_object)
            .and_then(|body| read(&body))
            .unwrap_or_default()
    }

    /// The first message member present (`message`, `Message`, `errorMessage`), or `""`.
    pub fn message(&self) -> &str {
        [&self.message, &self.message_capitalized, &self.error_message]
            .into_iter()
            .find_map(Option::as_deref)
            .unwrap_or("")
    }
}

/// The bare error type name in `raw`: drops a `:uri` suffix (as in the `x-amzn-ErrorType` header), then a
/// `namespace#` prefix (as in `__type`), then surrounding ASCII blanks (header values and type names are ASCII).
pub fn error_name(raw: &str) -> &str {
    let name = raw.split(':').next().unwrap_or_default();
    // By byte, not `rsplit`: a reverse character search is code the landing page's wasm need not carry.
    let name = match name.as_bytes().iter().rposition(|&b| b == b'#') {
        Some(at) => &name[at + 1..],
        None => name,
    };
    name.trim_ascii()
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
    /// Maps an error type name, with or without the decorations [`error_name`] removes.
    pub fn from_type(raw: &str) -> ErrorKind {
        match error_name(raw) {
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

    /// Throttling and internal failures: the request did not take effect, so the same request may be sent again
    /// after a pause.
    pub fn retryable(&self) -> bool {
        matches!(self, ErrorKind::TooManyRequests | ErrorKind::InternalError)
    }

    /// A trigger failed, threw or answered nonsense: never worth retrying, and never the caller's fault.
    pub fn trigger_failed(&self) -> bool {
        matches!(
            self,
            ErrorKind::UserLambdaValidation | ErrorKind::InvalidLambdaResponse | ErrorKind::UnexpectedLambda
        )
    }
}
