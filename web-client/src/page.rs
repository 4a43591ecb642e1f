//! The Leptos landing page: a progress screen with steps, then either the web app (navigation) or one screen per
//! failure, each with "Back to the app" and "Sign in another way".

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser;
use crate::config::{Config, ConfigError};
use crate::fragment::Fragment;
use crate::outcome::{Failure, Step};

/// What the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Working on this step.
    Progress(Step),
    /// Stopped with this failure.
    Failed(Failure),
}

impl Screen {
    /// The one-line status read out by screen readers.
    pub fn status(self) -> &'static str {
        match self {
            Screen::Progress(step) => step.label(),
            Screen::Failed(failure) => failure.title(),
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

impl From<&Config> for Links {
    fn from(config: &Config) -> Self {
        Links {
            app_return_url: config.app_return_url.clone(),
            other_sign_in_url: config.other_sign_in_url.clone(),
        }
    }
}

/// The page's entry point. `boot.js` has already taken the fragment out of the address bar and history (before
/// the wasm was even requested) and left it in `window.handoffFragment`, which is read once and deleted. The
/// location is scrubbed again in case the page was started another way. Does nothing on a page without a
/// `#handoff-config` block.
pub fn start() {
    let Some(text) = browser::config_text() else {
        return;
    };
    let from_location = browser::take_token();
    let token = match browser::take_boot_fragment() {
        Some(hash) => Fragment::parse(&hash).token.map_err(|_| Failure::Invalid),
        None => from_location,
    };
    let config = Config::from_json(&text);
    if let Some(loading) = document().get_element_by_id("handoff-loading") {
        loading.remove();
    }
    mount_to_body(move || view! { <Landing config=config token=token /> });
}

/// Runs the sign-in in the background, reporting into `set_screen`, and navigates when done.
fn run(config: Arc<Config>, token: String, set_screen: WriteSignal<Screen>) {
    set_screen.set(Screen::Progress(Step::Checking));
    leptos::task::spawn_local(async move {
        let progress = |step| set_screen.set(Screen::Progress(step));
        let outcome = match browser::complete(&config, &token, &progress).await {
            Ok(done) => browser::navigate(&config, &done.redirect),
            Err(failure) => Err(failure),
        };
        if let Err(failure) = outcome {
            set_screen.set(Screen::Failed(failure));
        }
    });
}

/// The landing page.
#[component]
pub fn Landing(
    /// The parsed configuration (an error shows "service misconfigured" and sends nothing).
    config: Result<Config, ConfigError>,
    /// The token from the fragment (already scrubbed), or the local failure.
    token: Result<String, Failure>,
) -> impl IntoView {
    let links = config.as_ref().map(Links::from).unwrap_or_default();
    let (screen, set_screen) = signal(Screen::Progress(Step::Checking));
    let retry = match (config, token) {
        (Err(_), _) => {
            set_screen.set(Screen::Failed(Failure::Misconfigured));
            None
        }
        (Ok(_), Err(failure)) => {
            set_screen.set(Screen::Failed(failure));
            None
        }
        (Ok(config), Ok(token)) => {
            let config = Arc::new(config);
            run(config.clone(), token.clone(), set_screen);
            Some(Callback::new(move |()| {
                run(config.clone(), token.clone(), set_screen)
            }))
        }
    };
    view! {
        <main class="handoff">
            <p class="status" role="status" aria-live="polite">
                {move || screen.get().status()}
            </p>
            {move || match screen.get() {
                Screen::Progress(step) => view! { <Progress step=step /> }.into_any(),
                Screen::Failed(failure) => {
                    let retry = if failure.can_retry() { retry } else { None };
                    view! { <FailureScreen failure=failure links=links.clone() retry=retry /> }.into_any()
                }
            }}
        </main>
    }
}

/// The progress screen: every step, marked done, current or pending.
#[component]
pub fn Progress(
    /// The step in progress.
    step: Step,
) -> impl IntoView {
    view! {
        <section class="progress" aria-busy="true">
            <h1>"Signing you in"</h1>
            <ol class="steps">
                {Step::ALL
                    .into_iter()
                    .map(|s| {
                        let state = match s.cmp(&step) {
                            std::cmp::Ordering::Less => "done",
                            std::cmp::Ordering::Equal => "current",
                            std::cmp::Ordering::Greater => "pending",
                        };
                        let current = (s == step).then_some("step");
                        view! {
                            <li data-step=s.code() data-state=state aria-current=current>
                                {s.label()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

/// One failure screen: what happened, what to do, and the two ways out (plus "Try again" when it can help).
#[component]
pub fn FailureScreen(
    /// What went wrong.
    failure: Failure,
    /// "Back to the app" and "Sign in another way".
    links: Links,
    /// Starts the sign-in again (network problems only).
    retry: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <section class="failure" data-failure=failure.code()>
            <h1>{failure.title()}</h1>
            <p>{failure.message()}</p>
            {retry.map(|retry| view! {
                <button type="button" class="retry" on:click=move |_| retry.run(())>"Try again"</button>
            })}
            <nav class="ways-out">
                {links.app_return_url.map(|href| view! { <a class="back" href=href>"Back to the app"</a> })}
                {links.other_sign_in_url.map(|href| view! { <a class="other" href=href>"Sign in another way"</a> })}
            </nav>
        </section>
    }
}
