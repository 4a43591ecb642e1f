//! The error type of token verification and minting. Each kind maps to one stable [`Reason`].

use crate::Reason;

/// A token was rejected, or could not be minted. Cheap to move (one box); inspect with [`Error::kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorKind>);

/// What is wrong with a policy or key set (the text of [`ErrorKind::Misconfigured`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misconfiguration {
    /// The token policy names no issuer.
    #[error("policy issuer is empty")]
    NoIssuer,
    /// The token policy names no audience, or an empty one.
    #[error("policy needs at least one non-empty audience")]
    NoAudience,
    /// The token policy's `max_ttl` is 0 or above the hard maximum.
    #[error("max_ttl must be 1..={} s", crate::policy::HARD_MAX_TTL_SECS)]
    MaxTtl,
    /// The leeway is above the maximum.
    #[error("leeway must be at most {} s", crate::MAX_LEEWAY_SECS)]
    Leeway,
    /// The token policy allows no algorithm.
    #[error("policy allows no algorithm")]
    NoAlgorithm,
    /// The token policy's `max_token_bytes` is out of range.
    #[error("max_token_bytes must be 256..=8192")]
    MaxTokenBytes,
    /// The access-token policy names no issuer.
    #[error("access-token issuer is empty")]
    NoAccessIssuer,
    /// The access-token policy names no client id, or an empty one.
    #[error("access-token policy needs at least one non-empty client id")]
    NoClientId,
    /// The access-token policy's leeway is above the maximum.
    #[error("access-token leeway is above the maximum")]
    AccessLeeway,
    /// The access-token policy's `max_token_bytes` is out of range.
    #[error("access-token max_token_bytes must be 256..=16384")]
    AccessMaxTokenBytes,
    /// Minting with a key set that has no signing key.
    #[error("no signing key")]
    NoSigningKey,
}

/// What went wrong. Use [`Error::reason`] for the stable code to log or answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    // Format errors.
    /// Not `header.payload.signature` with base64url parts of JSON objects; the text says which part.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The token is longer than the policy's `max_token_bytes`.
    #[error("token is {len} bytes, the limit is {max}")]
    TooLarge {
        /// Length of the presented token in bytes.
        len: usize,
        /// The policy's limit.
        max: usize,
    },
    /// `alg` in the header is not the algorithm of the key named by `kid` (or not allowed by the policy).
    #[error("algorithm {0:?} is not allowed for this key")]
    AlgorithmNotAllowed(String),
    /// `kid` is missing or names no configured key.
    #[error("the token's key id names no configured key")]
    UnknownKey,
    /// A header the verifier refuses to honour (`jku`, `x5u`, `jwk`, `x5c`, `crit`).
    #[error("header {0:?} is not accepted")]
    ForbiddenHeader(&'static str),
    /// `typ` is not `handoff+jwt`.
    #[error("the token's typ is not handoff+jwt")]
    WrongType,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,

    // Validation errors.
    /// `iss` differs from the policy's issuer.
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    /// `aud` is not accepted.
    #[error("the token's audience is not accepted")]
    WrongAudience,
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` or `iat` lies in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `exp - iat` exceeds the policy's `max_ttl`.
    #[error("the token's lifetime exceeds the maximum")]
    LifetimeTooLong,
    /// A required claim is absent.
    #[error("required claim {0:?} is missing")]
    MissingClaim(&'static str),
    /// A claim is present but unacceptable.
    #[error("claim {0:?} is invalid")]
    InvalidClaim(&'static str),
    /// The redeeming user is not the token's user.
    #[error("the token belongs to another user")]
    WrongUser,
    /// A Cognito token that is not an access token (`token_use` is not `access`, e.g. an id token).
    #[error("token_use is not \"access\"")]
    NotAccessToken,
    /// A Cognito access token of an app client that is not an allowed mobile client.
    #[error("the access token's client is not allowed")]
    WrongClient,

    // Configuration and third-party errors.
    /// The policy or key set cannot be used (for example a TTL above the hard maximum, or no signing key).
    #[error("misconfigured: {0}")]
    Misconfigured(Misconfiguration),
    /// The signature backend failed (not a bad signature: the backend itself could not run).
    #[error("signature backend failed: {0}")]
    Backend(crate::BackendError),
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// The stable reason code for this error.
    pub fn reason(&self) -> Reason {
        match *self.0 {
            ErrorKind::Malformed(_) => Reason::Malformed,
            ErrorKind::TooLarge { .. } => Reason::TokenTooLarge,
            ErrorKind::AlgorithmNotAllowed(_) => Reason::AlgorithmNotAllowed,
            ErrorKind::UnknownKey => Reason::UnknownKey,
            ErrorKind::ForbiddenHeader(_) => Reason::ForbiddenHeader,
            ErrorKind::WrongType => Reason::WrongType,
            ErrorKind::BadSignature => Reason::BadSignature,
            ErrorKind::WrongIssuer => Reason::WrongIssuer,
            ErrorKind::WrongAudience => Reason::WrongAudience,
            ErrorKind::Expired => Reason::Expired,
            ErrorKind::NotYetValid => Reason::NotYetValid,
            ErrorKind::LifetimeTooLong => Reason::LifetimeTooLong,
            ErrorKind::MissingClaim(_) => Reason::MissingClaim,
            ErrorKind::InvalidClaim(_) => Reason::InvalidClaim,
            ErrorKind::WrongUser => Reason::WrongUser,
            ErrorKind::NotAccessToken => Reason::WrongType,
            ErrorKind::WrongClient => Reason::WrongAudience,
            ErrorKind::Misconfigured(_) => Reason::Misconfigured,
            ErrorKind::Backend(_) => Reason::Internal,
        }
    }
}

impl From<crate::BackendError> for Error {
    fn from(e: crate::BackendError) -> Self {
        ErrorKind::Backend(e).into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

/// Shorthand used throughout the crate.
pub(crate) fn err<T>(kind: ErrorKind) -> Result<T, Error> {
    Err(kind.into())
}
