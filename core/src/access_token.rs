//! Cognito access tokens: the bearer credential the mobile app presents to the edge when it asks for (or
//! revokes) handoff tokens. RS256 only, key chosen by `kid` from the user pool's JWK Set, signature checked
//! through the same backend seam as handoff tokens, then `iss` exact, `token_use == "access"`, `client_id` in
//! the allowed mobile clients, `exp` (and `iat`/`nbf` if present) against a passed-in clock, `sub` and
//! `username` present. Rejections are core's [`Error`] like a handoff token's (the kind says why, for logs); the
//! edge answers every one about the token with its public reason `invalid_access_token`.

use serde::Deserialize;

use crate::backend::AsyncSignatureBackend;
use crate::claims::MAX_CLAIM_LEN;
use crate::error::{Error, ErrorKind, Misconfiguration, err};
use crate::jws::{self, JoseHeader, SplitError};
use crate::policy::MAX_LEEWAY_SECS;
use crate::{Algorithm, Key, KeySet, json};

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

    /// Checks the policy itself; the verifiers call this and answer [`ErrorKind::Misconfigured`].
    pub fn check(&self) -> Result<(), Error> {
        let problem = if self.issuer.is_empty() {
            Misconfiguration::NoAccessIssuer
        } else if self.client_ids.is_empty() || self.client_ids.iter().any(String::is_empty) {
            Misconfiguration::NoClientId
        } else if self.leeway > MAX_LEEWAY_SECS {
            Misconfiguration::AccessLeeway
        } else if !(256..=16384).contains(&self.max_token_bytes) {
            Misconfiguration::AccessMaxTokenBytes
        } else {
            return Ok(());
        };
        err(ErrorKind::Misconfigured(problem))
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

/// An access token whose format, header and key choice passed; the signature is not yet checked.
struct Parsed<'t, 'k> {
    signing_input: &'t [u8],
    payload: Vec<u8>,
    signature: Vec<u8>,
    key: &'k Key,
}

fn parse<'t, 'k>(token: &'t str, keys: &'k KeySet, policy: &AccessPolicy) -> Result<Parsed<'t, 'k>, Error> {
    use ErrorKind as E;
    policy.check()?;
    let parts = jws::split(token, policy.max_token_bytes).map_err(|e| match e {
        SplitError::TooLarge { len, max } => E::TooLarge { len, max },
        SplitError::Malformed(what) => E::Malformed(what),
    })?;
    let header = JoseHeader::parse(&parts.header).ok_or(E::Malformed("header is not the expected JSON"))?;
    if let Some(name) = header.forbidden() {
        return err(E::ForbiddenHeader(name));
    }
    // The algorithm is fixed (RS256) before the key is even looked up: `none`, HS256 and friends never pass.
    if header.alg.as_deref() != Some(Algorithm::RS256.as_str()) {
        return err(E::AlgorithmNotAllowed(header.alg.unwrap_or_default()));
    }
    let key = match header.kid.as_deref() {
        Some(kid) => keys.get(kid).ok_or(E::UnknownKey)?,
        None => return err(E::UnknownKey),
    };
    if key.algorithm() != Algorithm::RS256 {
        return err(E::AlgorithmNotAllowed(key.algorithm().as_str().to_owned()));
    }
    if parts.signature.len() != jws::signature_len(key) {
        return err(E::BadSignature);
    }
    Ok(Parsed {
        signing_input: parts.signing_input.as_bytes(),
        payload: parts.payload,
        signature: parts.signature,
        key,
    })
}

/// The members read from an access token's payload; anything else Cognito puts there is ignored.
#[derive(Debug, PartialEq, Eq, Deserialize)]
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

impl RawAccess {
    /// Reads a decoded payload as serde reads [`RawAccess`] (known members optional, strings or whole numbers
    /// when present and not `null`, the rest ignored); `None` for anything else or a repeated member name.
    fn read(payload: &[u8]) -> Option<RawAccess> {
        let object = json::parse_object_bytes(payload)?;
        let read = || -> Result<RawAccess, json::Mismatch> {
            Ok(RawAccess {
                iss: object.opt_str("iss")?,
                token_use: object.opt_str("token_use")?,
                client_id: object.opt_str("client_id")?,
                sub: object.opt_str("sub")?,
                username: object.opt_str("username")?,
                exp: object.opt_u64("exp")?,
                iat: object.opt_u64("iat")?,
                nbf: object.opt_u64("nbf")?,
            })
        };
        read().ok()
    }
}

fn check_string(value: Option<String>, name: &'static str) -> Result<String, Error> {
    let value = value.ok_or(ErrorKind::MissingClaim(name))?;
    if value.is_empty() || value.len() > MAX_CLAIM_LEN || value.chars().any(char::is_control) {
        return err(ErrorKind::InvalidClaim(name));
    }
    Ok(value)
}

fn check_claims(payload: &[u8], policy: &AccessPolicy, now: u64) -> Result<AccessClaims, Error> {
    use ErrorKind as E;
    let raw = RawAccess::read(payload).ok_or(E::Malformed(
        "payload is not a JSON object of the expected claims",
    ))?;
    if raw.iss.as_deref() != Some(policy.issuer.as_str()) {
        return err(E::WrongIssuer);
    }
    // Before the client check: an id token carries `aud`, not `client_id`, and should be named for what it is.
    if raw.token_use.as_deref() != Some("access") {
        return err(E::NotAccessToken);
    }
    let client_id = raw.client_id.ok_or(E::MissingClaim("client_id"))?;
    if !policy.client_ids.contains(&client_id) {
        return err(E::WrongClient);
    }
    let exp = raw.exp.ok_or(E::MissingClaim("exp"))?;
    if now >= exp.saturating_add(policy.leeway) {
        return err(E::Expired);
    }
    let starts = raw.nbf.into_iter().chain(raw.iat).max();
    if starts.is_some_and(|t| now.saturating_add(policy.leeway) < t) {
        return err(E::NotYetValid);
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
) -> Result<AccessClaims, Error> {
    let parsed = parse(token, pool_keys, policy)?;
    if !backend
        .verify(parsed.key, parsed.signing_input, &parsed.signature)
        .await?
    {
        return err(ErrorKind::BadSignature);
    }
    check_claims(&parsed.payload, policy, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_claims_reader_reads_what_serde_read() {
        let cognito = r#"{"sub":"s","cognito:groups":["a"],"iss":"https://cognito-idp/p","version":2,"client_id":"m","origin_jti":"o","token_use":"access","scope":"aws.cognito.signin.user.admin","auth_time":1800000000,"exp":1800003600,"iat":1800000000,"jti":"j","username":"u"}"#;
        let texts = [
            cognito,
            r#"{"token_use":null,"nbf":5}"#,
            r#"{"client_id":3}"#,
            r#"{"iat":1.0}"#,
        ];
        for text in texts.iter().chain(crate::claims::tests::PAYLOADS) {
            let serde: Option<RawAccess> = serde_json::from_str(text).ok();
            assert_eq!(RawAccess::read(text.as_bytes()), serde, "{text}");
        }
    }
}
