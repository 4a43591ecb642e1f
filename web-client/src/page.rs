//! The Leptos landing page: a progress screen with steps, then either the web app (navigation) or one screen per
//! failure, each with "Back to the app" and "Sign in another way".

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser;
use crate::config::{Config, ConfigError};
use crate::fragment::Fragment;
use crate::link::Link;
use crate::outcome::{Failure, Step};
use crate::session::Switch;

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
    pub fn status(&self) -> &'static str {
        match self {
            Screen::Progress(step) => step.label(),
            Screen::Failed(failure) => failure.title(),
            Screen::Confirm { .. } => "Switch account?",
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

/// Starts: a link for someone other than the signed-in user asks first (login CSRF: a link from another site must
/// never swap the user silently); otherwise the sign-in runs at once.
fn begin(config: Arc<Config>, token: String, set_screen: WriteSignal<Screen>) {
    let link = match Link::check(&token, &config) {
        Ok(link) => link,
        Err(failure) => return set_screen.set(Screen::Failed(failure)),
    };
    match browser::switch(&config, &link.username) {
        Switch::Ask { current, .. } => set_screen.set(Screen::Confirm {
            current,
            next: link.username,
        }),
        Switch::Proceed | Switch::SameUser => run(config, token, set_screen),
    }
}

/// "Continue as ...": ends the signed-in user's session (RevokeToken, then their keys), then signs in.
fn switch_and_run(config: Arc<Config>, token: String, set_screen: WriteSignal<Screen>) {
    set_screen.set(Screen::Progress(Step::Checking));
    leptos::task::spawn_local(async move {
        match browser::end_current_session(&config).await {
            Ok(()) => run(config, token, set_screen),
            Err(failure) => set_screen.set(Screen::Failed(failure)),
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
    let (retry, choose) = match (config, token) {
        (Err(_), _) => {
            set_screen.set(Screen::Failed(Failure::Misconfigured));
            (None, None)
        }
        (Ok(_), Err(failure)) => {
            set_screen.set(Screen::Failed(failure));
            (None, None)
        }
        (Ok(config), Ok(token)) => {
            let config = Arc::new(config);
            begin(config.clone(), token.clone(), set_screen);
            let (c, t) = (config.clone(), token.clone());
            let retry = Callback::new(move |()| begin(c.clone(), t.clone(), set_screen));
            let (c, t) = (config.clone(), token.clone());
            let proceed = Callback::new(move |()| switch_and_run(c.clone(), t.clone(), set_screen));
            let cancel = Callback::new(move |()| {
                // Nothing was sent: the link is not spent and the signed-in user stays.
                if let Err(failure) = browser::navigate(&config, config.default_redirect()) {
                    set_screen.set(Screen::Failed(failure));
                }
            });
            (Some(retry), Some((proceed, cancel)))
        }
    };
    view! {
        <main class="handoff">
            <p class="status" role="status" aria-live="polite">
                {move || screen.with(Screen::status)}
            </p>
            {move || match screen.get() {
                Screen::Progress(step) => view! { <Progress step=step /> }.into_any(),
                Screen::Failed(failure) => {
                    let retry = if failure.can_retry() { retry } else { None };
                    view! { <FailureScreen failure=failure links=links.clone() retry=retry /> }.into_any()
                }
                Screen::Confirm { current, next } => match choose {
                    Some((proceed, cancel)) => {
                        view! { <SwitchScreen current=current next=next proceed=proceed cancel=cancel /> }
                            .into_any()
                    }
                    None => ().into_any(),
                },
            }}
        </main>
    }
}

/// Someone else is signed in: "You are signed in as A. Continue as B?"
#[component]
pub fn SwitchScreen(
    /// Who is signed in now.
    current: String,
    /// Whom the link signs in.
    next: String,
    /// Ends the current session and signs in with the link.
    proceed: Callback<()>,
    /// Keeps the current user; the link is not used.
    cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="switch" data-screen="confirm-switch">
            <h1>"Switch account?"</h1>
            <p>
                "You are signed in as " <strong class="current">{current.clone()}</strong> ". Continue as "
                <strong class="next">{next.clone()}</strong> "?"
            </p>
            <button type="button" class="continue" on:click=move |_| proceed.run(())>
                {format!("Continue as {next}")}
            </button>
            <button type="button" class="cancel" on:click=move |_| cancel.run(())>
                {format!("Stay signed in as {current}")}
            </button>
        </section>
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
