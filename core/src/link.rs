//! The handoff link as its readers see it before anything is verified (the landing page, the npm package, the
//! CLI): the URL fragment that carries the token (`#handoff=<token>`; a fragment never reaches a server, and the
//! page removes it from the address bar and history before it sends anything), and the token's claims read
//! WITHOUT verification ([`LinkToken`], through [`crate::dangerous`]).

use crate::dangerous::insecure_payload;
use crate::error::{Error, ErrorKind};
use crate::wire::FRAGMENT_PARAM;

/// Longest Cognito username, in characters.
pub const MAX_USERNAME_CHARS: usize = 128;

/// A link's token with the claims its readers need, NOT verified: every member may be a lie. The edge verifies
/// the token during sign-in; a reader uses these only to start Cognito's custom auth for `username` and to keep
/// the redirect honest. `Debug` shows a fingerprint, never the token (a secret until it is burned).
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken {
    /// The token: the challenge answer.
    pub token: String,
    /// The Cognito username the token names (1 to [`MAX_USERNAME_CHARS`] characters).
    pub username: String,
    /// Where the web app would land (unchecked: see [`crate::check_redirect`]).
    pub redirect: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: Option<u64>,
    /// The web client it is meant for.
    pub aud: Option<String>,
    /// The user's immutable id.
    pub sub: Option<String>,
}

impl LinkToken {
    /// Reads `token` (at most [`crate::MAX_TOKEN_BYTES`]); it must be JWT-shaped and name a username.
    pub fn read(token: &str) -> Result<LinkToken, Error> {
        let payload = insecure_payload(token, crate::MAX_TOKEN_BYTES)?;
        let username = payload
            .username
            // Cognito usernames are up to 128 characters (not bytes: a CJK name is three bytes a character).
            .filter(|u| !u.is_empty() && u.chars().count() <= MAX_USERNAME_CHARS)
            .ok_or(ErrorKind::MissingClaim("username"))?;
        Ok(LinkToken {
            token: token.to_owned(),
            username,
            redirect: payload.redirect,
            exp: payload.exp,
            aud: payload.aud,
            sub: payload.sub,
        })
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkToken")
            .field("token", &crate::fingerprint(&self.token))
            .field("username", &self.username)
            .field("redirect", &self.redirect)
            .field("exp", &self.exp)
            .field("aud", &self.aud)
            .finish_non_exhaustive()
    }
}

/// What the fragment held.
#[derive(PartialEq, Eq)]
pub struct Fragment {
    /// The token, if exactly one well-formed `handoff=` parameter was present.
    pub token: Result<String, FragmentError>,
    /// The fragment to leave in the address bar: every other parameter, or empty (then no `#` at all).
    pub rest: String,
}

/// Why the fragment carries no usable token. Either way the page shows "link invalid".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FragmentError {
    /// No `handoff=` parameter (or an empty one).
    Missing,
    /// More than one `handoff=` parameter: ambiguous, so neither is used.
    Repeated,
    /// Characters a JWS compact token never contains.
    BadCharacters,
}

impl Fragment {
    /// Parses `hash` as `location.hash` gives it (with or without the leading `#`). Parameters are `&`-separated;
    /// every `handoff` parameter is removed from `rest`, whatever happens to the token.
    pub fn parse(hash: &str) -> Fragment {
        let hash = hash.strip_prefix('#').unwrap_or(hash);
        let mut tokens = Vec::new();
        // `#a=1&b=2`: every other parameter, in order.
        let mut rest = String::new();
        for part in hash.split('&').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((FRAGMENT_PARAM, value)) => tokens.push(value),
                None if part == FRAGMENT_PARAM => tokens.push(""),
                _ => {
                    rest.push(if rest.is_empty() { '#' } else { '&' });
                    rest.push_str(part);
                }
            }
        }
        let token = match tokens[..] {
            [] | [""] => Err(FragmentError::Missing),
            [token]
                if token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
            {
                Ok(token.to_owned())
            }
            [_] => Err(FragmentError::BadCharacters),
            _ => Err(FragmentError::Repeated),
        };
        Fragment { token, rest }
    }
}

