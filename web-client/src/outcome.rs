//! What the user sees: the progress steps and the one screen per failure, with their words. The page cannot see
//! the edge's reason code (Cognito only says "not authorized"), so each screen claims only what the page knows.

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

    /// The words shown for the step.
    pub const fn label(self) -> &'static str {
        match self {
            Step::Checking => "Checking your link",
            Step::Contacting => "Contacting the sign-in service",
            Step::Verifying => "Verifying your link",
            Step::SigningIn => "Signing you in",
        }
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
}

impl Failure {
    /// A stable code (`completeHandoff`'s `error`, `data-failure` in the page).
    pub const fn code(self) -> &'static str {
        match self {
            Failure::Expired => "expired",
            Failure::Unusable => "unusable",
            Failure::Invalid => "invalid",
            Failure::Network => "network",
            Failure::Misconfigured => "misconfigured",
            Failure::OtherDevice => "other_device",
        }
    }

    /// The screen's heading.
    pub const fn title(self) -> &'static str {
        match self {
            Failure::Expired => "This link has expired",
            Failure::Unusable => "This link can't be used anymore",
            Failure::Invalid => "This link isn't valid",
            Failure::Network => "We couldn't reach the sign-in service",
            Failure::Misconfigured => "Sign-in isn't working right now",
            Failure::OtherDevice => "Open this link on the device that asked for it",
        }
    }

    /// The screen's explanation and what to do next.
    pub const fn message(self) -> &'static str {
        match self {
            Failure::Expired => {
                "Sign-in links work for a short time only. Go back to the app and open the web version again to get \
                 a new link."
            }
            Failure::Unusable => {
                "Sign-in links work only once and can be cancelled: this one has already been used, was \
                 cancelled, or isn't accepted. Go back to the app and open the web version again to get a new \
                 link."
            }
            Failure::Invalid => {
                "The link is incomplete or damaged, so nothing was sent. Go back to the app and open the web version \
                 again."
            }
            Failure::Network => "Check your connection, then try again.",
            Failure::Misconfigured => {
                "The sign-in service has a problem on its side; your link and your device are fine. Please sign \
                 in another way, or try the link again later."
            }
            Failure::OtherDevice => {
                "For your security, a sign-in link works only on the phone and network where the app created it. \
                 Open the web version from the app on that phone, or sign in another way."
            }
        }
    }

    /// Whether the screen offers "Try again".
    pub const fn can_retry(self) -> bool {
        matches!(self, Failure::Network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Failure; 6] = [
        Failure::Expired,
        Failure::Unusable,
        Failure::Invalid,
        Failure::Network,
        Failure::Misconfigured,
        Failure::OtherDevice,
    ];

    #[test]
    fn one_distinct_screen_per_failure() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.title(), b.title());
            }
        }
        assert_eq!(
            ALL.iter().filter(|f| f.can_retry()).collect::<Vec<_>>(),
            [&Failure::Network]
        );
    }

    #[test]
    fn steps_are_ordered_with_stable_codes() {
        assert!(Step::ALL.windows(2).all(|w| w[0] < w[1]));
        let codes: Vec<_> = Step::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ["checking", "contacting", "verifying", "signing_in"]);
    }
}
