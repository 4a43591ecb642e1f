//! The handoff token: JWS compact serialization, header rules (RFC 8725), minting and verification.
//!
//! Verification runs in three steps: [`Unverified::parse`] checks size, shape, header and key choice;
//! a backend checks the signature; only then are the claims decoded and checked. The claims of a token are
//! reachable only through [`Verified`], which only a [`Verifier`] constructs.

use serde::Serialize;

use crate::backend::{AsyncSignatureBackend, Blocking, SignatureBackend, run_ready};
use crate::claims::{Claims, RawClaims};
use crate::error::{Error, ErrorKind, Misconfiguration, err};
use crate::json::{self, ToJson};
use crate::jws::{self, JoseHeader, SplitError};
use crate::policy::{Policy, TOKEN_TYPE};
use crate::{Algorithm, Key, KeySet, b64};

/// The header of a handoff token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// The signing algorithm (always the algorithm of the key named by `kid`).
    pub alg: Algorithm,
    /// Always `handoff+jwt`.
    pub typ: &'static str,
    /// The id of the signing key.
    pub kid: String,
}

/// A token whose format, header and key choice passed, but whose signature is not yet checked.
/// Its claims are deliberately not reachable.
#[derive(Debug)]
pub(crate) struct Unverified<'t, 'k> {
    signing_input: &'t str,
    payload: Vec<u8>,
    signature: Vec<u8>,
    key: &'k Key,
}

impl ToJson for Header {
    /// The header as JSON, byte for byte as serde_json writes it.
    fn write_json(&self, out: &mut String) {
        let mut w = json::ObjectWriter::new(out);
        w.str("alg", self.alg.as_str())
            .str("typ", self.typ)
            .str("kid", &self.kid);
        w.end();
    }
}

impl<'t, 'k> Unverified<'t, 'k> {
    /// Checks everything that can be checked before the signature: size, three base64url parts, header JSON,
    /// forbidden headers, `typ`, `kid`, the algorithm (from the key, never trusted from the header) and the
    /// signature length.
    pub fn parse(token: &'t str, keys: &'k KeySet, policy: &Policy) -> Result<Self, Error> {
        policy.check()?;
        let parts = jws::split(token, policy.max_token_bytes).map_err(|e| match e {
            SplitError::TooLarge { len, max } => ErrorKind::TooLarge { len, max },
            SplitError::Malformed(what) => ErrorKind::Malformed(what),
        })?;
        let header = JoseHeader::parse(&parts.header)
            .ok_or(ErrorKind::Malformed("header is not the expected JSON"))?;
        if let Some(name) = header.forbidden() {
            return err(ErrorKind::ForbiddenHeader(name));
        }
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return err(ErrorKind::WrongType);
        }
        let key = match header.kid.as_deref() {
            Some(kid) => keys.get(kid).ok_or(ErrorKind::UnknownKey)?,
            None => return err(ErrorKind::UnknownKey),
        };
        let Some(alg) = header.alg.as_deref() else {
            return err(ErrorKind::AlgorithmNotAllowed(String::new()));
        };
        let key_alg = key.algorithm();
        if alg != key_alg.as_str() || !policy.algorithms.contains(&key_alg) {
            return err(ErrorKind::AlgorithmNotAllowed(alg.chars().take(16).collect()));
        }
        if parts.signature.len() != jws::signature_len(key) {
            return err(ErrorKind::BadSignature);
        }
        Ok(Unverified {
            signing_input: parts.signing_input,
            payload: parts.payload,
            signature: parts.signature,
            key,
        })
    }

    /// The bytes the signature covers (`header.payload` as sent).
    pub fn signing_input(&self) -> &'t [u8] {
        self.signing_input.as_bytes()
    }

    /// Parses and checks the claims; called only after the backend accepted the signature.
    fn into_verified(self, policy: &Policy, now: u64) -> Result<Verified, Error> {
        // Anything but a JSON object of the expected member types is malformed.
        let raw = RawClaims::read(&self.payload).ok_or(ErrorKind::Malformed(
            "payload is not a JSON object of the expected claims",
        ))?;
        let claims = raw.require()?;
        claims.check_policy(policy, now)?;
        Ok(Verified {
            claims,
            kid: self.key.kid().to_string(),
            alg: self.key.algorithm(),
        })
    }
}

