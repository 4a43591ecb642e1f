//! The landing page's sign-in, the first of its two wasm modules (wasm32 only, no Leptos): reads the link, signs in
//! and leaves for the web app, showing its progress on the page's loading line. Whenever it stops short of the web
//! app (a failure, or the switch question) it hands the screen over to the second module, the Leptos screens
//! (`page`, `src/screens_main.rs`), which boot.js loads only then. On a phone every KB of code before the sign-in
//! costs about 4 ms (docs/web.md), and the happy path needs no screen.

use crate::browser;
use crate::link::Link;
use crate::outcome::Step;
use crate::screen::{Handover, Screen, first_screen};
use crate::session::Switch;

/// The sign-in's entry point. `boot.js` has already taken the fragment out of the address bar and history and
/// left it in `window.handoffFragment`, which is read once and deleted. Does nothing on a page without a
/// `#handoff-config` block.
pub fn start() {
    let Some(text) = browser::config_text() else {
        return;
    };
    let token = browser::link_token(browser::take_boot_fragment());
    let (config, texts) = browser::configure(&text);
    let (first, work) = first_screen(config, token);
    let Some((config, token)) = work else {
        return stop(first, None);
    };
    // A link for someone other than the signed-in user asks first (login CSRF: a link from another site must
    // never swap the user silently); nothing is sent before the answer.
    let link = match Link::check(&token, &config) {
        Ok(link) => link,
        Err(failure) => return stop(Screen::Failed(failure), Some(token)),
    };
    if let Switch::Ask { current, .. } = browser::switch(&config, &link) {
        let next = link.unverified.username;
        return stop(Screen::Confirm { current, next }, Some(token));
    }
    crate::executor::spawn(async move {
        let progress = |step: Step| browser::set_loading_text(texts.get(&step.text_key()));
        let outcome = match browser::complete(&config, &token, &progress).await {
            Ok(done) => browser::navigate(&config, &done.redirect),
            Err(failure) => Err(failure),
        };
        if let Err(failure) = outcome {
            stop(Screen::Failed(failure), Some(token));
        }
    });
}

/// Stops short of the web app at `screen`: first ends whatever session boot.js's early calls may have signed in
/// that the page will now not take (web-client/src/early.rs), then hands the screen over.
fn stop(screen: Screen, token: Option<String>) {
    browser::end_early_session();
    browser::hand_over(&Handover::new(screen, token));
}
