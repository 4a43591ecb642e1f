//! What the landing page shows, decided without Leptos: the first screen, and the screen the sign-in stops at when
//! it does not leave for the web app. The sign-in's code (`signin`, no Leptos) and the screens' code (`page`, the
//! Leptos UI, a second wasm loaded only when there is something to show) share these; [`Handover`] is what the
//! first hands the second.

use std::sync::Arc;

use crate::config::PageConfig;
use crate::outcome::{Failure, Step};
use crate::texts::Texts;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Working on this step.
    Progress(Step),
    /// Stopped with this failure.
    Failed(Failure),
    /// Someone else is signed in to the web app: ask before replacing them (nothing sent yet).
    Confirm {
        /// Who is signed in now.
        current: String,
        /// Whom the link signs in.
        next: String,
    },
}

impl Screen {
    /// The one-line status read out by screen readers.
    pub fn status(&self, texts: &Texts) -> String {
        match self {
            Screen::Progress(step) => texts.get(&step.text_key()).to_owned(),
            Screen::Failed(failure) => texts.get(&failure.title_key()).to_owned(),
            Screen::Confirm { .. } => texts.get("switch.title").to_owned(),
        }
    }
}

/// The links every failure screen offers, from the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// "Back to the app".
    pub app_return_url: Option<String>,
    /// "Sign in another way".
    pub other_sign_in_url: Option<String>,
}

impl From<&PageConfig> for Links {
    fn from(config: &PageConfig) -> Self {
        Links {
            app_return_url: config.app_return_url.clone(),
            other_sign_in_url: config.other_sign_in_url.clone(),
        }
    }
}

/// The first screen, and the sign-in to run if there is one: a broken configuration shows "service
/// misconfigured" and sends nothing; a local failure of the token shows its screen.
pub fn first_screen(
    config: Option<PageConfig>,
    token: Result<String, Failure>,
) -> (Screen, Option<(Arc<PageConfig>, String)>) {
    match (config, token) {
        (None, _) => (Screen::Failed(Failure::Misconfigured), None),
        (Some(_), Err(failure)) => (Screen::Failed(failure), None),
        (Some(config), Ok(token)) => (Screen::Progress(Step::Checking), Some((Arc::new(config), token))),
    }
}

/// What the sign-in hands the screens when it stops short of the web app: the screen to show and, when the screen
/// can go on (try again, switch user), the token it goes on with. Crosses from one wasm to the other as a JS
/// object (`window.handoffScreen`); these are its fields, read back strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// A failure or the switch question (never a progress screen: the sign-in shows progress itself).
    pub screen: Screen,
    /// The link's token, when the screen offers a way on.
    pub token: Option<String>,
}

