//! Stable reason codes: the one vocabulary for every rejection, shared by logs, metrics, API answers and the
//! landing page's error screens. Codes never change meaning once released; new ones may be added.

use serde::{Deserialize, Serialize};

/// Declares [`Reason`], [`Reason::ALL`] and [`Reason::as_str`] from one table: each code is written once.
macro_rules! reasons {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )*) => {
        /// Why something was rejected. Serialized as a snake_case string (`"expired"`, `"replayed"`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum Reason {
            $( $(#[$doc])* $variant, )*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            /// The stable snake_case code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }
        }
    };
}

reasons! {
    // Token format.
    /// The token is not three base64url parts of valid JSON, or a claim has the wrong type.
    Malformed = "malformed",
    /// The token is longer than the policy allows.
    TokenTooLarge = "token_too_large",
    /// The header's `alg` is not the one algorithm the named key allows (covers `none` and HMAC confusion).
    AlgorithmNotAllowed = "algorithm_not_allowed",
    /// The header's `kid` is missing or names no configured key.
    UnknownKey = "unknown_key",
    /// The header carries `jku`, `x5u`, `jwk`, `x5c` or `crit`: key hints from the token are never followed.
    ForbiddenHeader = "forbidden_header",
    /// The header's `typ` is not `handoff+jwt` (for example a Cognito id or access token).
    WrongType = "wrong_type",
    /// The signature does not verify with the named key.
    BadSignature = "bad_signature",

    // Claims.
    /// `iss` is not the configured issuer.
    WrongIssuer = "wrong_issuer",
    /// `aud` is not one of the configured audiences, or not the redeeming client.
    WrongAudience = "wrong_audience",
    /// `exp` has passed (beyond the leeway).
    Expired = "expired",
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid = "not_yet_valid",
    /// `exp - iat` is longer than the policy's maximum lifetime.
    LifetimeTooLong = "lifetime_too_long",
    /// A required claim is absent.
    MissingClaim = "missing_claim",
    /// A claim is present but unacceptable (empty, too long, `exp` before `iat`, bad `jti`).
    InvalidClaim = "invalid_claim",
    /// The redeeming user's `sub` or username differs from the token's.
    WrongUser = "wrong_user",

    // Ledger.
    /// The token was already redeemed by another sign-in attempt.
    Replayed = "replayed",
    /// The token was revoked before use.
    Revoked = "revoked",
    /// The ledger has no record of the token (never issued here, or already cleaned up).
    UnknownToken = "unknown_token",
    /// Too many tokens issued or live for this user; retry later.
    RateLimited = "rate_limited",
    /// The link is used from another network context than the one it was asked for in (context binding).
    WrongContext = "wrong_context",
    /// The context binding is missing, forged, expired or for another token.
    BadBinding = "bad_binding",

    // Redirects.
    /// The redirect target is not a same-origin path inside the allowlist.
    BadRedirect = "bad_redirect",

    // Requests to the edge API.
    /// The `Authorization` header is missing, garbled or wrong.
    Unauthorized = "unauthorized",
    /// The bearer access token is not a valid, current access token of an allowed mobile client.
    InvalidAccessToken = "invalid_access_token",
    /// The bearer access token verifies but Cognito says it was revoked (sign-out, `RevokeToken`,
    /// `GlobalSignOut`, an admin sign-out): it buys no new session.
    AccessTokenRevoked = "access_token_revoked",
    /// The request body is not the expected JSON (malformed, unknown or missing fields).
    BadRequest = "bad_request",
    /// The request body is larger than the API accepts.
    PayloadTooLarge = "payload_too_large",
    /// The request's `Content-Type` is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type",
    /// The path exists but not for this method.
    MethodNotAllowed = "method_not_allowed",
    /// No such path.
    NotFound = "not_found",

    // Operations.
    /// The service's configuration is invalid (keys, policy, secrets); an operator must fix it.
    Misconfigured = "misconfigured",
    /// A dependency (ledger, key store, upstream) did not answer; retrying may help.
    Unavailable = "unavailable",
    /// An unexpected failure; details are in the service's logs, never in the answer.
    Internal = "internal",
}

impl Reason {
    /// Parses a code produced by [`Reason::as_str`].
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == code)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
