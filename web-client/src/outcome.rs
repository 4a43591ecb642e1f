//! What the user sees: the progress steps and the one screen per failure, by stable code (their words are data:
//! [`crate::texts`]). The page cannot see the edge's reason code (Cognito only says "not authorized"), so each
//! screen claims only what the page knows.

/// A step of the sign-in, shown while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Reading the link (local checks, no network).
    Checking,
    /// `InitiateAuth`.
    Contacting,
    /// `RespondToAuthChallenge`: the edge verifies and burns the token.
    Verifying,
    /// Storing the session and going to the web app.
    SigningIn,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [Step::Checking, Step::Contacting, Step::Verifying, Step::SigningIn];

    /// A stable code (`completeHandoff`'s `onProgress` argument, `data-step` in the page).
    pub const fn code(self) -> &'static str {
        match self {
            Step::Checking => "checking",
            Step::Contacting => "contacting",
            Step::Verifying => "verifying",
            Step::SigningIn => "signing_in",
        }
    }

    /// The key of the step's words in the page's messages (`step.checking`).
    pub fn text_key(self) -> String {
        ["step.", self.code()].concat()
    }
}

/// Why the sign-in did not happen: one screen each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The token's `exp` has passed by the page's clock (checked before any request, and again after a refusal).
    Expired,
    /// Cognito refused the answer although the token had not expired: already used, revoked, or forged. The page
    /// cannot tell which, so it does not pretend to.
    Unusable,
    /// Known locally: no token, a token that does not parse, is meant for another app, or names a redirect outside
    /// the allowlist. Nothing was sent.
    Invalid,
    /// The sign-in service could not be reached, or stayed busy after the retries. Retrying may help.
    Network,
    /// The service answered in a way that means it is set up wrong or broken (configuration, user pool, a failing
    /// trigger, for example because the edge is down). Not the link's fault, and retrying at once will not help.
    Misconfigured,
    /// The edge says this browser is not where the link was asked for (another device or network: the context
    /// binding). Stopped before the answer was sent, so the link is not spent.
    OtherDevice,
    /// `completeHandoff` only: another user is signed in to this web client and the options did not say to replace
    /// them (`replaceUser: true`). Nothing was sent, so the link is not spent. (The page asks instead.)
    OtherUser,
}

impl Failure {
    /// Every failure.
    pub const ALL: [Failure; 7] = [
        Failure::Expired,
        Failure::Unusable,
        Failure::Invalid,
        Failure::Network,
        Failure::Misconfigured,
        Failure::OtherDevice,
        Failure::OtherUser,
    ];

    /// A stable code (`completeHandoff`'s `error`, `data-failure` in the page).
    pub const fn code(self) -> &'static str {
        match self {
            Failure::Expired => "expired",
            Failure::Unusable => "unusable",
            Failure::Invalid => "invalid",
            Failure::Network => "network",
            Failure::Misconfigured => "misconfigured",
            Failure::OtherDevice => "other_device",
            Failure::OtherUser => "other_user",
        }
    }

    /// The failure whose [`Failure::code`] is `code`.
    pub fn from_code(code: &str) -> Option<Failure> {
        Failure::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The key of the screen's heading in the page's messages (`failure.expired.title`).
    pub fn title_key(self) -> String {
        ["failure.", self.code(), ".title"].concat()
    }

    /// The key of the screen's explanation and what to do next (`failure.expired.message`).
    pub fn message_key(self) -> String {
        ["failure.", self.code(), ".message"].concat()
    }

    /// Whether the screen offers "Try again".
    pub const fn can_retry(self) -> bool {
        matches!(self, Failure::Network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_failure() {
        for failure in Failure::ALL {
            assert_eq!(Failure::from_code(failure.code()), Some(failure));
        }
        assert_eq!(Failure::from_code("Expired"), None);
        assert_eq!(Failure::from_code(""), None);
    }

    #[test]
    fn one_distinct_screen_per_failure() {
        let all = Failure::ALL;
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.title_key(), b.title_key());
            }
        }
        assert_eq!(
            all.iter().filter(|f| f.can_retry()).collect::<Vec<_>>(),
            [&Failure::Network]
        );
        assert_eq!(Failure::Expired.message_key(), "failure.expired.message");
    }

    #[test]
    fn steps_are_ordered_with_stable_codes() {
        assert!(Step::ALL.windows(2).all(|w| w[0] < w[1]));
        let codes: Vec<_> = Step::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ["checking", "contacting", "verifying", "signing_in"]);
        assert_eq!(Step::SigningIn.text_key(), "step.signing_in");
    }
}