/// The handover's fields, as `(name, value)` text pairs, in a fixed order.
pub type Fields = Vec<(&'static str, String)>;

impl Handover {
    /// The handover for `screen`, carrying `token` only when the screen can go on with it: the switch question
    /// (continue as the link's user) and a failure worth trying again. Any other screen is the end of this link
    /// on this page, and the token stays behind.
    pub fn new(screen: Screen, token: Option<String>) -> Handover {
        let goes_on = match &screen {
            Screen::Confirm { .. } => true,
            Screen::Failed(failure) => failure.can_retry(),
            Screen::Progress(_) => false,
        };
        Handover {
            token: token.filter(|_| goes_on),
            screen,
        }
    }

    /// The JS object's fields: `screen` (`failed` or `confirm`), then `failure`, or `current` and `next`; `token`
    /// when there is one.
    pub fn fields(&self) -> Fields {
        let mut fields = match &self.screen {
            Screen::Failed(failure) => vec![
                ("screen", "failed".to_owned()),
                ("failure", failure.code().to_owned()),
            ],
            Screen::Confirm { current, next } => vec![
                ("screen", "confirm".to_owned()),
                ("current", current.clone()),
                ("next", next.clone()),
            ],
            // The sign-in never hands over progress; the screens would show it as the service failing.
            Screen::Progress(_) => vec![
                ("screen", "failed".to_owned()),
                ("failure", Failure::Misconfigured.code().to_owned()),
            ],
        };
        if let Some(token) = &self.token {
            fields.push(("token", token.clone()));
        }
        fields
    }

    /// Reads the fields back (`get` gives a field's text); `None` for anything [`Handover::fields`] does not write.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Option<Handover> {
        let screen = match get("screen")?.as_str() {
            "failed" => Screen::Failed(Failure::from_code(&get("failure")?)?),
            "confirm" => Screen::Confirm {
                current: get("current")?,
                next: get("next")?,
            },
            _ => return None,
        };
        Some(Handover {
            screen,
            token: get("token"),
        })
    }

    /// What the screens start with: the screen, and the configuration and token when there is a way on (without a
    /// token, no "Try again" and no switch).
    pub fn into_first(self, config: Option<PageConfig>) -> (Screen, Option<(Arc<PageConfig>, String)>) {
        match (config, self.token) {
            (Some(config), Some(token)) => (self.screen, Some((Arc::new(config), token))),
            (None, _) => (Screen::Failed(Failure::Misconfigured), None),
            (Some(_), None) => (self.screen, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(handover: &Handover) -> Option<Handover> {
        let fields = handover.fields();
        Handover::read(|name| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn every_failure_and_the_switch_question_cross_intact() {
        for failure in Failure::ALL {
            for token in [None, Some("a.b.c".to_owned())] {
                let handover = Handover {
                    screen: Screen::Failed(failure),
                    token,
                };
                assert_eq!(round_trip(&handover), Some(handover));
            }
        }
        let confirm = Handover {
            screen: Screen::Confirm {
                current: "ann".into(),
                next: "bob".into(),
            },
            token: Some("a.b.c".into()),
        };
        assert_eq!(round_trip(&confirm), Some(confirm));
    }

    #[test]
    fn the_token_goes_along_only_where_the_screen_can_go_on() {
        let token = || Some("a.b.c".to_owned());
        for failure in Failure::ALL {
            let handover = Handover::new(Screen::Failed(failure), token());
            assert_eq!(
                handover.token.is_some(),
                failure == Failure::Network,
                "{failure:?}"
            );
        }
        let confirm = Screen::Confirm {
            current: "ann".into(),
            next: "bob".into(),
        };
        assert_eq!(Handover::new(confirm, token()).token, token());
        assert_eq!(
            Handover::new(Screen::Progress(Step::Verifying), token()).token,
            None
        );
    }

    #[test]
    fn anything_else_is_no_handover() {
        let read = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> =
                pairs.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect();
            Handover::read(|name| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
        };
        assert_eq!(read(&[]), None);
        assert_eq!(read(&[("screen", "progress")]), None);
        assert_eq!(read(&[("screen", "failed")]), None, "no failure");
        assert_eq!(
            read(&[("screen", "failed"), ("failure", "gone")]),
            None,
            "an unknown failure"
        );
        assert_eq!(
            read(&[("screen", "confirm"), ("current", "ann")]),
            None,
            "no next"
        );
    }

    #[test]
    fn progress_is_never_handed_over_as_progress() {
        let handover = Handover {
            screen: Screen::Progress(Step::Checking),
            token: None,
        };
        assert_eq!(
            round_trip(&handover).map(|h| h.screen),
            Some(Screen::Failed(Failure::Misconfigured))
        );
    }

    #[test]
    fn the_screens_go_on_only_with_a_configuration_and_a_token() {
        let config = PageConfig::from_json(
            r#"{"region":"eu-west-1","userPoolId":"eu-west-1_AbC123","clientId":"webclient123","redirectAllowlist":["/orders"],"defaultRedirect":"/orders"}"#,
        )
        .ok();
        let failed = |token: Option<&str>| Handover {
            screen: Screen::Failed(Failure::Network),
            token: token.map(str::to_owned),
        };
        let (screen, work) = failed(Some("a.b.c")).into_first(config.clone());
        assert_eq!(screen, Screen::Failed(Failure::Network));
        assert_eq!(work.map(|(_, t)| t).as_deref(), Some("a.b.c"));
        let (screen, work) = failed(None).into_first(config);
        assert_eq!((screen, work.is_none()), (Screen::Failed(Failure::Network), true));
        let (screen, work) = failed(Some("a.b.c")).into_first(None);
        assert_eq!(
            (screen, work.is_none()),
            (Screen::Failed(Failure::Misconfigured), true)
        );
    }
}
