//! The landing page's screens (Leptos), its second wasm: one screen per failure, each with "Back to the app" and
//! "Sign in another way", the switch question, and the progress screen with steps when the sign-in goes on from
//! a screen ("Try again", "Continue as ..."). The first sign-in runs without them (`crate::signin`).

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser;
use crate::config::PageConfig;
use crate::link::Link;
use crate::outcome::{Failure, Step};
use crate::session::Switch;
use crate::texts::{Part, Texts};

pub use crate::screen::{Links, Screen, first_screen};

/// The screens' entry point: shows the screen the sign-in handed over (`crate::signin`, through
/// `window.handoffScreen`) and, where it can go on, goes on from there ("Try again", "Continue as ..."). Does
/// nothing on a page without a `#handoff-config` block or without a handover.
pub fn start() {
    let Some(text) = browser::config_text() else {
        return;
    };
    let Some(handover) = browser::take_handover() else {
        return;
    };
    let (config, texts) = browser::configure(&text);
    let config = config
        .inspect_err(|problem| browser::console_error(&problem.to_string()))
        .ok();
    let links = config.as_ref().map(Links::from).unwrap_or_default();
    let logo = config.as_ref().and_then(|c| {
        let alt = c.brand.logo_alt.clone().unwrap_or_default();
        c.brand.logo_url.clone().map(|src| (src, alt))
    });
    let (first, work) = handover.into_first(config);
    if let Some(loading) = document().get_element_by_id(browser::LOADING_ELEMENT_ID) {
        loading.remove();
    }
    let texts = Arc::new(texts);
    mount_to_body(
        move || view! { <Landing first=first work=work texts=texts links=links logo=logo resumed=true /> },
    );
}

/// Runs the sign-in in the background, reporting into `set_screen`, and navigates when done.
fn run(config: Arc<PageConfig>, token: String, set_screen: WriteSignal<Screen>) {
    set_screen.set(Screen::Progress(Step::Checking));
    leptos::task::spawn_local(async move {
        let progress = |step| set_screen.set(Screen::Progress(step));
        let outcome = match browser::complete(&config, &token, &progress).await {
            Ok(done) => browser::navigate(&config, &done.redirect),
            Err(failure) => Err(failure),
        };
        if let Err(failure) = outcome {
            stop_at(set_screen, Screen::Failed(failure));
        }
    });
}

/// Shows a screen that stops short of signing in, after ending whatever session boot.js's early calls may have
/// signed in that the page will now not take (web-client/src/early.rs).
fn stop_at(set_screen: WriteSignal<Screen>, screen: Screen) {
    browser::end_early_session();
    set_screen.set(screen);
}

/// Starts: a link for someone other than the signed-in user asks first (login CSRF: a link from another site must
/// never swap the user silently); otherwise the sign-in runs at once.
fn begin(config: Arc<PageConfig>, token: String, set_screen: WriteSignal<Screen>) {
    let link = match Link::check(&token, &config) {
        Ok(link) => link,
        Err(failure) => return stop_at(set_screen, Screen::Failed(failure)),
    };
    match browser::switch(&config, &link) {
        Switch::Ask { current, .. } => stop_at(
            set_screen,
            Screen::Confirm {
                current,
                next: link.unverified.username,
            },
        ),
        Switch::Proceed | Switch::SameUser => run(config, token, set_screen),
    }
}

/// "Continue as ...": ends the signed-in user's session (RevokeToken, then their keys), then signs in.
fn switch_and_run(config: Arc<PageConfig>, token: String, set_screen: WriteSignal<Screen>) {
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
    /// The first screen, decided before rendering.
    first: Screen,
    /// The configuration and the token (already scrubbed) when there is a sign-in to run.
    work: Option<(Arc<PageConfig>, String)>,
    /// The page's words.
    texts: Arc<Texts>,
    /// "Back to the app" and "Sign in another way", from the configuration.
    links: Links,
    /// The deployment's logo and its text alternative.
    logo: Option<(String, String)>,
    /// The sign-in already ran up to `first` (the screens' start): nothing starts at mount.
    #[prop(optional)]
    resumed: bool,
) -> impl IntoView {
    let (screen, set_screen) = signal(first);
    let (retry, choose) = match work {
        None => (None, None),
        Some((config, token)) => {
            if !resumed {
                begin(config.clone(), token.clone(), set_screen);
            }
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
    let status_texts = texts.clone();
    view! {
        <main class="handoff">
            {logo.map(|(src, alt)| view! { <img class="logo" src=src alt=alt /> })}
            <p class="status" role="status" aria-live="polite">
                {move || screen.with(|s| s.status(&status_texts))}
            </p>
            {move || match screen.get() {
                Screen::Progress(step) => view! { <Progress step=step texts=texts.clone() /> }.into_any(),
                Screen::Failed(failure) => {
                    let retry = if failure.can_retry() { retry } else { None };
                    view! { <FailureScreen failure=failure links=links.clone() retry=retry texts=texts.clone() /> }
                        .into_any()
                }
                Screen::Confirm { current, next } => match choose {
                    Some((proceed, cancel)) => {
                        view! {
                            <SwitchScreen
                                current=current
                                next=next
                                proceed=proceed
                                cancel=cancel
                                texts=texts.clone()
                            />
                        }
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
    /// The page's words.
    texts: Arc<Texts>,
) -> impl IntoView {
    let values = [("current", current.as_str()), ("next", next.as_str())];
    let body = texts
        .parts("switch.body")
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => text.to_owned().into_any(),
            Part::Value(name) => {
                let value = if name == "current" { &current } else { &next };
                view! { <strong class=name.to_owned()>{value.clone()}</strong> }.into_any()
            }
        })
        .collect_view();
    view! {
        <section class="switch" data-screen="confirm-switch">
            <h1>{texts.get("switch.title").to_owned()}</h1>
            <p>{body}</p>
            <button type="button" class="continue" on:click=move |_| proceed.run(())>
                {texts.fill("switch.continue", &values)}
            </button>
            <button type="button" class="cancel" on:click=move |_| cancel.run(())>
                {texts.fill("switch.cancel", &values)}
            </button>
        </section>
    }
}

/// The progress screen: every step, marked done, current or pending.
#[component]
pub fn Progress(
    /// The step in progress.
    step: Step,
    /// The page's words.
    texts: Arc<Texts>,
) -> impl IntoView {
    view! {
        <section class="progress" aria-busy="true">
            <h1>{texts.get("title").to_owned()}</h1>
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
                                {texts.get(&s.text_key()).to_owned()}
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
    /// The page's words.
    texts: Arc<Texts>,
) -> impl IntoView {
    let word = |key: &str| texts.get(key).to_owned();
    let (retry_text, back, other) = (word("retry"), word("back"), word("other"));
    view! {
        <section class="failure" data-failure=failure.code()>
            <h1>{word(&failure.title_key())}</h1>
            <p>{word(&failure.message_key())}</p>
            {retry.map(|retry| view! {
                <button type="button" class="retry" on:click=move |_| retry.run(())>{retry_text}</button>
            })}
            <nav class="ways-out">
                {links.app_return_url.map(|href| view! { <a class="back" href=href>{back}</a> })}
                {links.other_sign_in_url.map(|href| view! { <a class="other" href=href>{other}</a> })}
            </nav>
        </section>
    }
}