// The token is a secret until it is burned: never print it.
impl std::fmt::Debug for Fragment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = match &self.token {
            Ok(t) => Ok(crate::fingerprint(t)),
            Err(e) => Err(*e),
        };
        f.debug_struct("Fragment")
            .field("token", &token)
            .field("rest", &self.rest)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsigned(payload: &str) -> String {
        let b = |t: &str| crate::base64url::encode(t.as_bytes());
        format!("{}.{}.{}", b(r#"{"alg":"EdDSA"}"#), b(payload), b("sig"))
    }

    #[test]
    fn a_link_token_is_read_not_trusted_and_never_printed() {
        let token = unsigned(r#"{"username":"alice","redirect":"/orders","exp":5,"aud":"web","sub":"s-1"}"#);
        let link = LinkToken::read(&token).unwrap();
        assert_eq!(link.username, "alice");
        assert_eq!(link.redirect.as_deref(), Some("/orders"));
        assert_eq!(
            (link.exp, link.aud.as_deref(), link.sub.as_deref()),
            (Some(5), Some("web"), Some("s-1"))
        );
        assert!(!format!("{link:?}").contains(&token));
        for bad in [
            unsigned(r#"{"exp":5}"#),
            unsigned(r#"{"username":""}"#),
            unsigned(&format!(
                r#"{{"username":"{}"}}"#,
                "é".repeat(MAX_USERNAME_CHARS + 1)
            )),
            "not-a-token".to_owned(),
            "x".repeat(crate::MAX_TOKEN_BYTES + 1),
        ] {
            assert!(LinkToken::read(&bad).is_err(), "{bad:.40}");
        }
        let longest = unsigned(&format!(r#"{{"username":"{}"}}"#, "é".repeat(MAX_USERNAME_CHARS)));
        assert!(LinkToken::read(&longest).is_ok());
    }

    #[test]
    fn reads_the_token() {
        let f = Fragment::parse("#handoff=aaa.bbb.ccc");
        assert_eq!(f.token, Ok("aaa.bbb.ccc".to_owned()));
        assert_eq!(f.rest, "");
        let f = Fragment::parse("handoff=a-_.b");
        assert_eq!(f.token, Ok("a-_.b".to_owned()));
    }

    #[test]
    fn keeps_other_parameters_and_drops_every_token() {
        let f = Fragment::parse("#tab=2&handoff=x.y.z&lang=en");
        assert_eq!(f.token, Ok("x.y.z".to_owned()));
        assert_eq!(f.rest, "#tab=2&lang=en");
        let f = Fragment::parse("#handoff=a.b.c&handoff=d.e.f&x");
        assert_eq!(f.token, Err(FragmentError::Repeated));
        assert_eq!(f.rest, "#x");
    }

    #[test]
    fn missing_or_bad() {
        assert_eq!(Fragment::parse("").token, Err(FragmentError::Missing));
        assert_eq!(Fragment::parse("#").token, Err(FragmentError::Missing));
        assert_eq!(Fragment::parse("#handoff=").token, Err(FragmentError::Missing));
        assert_eq!(Fragment::parse("#handoff").token, Err(FragmentError::Missing));
        assert_eq!(
            Fragment::parse("#handoffx=a.b.c").token,
            Err(FragmentError::Missing)
        );
        assert_eq!(
            Fragment::parse("#handoff=a%2Eb.c").token,
            Err(FragmentError::BadCharacters)
        );
        assert_eq!(
            Fragment::parse("#handoff=a b").token,
            Err(FragmentError::BadCharacters)
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let shown = format!("{:?}", Fragment::parse("#handoff=secret.token.value"));
        assert!(!shown.contains("secret"), "{shown}");
    }
}
