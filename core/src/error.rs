//! The error type of token verification and minting. Each kind maps to one stable [`Reason`].

use crate::Reason;

/// A token was rejected, or could not be minted. Cheap to move (one box); inspect with [`Error::kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorKind>);

/// What went wrong. Use [`Error::reason`] for the stable code to log or answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    // Format errors.
    /// Not `header.payload.signature` with base64url parts of JSON objects; the text says which part.
    Malformed(&'static str),
    /// The token is longer than the policy's `max_token_bytes`.
    TooLarge {
        /// Length of the presented token in bytes.
        len: usize,
        /// The policy's limit.
        max: usize,
    },
    /// `alg` in the header is not the algorithm of the key named by `kid` (or not allowed by the policy).
    AlgorithmNotAllowed(String),
    /// `kid` is missing or names no configured key.
    UnknownKey,
    /// A header the verifier refuses to honour (`jku`, `x5u`, `jwk`, `x5c`, `crit`).
    ForbiddenHeader(&'static str),
    /// `typ` is not `handoff+jwt`.
    WrongType,
    /// The signature does not verify.
    BadSignature,

    // Validation errors.
    /// `iss` differs from the policy's issuer.
    WrongIssuer,
    /// `aud` is not accepted.
    WrongAudience,
    /// `exp` has passed.
    Expired,
    /// `nbf` or `iat` lies in the future.
    NotYetValid,
    /// `exp - iat` exceeds the policy's `max_ttl`.
    LifetimeTooLong,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// A claim is present but unacceptable.
    InvalidClaim(&'static str),
    /// The redeeming user is not the token's user.
    WrongUser,

    // Configuration and third-party errors.
    /// The policy or key set cannot be used (for example a TTL above the hard maximum, or no signing key).
    Misconfigured(String),
    /// The signature backend failed (not a bad signature: the backend itself could not run).
    Backend(String),
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
            ErrorKind::Misconfigured(_) => Reason::Misconfigured,
            ErrorKind::Backend(_) => Reason::Internal,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            ErrorKind::Malformed(what) => write!(f, "malformed token: {what}"),
            ErrorKind::TooLarge { len, max } => write!(f, "token is {len} bytes, the limit is {max}"),
            ErrorKind::AlgorithmNotAllowed(alg) => write!(f, "algorithm {alg:?} is not allowed for this key"),
            ErrorKind::UnknownKey => f.write_str("the token's key id names no configured key"),
            ErrorKind::ForbiddenHeader(h) => write!(f, "header {h:?} is not accepted"),
            ErrorKind::WrongType => f.write_str("the token's typ is not handoff+jwt"),
            ErrorKind::BadSignature => f.write_str("the signature does not verify"),
            ErrorKind::WrongIssuer => f.write_str("the token's issuer is not accepted"),
            ErrorKind::WrongAudience => f.write_str("the token's audience is not accepted"),
            ErrorKind::Expired => f.write_str("the token has expired"),
            ErrorKind::NotYetValid => f.write_str("the token is not valid yet"),
            ErrorKind::LifetimeTooLong => f.write_str("the token's lifetime exceeds the maximum"),
            ErrorKind::MissingClaim(c) => write!(f, "required claim {c:?} is missing"),
            ErrorKind::InvalidClaim(c) => write!(f, "claim {c:?} is invalid"),
            ErrorKind::WrongUser => f.write_str("the token belongs to another user"),
            ErrorKind::Misconfigured(m) => write!(f, "misconfigured: {m}"),
            ErrorKind::Backend(m) => write!(f, "signature backend failed: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand used throughout the crate.
pub(crate) fn err<T>(kind: ErrorKind) -> Result<T, Error> {
    Err(kind.into())
}
