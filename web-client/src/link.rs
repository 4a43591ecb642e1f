//! The local checks on a token, before any request: it must parse, name a user, be meant for this web client,
//! and name an allowed redirect. Nothing here is trusted: the edge verifies the token during sign-in; these checks
//! only spare a round trip for what the page knows for certain, and keep the redirect honest.
//!
//! Expiry is deliberately NOT checked here: the page's clock is the device's, and a device clock that runs fast
//! would make every link "expired" without asking. The edge's clock decides; the page only uses its own clock to
//! word a refusal the edge already made (see [`Link::expired`]).

use handoff_core::link::LinkToken;
use handoff_core::{MAX_LEEWAY_SECS, check_redirect};

use crate::config::PageConfig;
use crate::outcome::Failure;

pub use handoff_core::MAX_TOKEN_BYTES;
pub use handoff_core::link::MAX_USERNAME_CHARS;

/// A token that passed the local checks. `Debug` never shows the token (core's [`LinkToken`] prints a
/// fingerprint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The token and what it claims (the token is the challenge answer: a secret until burned).
    pub unverified: LinkToken,
    /// Where to land: the token's redirect if it passed the allowlist, else the configured default.
    pub redirect: String,
    /// The token's expiry (seconds since the epoch).
    pub exp: u64,
}

impl Link {
    /// Runs the local checks (no clock: see the module doc).
    pub fn check(token: &str, config: &PageConfig) -> Result<Link, Failure> {
        let unverified = LinkToken::read(token).map_err(|_| Failure::Invalid)?;
        let exp = unverified.exp.ok_or(Failure::Invalid)?;
        // A token for another web client cannot sign in here; a token without `aud` is left to the edge.
        if unverified
            .aud
            .as_ref()
            .is_some_and(|aud| *aud != config.client_id)
        {
            return Err(Failure::Invalid);
        }
        // The redirect is checked before the expiry: a forged redirect is "invalid" whatever its age.
        let redirect = match &unverified.redirect {
            Some(target) => check_redirect(target, &config.redirect_allowlist)
                .map_err(|_| Failure::Invalid)?
                .to_owned(),
            None => config.default_redirect().to_owned(),
        };
        Ok(Link {
            unverified,
            redirect,
            exp,
        })
    }

    /// Whether the token has expired at `now`, with the same leeway the edge may grant. Only to word a refusal
    /// (expired rather than already used): never a reason not to ask.
    pub fn expired(&self, now: u64) -> bool {
        now > self.exp.saturating_add(MAX_LEEWAY_SECS)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use handoff_core::base64url;

    pub const NOW: u64 = 1_800_000_000;

    /// An unsigned token with the given payload (the page never checks signatures).
    pub fn token(payload: serde_json::Value) -> String {
        let header = base64url::encode(br#"{"alg":"EdDSA","typ":"handoff+jwt","kid":"k1"}"#);
        let payload = base64url::encode(payload.to_string().as_bytes());
        format!("{header}.{payload}.{}", base64url::encode([7; 64]))
    }

    pub fn config() -> PageConfig {
        PageConfig::from_json(
            &serde_json::json!({
                "region": "eu-west-1",
                "userPoolId": "eu-west-1_AbC123",
                "clientId": "web",
                "redirectAllowlist": ["/orders", "/"],
                "defaultRedirect": "/home",
            })
            .to_string(),
        )
        .unwrap()
    }

    pub fn claims() -> serde_json::Value {
        serde_json::json!({"username": "alice", "aud": "web", "exp": NOW + 60, "redirect": "/orders/42"})
    }

    #[test]
    fn accepts_a_good_token() {
        let t = token(claims());
        let link = Link::check(&t, &config()).unwrap();
        assert_eq!(link.unverified.username, "alice");
        assert_eq!(link.redirect, "/orders/42");
        assert_eq!(link.unverified.token, t);
    }

    #[test]
    fn default_redirect_when_absent() {
        let mut c = claims();
        c.as_object_mut().unwrap().remove("redirect");
        assert_eq!(Link::check(&token(c), &config()).unwrap().redirect, "/home");
    }

    #[test]
    fn redirect_outside_the_allowlist_is_invalid() {
        let mut config = config();
        config.redirect_allowlist = vec!["/orders".into()];
        config.default_redirect = Some("/orders".into());
        for bad in [
            "/admin",
            "//evil.example",
            "/\\evil",
            "https://evil.example/",
            "/orders/%2e%2e/admin",
            "/orders42",
        ] {
            let mut c = claims();
            c["redirect"] = bad.into();
            assert_eq!(Link::check(&token(c), &config), Err(Failure::Invalid), "{bad}");
        }
    }

    #[test]
    fn the_page_clock_never_refuses_a_link_but_words_a_refusal() {
        // Long expired by the page's clock (a device clock running fast, or an old link): still checked by the edge.
        let link = Link::check(&token(claims()), &config()).unwrap();
        assert!(link.expired(NOW + 61 + MAX_LEEWAY_SECS));
        assert!(!link.expired(NOW + 60 + MAX_LEEWAY_SECS));
        // A forged redirect is invalid whatever the token's age.
        let mut c = claims();
        c["redirect"] = "//evil".into();
        assert_eq!(Link::check(&token(c), &config()), Err(Failure::Invalid));
    }

    #[test]
    fn usernames_are_up_to_128_characters_not_bytes() {
        let mut cjk = claims();
        cjk["username"] = "\u{7528}".repeat(128).into();
        assert_eq!(
            Link::check(&token(cjk), &config())
                .unwrap()
                .unverified
                .username
                .chars()
                .count(),
            128
        );
        let mut fifty = claims();
        fifty["username"] = "\u{5f20}\u{4f1f}".repeat(25).into();
        assert!(Link::check(&token(fifty), &config()).is_ok());
        let mut long = claims();
        long["username"] = "\u{7528}".repeat(129).into();
        assert_eq!(Link::check(&token(long), &config()), Err(Failure::Invalid));
    }

    #[test]
    fn malformed_or_incomplete_tokens_are_invalid() {
        let mut no_user = claims();
        no_user.as_object_mut().unwrap().remove("username");
        let mut empty_user = claims();
        empty_user["username"] = "".into();
        let mut no_exp = claims();
        no_exp.as_object_mut().unwrap().remove("exp");
        let mut other_app = claims();
        other_app["aud"] = "another-client".into();
        let mut wrong_type = claims();
        wrong_type["exp"] = "soon".into();
        for t in [
            token(no_user),
            token(empty_user),
            token(no_exp),
            token(other_app),
            token(wrong_type),
            "a.b".into(),
            "a.!!!.c".into(),
            format!("{}.{}.x", base64url::encode(b"{}"), base64url::encode(b"[1]")),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            assert_eq!(Link::check(&t, &config()), Err(Failure::Invalid));
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let link = Link::check(&token(claims()), &config()).unwrap();
        let shown = format!("{link:?}");
        assert!(!shown.contains(&link.unverified.token[20..40]), "{shown}");
    }
}
