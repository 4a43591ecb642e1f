//! Stable reason codes: the one vocabulary for every rejection, shared by logs, metrics, API answers and the
//! landing page's error screens. Codes never change meaning once released; new ones may be added.

use serde::{Deserialize, Serialize};

/// Why something was rejected. Serialized as a snake_case string (`"expired"`, `"replayed"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    // Token format.
    /// The token is not three base64url parts of valid JSON, or a claim has the wrong type.
    Malformed,
    /// The token is longer than the policy allows.
    TokenTooLarge,
    /// The header's `alg` is not the one algorithm the named key allows (covers `none` and HMAC confusion).
    AlgorithmNotAllowed,
    /// The header's `kid` is missing or names no configured key.
    UnknownKey,
    /// The header carries `jku`, `x5u`, `jwk`, `x5c` or `crit`: key hints from the token are never followed.
    ForbiddenHeader,
    /// The header's `typ` is not `handoff+jwt` (for example a Cognito id or access token).
    WrongType,
    /// The signature does not verify with the named key.
    BadSignature,

    // Claims.
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` is not one of the configured audiences, or not the redeeming client.
    WrongAudience,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid,
    /// `exp - iat` is longer than the policy's maximum lifetime.
    LifetimeTooLong,
    /// A required claim is absent.
    MissingClaim,
    /// A claim is present but unacceptable (empty, too long, `exp` before `iat`, bad `jti`).
    InvalidClaim,
    /// The redeeming user's `sub` or username differs from the token's.
    WrongUser,

    // Ledger.
    /// The token was already redeemed by another sign-in attempt.
    Replayed,
    /// The token was revoked before use.
    Revoked,
    /// The ledger has no record of the token (never issued here, or already cleaned up).
    UnknownToken,
    /// Too many tokens issued or live for this user; retry later.
    RateLimited,
    /// The link is used from another network context than the one it was asked for in (context binding).
    WrongContext,
    /// The context binding is missing, forged, expired or for another token.
    BadBinding,

    // Redirects.
    /// The redirect target is not a same-origin path inside the allowlist.
    BadRedirect,

    // Requests to the edge API.
    /// The `Authorization` header is missing, garbled or wrong.
    Unauthorized,
    /// The bearer access token is not a valid, current access token of an allowed mobile client.
    InvalidAccessToken,
    /// The bearer access token verifies but Cognito says it was revoked (sign-out, `RevokeToken`,
    /// `GlobalSignOut`, an admin sign-out): it buys no new session.
    AccessTokenRevoked,
    /// The request body is not the expected JSON (malformed, unknown or missing fields).
    BadRequest,
    /// The request body is larger than the API accepts.
    PayloadTooLarge,
    /// The request's `Content-Type` is not `application/json`.
    UnsupportedMediaType,
    /// The path exists but not for this method.
    MethodNotAllowed,
    /// No such path.
    NotFound,

    // Operations.
    /// The service's configuration is invalid (keys, policy, secrets); an operator must fix it.
    Misconfigured,
    /// A dependency (ledger, key store, upstream) did not answer; retrying may help.
    Unavailable,
    /// An unexpected failure; details are in the service's logs, never in the answer.
    Internal,
}

impl Reason {
    /// Every reason, in declaration order (for docs and exhaustive tests).
    pub const ALL: &'static [Reason] = &[
        Reason::Malformed,
        Reason::TokenTooLarge,
        Reason::AlgorithmNotAllowed,
        Reason::UnknownKey,
        Reason::ForbiddenHeader,
        Reason::WrongType,
        Reason::BadSignature,
        Reason::WrongIssuer,
        Reason::WrongAudience,
        Reason::Expired,
        Reason::NotYetValid,
        Reason::LifetimeTooLong,
        Reason::MissingClaim,
        Reason::InvalidClaim,
        Reason::WrongUser,
        Reason::Replayed,
        Reason::Revoked,
        Reason::UnknownToken,
        Reason::RateLimited,
        Reason::WrongContext,
        Reason::BadBinding,
        Reason::BadRedirect,
        Reason::Unauthorized,
        Reason::InvalidAccessToken,
        Reason::AccessTokenRevoked,
        Reason::BadRequest,
        Reason::PayloadTooLarge,
        Reason::UnsupportedMediaType,
        Reason::MethodNotAllowed,
        Reason::NotFound,
        Reason::Misconfigured,
        Reason::Unavailable,
        Reason::Internal,
    ];

    /// The stable snake_case code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::TokenTooLarge => "token_too_large",
            Reason::AlgorithmNotAllowed => "algorithm_not_allowed",
            Reason::UnknownKey => "unknown_key",
            Reason::ForbiddenHeader => "forbidden_header",
            Reason::WrongType => "wrong_type",
            Reason::BadSignature => "bad_signature",
            Reason::WrongIssuer => "wrong_issuer",
            Reason::WrongAudience => "wrong_audience",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::LifetimeTooLong => "lifetime_too_long",
            Reason::MissingClaim => "missing_claim",
            Reason::InvalidClaim => "invalid_claim",
            Reason::WrongUser => "wrong_user",
            Reason::Replayed => "replayed",
            Reason::Revoked => "revoked",
            Reason::UnknownToken => "unknown_token",
            Reason::RateLimited => "rate_limited",
            Reason::WrongContext => "wrong_context",
            Reason::BadBinding => "bad_binding",
            Reason::BadRedirect => "bad_redirect",
            Reason::Unauthorized => "unauthorized",
            Reason::InvalidAccessToken => "invalid_access_token",
            Reason::AccessTokenRevoked => "access_token_revoked",
            Reason::BadRequest => "bad_request",
            Reason::PayloadTooLarge => "payload_too_large",
            Reason::UnsupportedMediaType => "unsupported_media_type",
            Reason::MethodNotAllowed => "method_not_allowed",
            Reason::NotFound => "not_found",
            Reason::Misconfigured => "misconfigured",
            Reason::Unavailable => "unavailable",
            Reason::Internal => "internal",
        }
    }

    /// Parses a code produced by [`Reason::as_str`].
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == code)
    }

    /// The HTTP status an API answer with this reason carries when the request itself fails.
    pub const fn http_status(self) -> u16 {
        match self {
            Reason::Unauthorized | Reason::InvalidAccessToken | Reason::AccessTokenRevoked => 401,
            Reason::PayloadTooLarge => 413,
            Reason::UnsupportedMediaType => 415,
            Reason::MethodNotAllowed => 405,
            Reason::NotFound => 404,
            Reason::RateLimited => 429,
            Reason::WrongContext => 403,
            Reason::Misconfigured | Reason::Internal => 500,
            Reason::Unavailable => 503,
            _ => 400,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
