//! Cognito access tokens: the bearer credential the mobile app presents to the edge when it asks for (or
//! revokes) handoff tokens. RS256 only, key chosen by `kid` from the user pool's JWK Set, signature checked
//! through the same backend seam as handoff tokens, then `iss` exact, `token_use == "access"`, `client_id` in
//! the allowed mobile clients, `exp` (and `iat`/`nbf` if present) against a passed-in clock, `sub` and
//! `username` present. Every rejection has the public reason `invalid_access_token`; the kind says why, for logs.

use serde::Deserialize;

use crate::backend::{AsyncSignatureBackend, BackendError};
use crate::claims::MAX_CLAIM_LEN;
use crate::jws::{self, JoseHeader, SplitError};
use crate::policy::MAX_LEEWAY_SECS;
use crate::{Algorithm, Key, KeySet, Reason};

/// What an access-token verifier accepts. Build with [`AccessPolicy::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    /// The user pool's issuer (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). Defaults to empty, which
    /// [`AccessPolicy::check`] rejects.
    pub issuer: String,
    /// The mobile app client ids allowed to ask. Defaults to empty, which [`AccessPolicy::check`] rejects.
    pub client_ids: Vec<String>,
    /// Clock leeway for `exp`, `nbf` and `iat`, in seconds. Defaults to 2; at most [`MAX_LEEWAY_SECS`].
    pub leeway: u64,
    /// Longest accepted token, in bytes. Defaults to 8192 (Cognito tokens grow with group membership).
    pub max_token_bytes: usize,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        AccessPolicy {
            issuer: String::new(),
            client_ids: Vec::new(),
            leeway: 2,
            max_token_bytes: 8192,
        }
    }
}

impl AccessPolicy {
    /// A policy for this pool issuer and these mobile client ids, with the defaults for everything else.
    pub fn new(issuer: impl Into<String>, client_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        AccessPolicy {
            issuer: issuer.into(),
            client_ids: client_ids.into_iter().map(Into::into).collect(),
            ..AccessPolicy::default()
        }
    }

    /// Checks the policy itself; the verifiers call this and answer [`AccessTokenError::Misconfigured`].
    pub fn check(&self) -> Result<(), AccessTokenError> {
        let bad = |m: &str| Err(AccessTokenError::Misconfigured(m.to_string()));
        if self.issuer.is_empty() {
            return bad("access-token issuer is empty");
        }
        if self.client_ids.is_empty() || self.client_ids.iter().any(String::is_empty) {
            return bad("access-token policy needs at least one non-empty client id");
        }
        if self.leeway > MAX_LEEWAY_SECS {
            return bad("access-token leeway is above the maximum");
        }
        if !(256..=16384).contains(&self.max_token_bytes) {
            return bad("access-token max_token_bytes must be 256..=16384");
        }
        Ok(())
    }
}

/// The verified claims of an access token that the edge uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The Cognito user's `sub`.
    pub sub: String,
    /// The Cognito username.
    pub username: String,
    /// The app client the token was issued to.
    pub client_id: String,
    /// Expiry (Unix seconds).
    pub exp: u64,
}