/// A token whose signature, header and claims all passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    claims: Claims,
    kid: String,
    alg: Algorithm,
}

impl Verified {
    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
    /// The verified claims, by value.
    pub fn into_claims(self) -> Claims {
        self.claims
    }
    /// The id of the key that signed it.
    pub fn kid(&self) -> &str {
        &self.kid
    }
    /// The algorithm it was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// Checks that the one redeeming is the token's user, through the token's web client: Cognito's user `sub`
    /// and username must equal the token's, and the app client id must be the token's `aud`.
    pub fn check_redeemer(&self, sub: &str, username: &str, client_id: &str) -> Result<(), Error> {
        if self.claims.aud != client_id {
            return err(ErrorKind::WrongAudience);
        }
        // Both must match: a username can be reassigned after deletion, a sub never is.
        if self.claims.sub != sub || self.claims.username != username {
            return err(ErrorKind::WrongUser);
        }
        Ok(())
    }
}

/// What a token is checked against: the keys it may be signed with and the policy its claims must meet. One
/// verification, two ways to run it: [`Verifier::verify_async`] with an asynchronous backend (WebCrypto in the
/// edge), and [`Verifier::verify`], the same future run to completion over a synchronous one.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    /// The keys a token may name.
    pub keys: &'a KeySet,
    /// The rules its claims must meet.
    pub policy: &'a Policy,
}

impl<'a> Verifier<'a> {
    /// A verifier for `keys` and `policy`.
    pub fn new(keys: &'a KeySet, policy: &'a Policy) -> Self {
        Verifier { keys, policy }
    }

    /// Verifies `token` at time `now` (Unix seconds) with a synchronous backend.
    pub fn verify<B: SignatureBackend>(&self, token: &str, now: u64, backend: &B) -> Result<Verified, Error> {
        run_ready(self.verify_async(token, now, &Blocking(backend)))
    }

    /// Verifies `token` at time `now` (Unix seconds) with an asynchronous backend.
    pub async fn verify_async<B: AsyncSignatureBackend>(
        &self,
        token: &str,
        now: u64,
        backend: &B,
    ) -> Result<Verified, Error> {
        let unverified = Unverified::parse(token, self.keys, self.policy)?;
        let ok = backend
            .verify(unverified.key, unverified.signing_input(), &unverified.signature)
            .await?;
        if !ok {
            return err(ErrorKind::BadSignature);
        }
        unverified.into_verified(self.policy, now)
    }
}

/// The signing input for `claims` under the key set's active key.
fn signing_input<'k>(claims: &Claims, keys: &'k KeySet) -> Result<(String, &'k Key), Error> {
    claims.check_shape()?;
    let key = keys
        .signing_key()
        .ok_or(ErrorKind::Misconfigured(Misconfiguration::NoSigningKey))?;
    let header = Header {
        alg: key.algorithm(),
        typ: TOKEN_TYPE,
        kid: key.kid().to_string(),
    };
    Ok((
        format!(
            "{}.{}",
            b64::encode(header.to_json()),
            b64::encode(claims.to_json())
        ),
        key,
    ))
}

/// Mints a token for `claims` with the key set's active signing key.
pub fn mint<B: SignatureBackend>(claims: &Claims, keys: &KeySet, backend: &B) -> Result<String, Error> {
    run_ready(mint_async(claims, keys, &Blocking(backend)))
}

/// Mints a token with an asynchronous backend.
pub async fn mint_async<B: AsyncSignatureBackend>(
    claims: &Claims,
    keys: &KeySet,
    backend: &B,
) -> Result<String, Error> {
    let (input, key) = signing_input(claims, keys)?;
    let signature = backend.sign(key, input.as_bytes()).await?;
    Ok(format!("{input}.{}", b64::encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_written_byte_for_byte_as_serde_json_writes_it() {
        for alg in [Algorithm::EdDSA, Algorithm::RS256] {
            let header = Header {
                alg,
                typ: TOKEN_TYPE,
                kid: "2026-11 \"k\"".into(),
            };
            assert_eq!(header.to_json(), serde_json::to_string(&header).unwrap());
        }
    }
}
