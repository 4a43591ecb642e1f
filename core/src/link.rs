//! The URL fragment: where the token arrives (`#handoff=<token>`). A fragment never reaches a server, and the
//! page removes it from the address bar and history before it sends anything.

use handoff_core::wire::FRAGMENT_PARAM;

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
        let mut rest = Vec::new();
        for part in hash.split('&').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((FRAGMENT_PARAM, value)) => tokens.push(value),
                None if part == FRAGMENT_PARAM => tokens.push(""),
                _ => rest.push(part),
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
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!("#{}", rest.join("&"))
        };
        Fragment { token, rest }
    }
}

// The token is a secret until it is burned: never print it.
impl std::fmt::Debug for Fragment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = match &self.token {
            Ok(t) => Ok(handoff_core::fingerprint(t)),
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