/// Why an access token was refused. [`AccessTokenError::reason`] gives the public code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessTokenError {
    // Format errors.
    /// Not three base64url parts of JSON objects, or a claim of the wrong type; the text says which.
    #[error("malformed access token: {0}")]
    Malformed(&'static str),
    /// Longer than the policy allows.
    #[error("access token is {len} bytes, the limit is {max}")]
    TooLarge {
        /// Length of the presented token.
        len: usize,
        /// The policy's limit.
        max: usize,
    },
    /// `alg` is not RS256 (including `none`), or the key named by `kid` is not an RSA key.
    #[error("access token algorithm is not RS256 with an RSA pool key")]
    AlgorithmNotAllowed,
    /// `kid` is missing or names no key of the pool's JWK Set (the caller may refetch the set once).
    #[error("access token kid names no pool key")]
    UnknownKey,
    /// A header that carries key hints (`jku`, `x5u`, `jwk`, `x5c`) or `crit`.
    #[error("access token carries header {0:?}")]
    ForbiddenHeader(&'static str),
    /// The signature does not verify.
    #[error("access token signature does not verify")]
    BadSignature,

    // Validation errors.
    /// `iss` is not the pool's issuer.
    #[error("access token issuer is not the user pool")]
    WrongIssuer,
    /// `token_use` is not `access` (for example an id token).
    #[error("token_use is not \"access\"")]
    NotAccessToken,
    /// `client_id` is not an allowed mobile client.
    #[error("access token client is not allowed")]
    WrongClient,
    /// `exp` has passed.
    #[error("access token has expired")]
    Expired,
    /// `iat` or `nbf` lies in the future.
    #[error("access token is not valid yet")]
    NotYetValid,
    /// A required claim is absent.
    #[error("access token claim {0:?} is missing")]
    MissingClaim(&'static str),
    /// A claim is present but unacceptable (empty, too long, control characters).
    #[error("access token claim {0:?} is invalid")]
    InvalidClaim(&'static str),

    // Configuration and third-party errors.
    /// The policy cannot be used.
    #[error("misconfigured: {0}")]
    Misconfigured(String),
    /// The signature backend failed (not a bad signature).
    #[error("signature backend failed: {0}")]
    Backend(String),
}

impl AccessTokenError {
    /// The stable public reason: `invalid_access_token` for anything about the token, `misconfigured` or
    /// `internal` when the fault is ours.
    pub fn reason(&self) -> Reason {
        match self {
            AccessTokenError::Misconfigured(_) => Reason::Misconfigured,
            AccessTokenError::Backend(_) => Reason::Internal,
            _ => Reason::InvalidAccessToken,
        }
    }
}

impl From<BackendError> for AccessTokenError {
    fn from(e: BackendError) -> Self {
        AccessTokenError::Backend(e.0)
    }
}

/// An access token whose format, header and key choice passed; the signature is not yet checked.
struct Parsed<'t, 'k> {
    signing_input: &'t [u8],
    payload: Vec<u8>,
    signature: Vec<u8>,
    key: &'k Key,
}

fn parse<'t, 'k>(
    token: &'t str,
    keys: &'k KeySet,
    policy: &AccessPolicy,
) -> Result<Parsed<'t, 'k>, AccessTokenError> {
    use AccessTokenError as E;
    policy.check()?;
    let parts = jws::split(token, policy.max_token_bytes).map_err(|e| match e {
        SplitError::TooLarge { len, max } => E::TooLarge { len, max },
        SplitError::Malformed(what) => E::Malformed(what),
    })?;
    let header = JoseHeader::parse(&parts.header).ok_or(E::Malformed("header is not the expected JSON"))?;
    if let Some(name) = header.forbidden() {
        return Err(E::ForbiddenHeader(name));
    }
    // The algorithm is fixed (RS256) before the key is even looked up: `none`, HS256 and friends never pass.
    if header.alg.as_deref() != Some(Algorithm::RS256.as_str()) {
        return Err(E::AlgorithmNotAllowed);
    }
    let key = match header.kid.as_deref() {
        Some(kid) => keys.get(kid).ok_or(E::UnknownKey)?,
        None => return Err(E::UnknownKey),
    };
    if key.algorithm() != Algorithm::RS256 {
        return Err(E::AlgorithmNotAllowed);
    }
    if parts.signature.len() != jws::signature_len(key) {
        return Err(E::BadSignature);
    }
    Ok(Parsed {
        signing_input: parts.signing_input.as_bytes(),
        payload: parts.payload,
        signature: parts.signature,
        key,
    })
}

/// The members read from an access token's payload; anything else Cognito puts there is ignored.
#[derive(Deserialize)]
struct RawAccess {
    iss: Option<String>,
    token_use: Option<String>,
    client_id: Option<String>,
    sub: Option<String>,
    username: Option<String>,
    exp: Option<u64>,
    iat: Option<u64>,
    nbf: Option<u64>,
}

fn check_string(value: Option<String>, name: &'static str) -> Result<String, AccessTokenError> {
    let value = value.ok_or(AccessTokenError::MissingClaim(name))?;
    if value.is_empty() || value.len() > MAX_CLAIM_LEN || value.chars().any(char::is_control) {
        return Err(AccessTokenError::InvalidClaim(name));
    }
    Ok(value)
}

fn check_claims(payload: &[u8], policy: &AccessPolicy, now: u64) -> Result<AccessClaims, AccessTokenError> {
    use AccessTokenError as E;
    let raw: RawAccess = serde_json::from_slice(payload)
        .map_err(|_| E::Malformed("payload is not a JSON object of the expected claims"))?;
    if raw.iss.as_deref() != Some(policy.issuer.as_str()) {
        return Err(E::WrongIssuer);
    }
    // Before the client check: an id token carries `aud`, not `client_id`, and should be named for what it is.
    if raw.token_use.as_deref() != Some("access") {
        return Err(E::NotAccessToken);
    }
    let client_id = raw.client_id.ok_or(E::MissingClaim("client_id"))?;
    if !policy.client_ids.contains(&client_id) {
        return Err(E::WrongClient);
    }
    let exp = raw.exp.ok_or(E::MissingClaim("exp"))?;
    if now >= exp.saturating_add(policy.leeway) {
        return Err(E::Expired);
    }
    let starts = raw.nbf.into_iter().chain(raw.iat).max();
    if starts.is_some_and(|t| now.saturating_add(policy.leeway) < t) {
        return Err(E::NotYetValid);
    }
    Ok(AccessClaims {
        sub: check_string(raw.sub, "sub")?,
        username: check_string(raw.username, "username")?,
        client_id,
        exp,
    })
}

/// Verifies a Cognito access token at time `now` (Unix seconds) with an asynchronous backend (WebCrypto).
pub async fn verify_access_token_async<B: AsyncSignatureBackend>(
    token: &str,
    pool_keys: &KeySet,
    policy: &AccessPolicy,
    now: u64,
    backend: &B,
) -> Result<AccessClaims, AccessTokenError> {
    let parsed = parse(token, pool_keys, policy)?;
    if !backend
        .verify(parsed.key, parsed.signing_input, &parsed.signature)
        .await?
    {
        return Err(AccessTokenError::BadSignature);
    }
    check_claims(&parsed.payload, policy, now)
}
