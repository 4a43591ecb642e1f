//! The landing page's sign-in, the first of its two wasm modules (wasm32 only, no Leptos): reads the link, signs in
//! and leaves for the web app, showing its progress on the page's loading line. Whenever it stops short of the web
//! app (a failure, or the switch question) it hands the screen over to the second module, the Leptos screens
//! (`page`, `src/screens_main.rs`), which boot.js loads only then. On a phone every KB of code before the sign-in
//! costs about 4 ms (docs/web.md), and the happy path needs no screen.

use crate::browser;
use crate::link::Link;
use crate::outcome::{Failure, Step};
use crate::screen::{Handover, Screen, first_screen};
use crate::session::Switch;
use crate::texts::Texts;

/// The sign-in's entry point. `boot.js` has already taken the fragment out of the address bar and history and
/// left it in `window.handoffFragment`, which is read once and deleted. Does nothing on a page without a
/// `#handoff-config` block.
pub fn start() {
    let Some(text) = browser::config_text() else {
        return;
    };
    let token = browser::link_token(browser::take_boot_fragment());
    let (config, texts) = browser::configure(&text);
    // A refused configuration's words are the screens' to log: the sign-in stays without them.
    let (first, work) = first_screen(config.ok(), token);
    let Some((config, token)) = work else {
        return stop(first, None, &texts);
    };
    // A link for someone other than the signed-in user asks first (login CSRF: a link from another site must
    // never swap the user silently); nothing is sent before the answer.
    let link = match Link::check(&token, &config) {
        Ok(link) => link,
        Err(failure) => return stop(Screen::Failed(failure), Some(token), &texts),
    };
    if let Switch::Ask { current, .. } = browser::switch(&config, &link) {
        let next = link.unverified.username;
        return stop(Screen::Confirm { current, next }, Some(token), &texts);
    }
    crate::executor::spawn(async move {
        let progress = |step: Step| browser::set_loading_text(texts.get(&step.text_key()));
        let outcome = match browser::complete(&config, &token, &progress).await {
            Ok(done) => browser::navigate(&config, &done.redirect),
            Err(failure) => Err(failure),
        };
        if let Err(failure) = outcome {
            stop(Screen::Failed(failure), Some(token), &texts);
        }
    });
}

/// Stops short of the web app at `screen`: first ends whatever session boot.js's early calls may have signed in
/// that the page will now not take (web-client/src/early.rs), then hands the screen over. A page without the
/// screens' loader (served without boot.js) says on its loading line what went wrong instead: the failure's
/// heading, or "misconfigured" for a question it cannot ask.
fn stop(screen: Screen, token: Option<String>, texts: &Texts) {
    browser::end_early_session();
    let heading = match &screen {
        Screen::Failed(failure) => failure.title_key(),
        _ => Failure::Misconfigured.title_key(),
    };
    if !browser::hand_over(&Handover::new(screen, token)) {
        browser::set_loading_text(texts.get(&heading));
    }
}
