//! The page's browser behaviour in headless Chromium (wasm-bindgen-test-runner + chromedriver):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p handoff-web --target wasm32-unknown-unknown`.
//! `window.fetch` is replaced by a recorder that answers like Cognito, so these tests need no server.
#![cfg(all(target_arch = "wasm32", feature = "page"))]

use handoff_core::base64url;
use handoff_web::outcome::Failure;
use std::sync::Arc;

use handoff_core::named::Named;
use handoff_web::page::{FailureScreen, Landing, Links, Screen, first_screen};
use handoff_web::texts::{Catalogue, Texts};
use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CLIENT_ID: &str = "webtest";

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

fn token(redirect: &str, exp_offset: f64) -> String {
    let exp = (js_sys::Date::now() / 1000.0 + exp_offset) as u64;
    let payload =
        serde_json::json!({"username": "alice", "aud": CLIENT_ID, "exp": exp, "redirect": redirect});
    format!(
        "{}.{}.{}",
        base64url::encode(br#"{"alg":"EdDSA","typ":"handoff+jwt","kid":"k1"}"#),
        base64url::encode(payload.to_string().as_bytes()),
        base64url::encode([7; 64])
    )
}

/// The built-in English words, as the site build inlines them.
fn english() -> Arc<Texts> {
    let mut builtin = Catalogue::new();
    builtin.insert(
        "en".into(),
        Named::strings(&handoff_core::json::parse_object(include_str!("../messages/en.json")).unwrap())
            .unwrap(),
    );
    Arc::new(Texts::select(&builtin, &Catalogue::new(), &[]))
}

fn options() -> serde_json::Value {
    serde_json::json!({
        "region": "eu-west-1", "userPoolId": "eu-west-1_test", "clientId": CLIENT_ID,
        "cognitoEndpoint": "http://127.0.0.1:9/", "redirectAllowlist": ["/orders"], "defaultRedirect": "/orders",
        "appReturnUrl": "myapp://home", "otherSignInUrl": "/signin", "navigate": false
    })
}

/// Replaces `window.fetch` with a recorder answering like Cognito; `window.__hrefs` gets `location.href` at
/// every call.
fn install_fake_cognito() {
    let install = Function::new_no_args(
        r#"
        window.__hrefs = [];
        window.fetch = async (input, init) => {
            const request = new Request(input, init);
            window.__hrefs.push(location.href);
            const target = request.headers.get('X-Amz-Target');
            if (request.referrerPolicy !== 'no-referrer' || request.credentials !== 'omit') throw new Error('leaky');
            const json = (body) => new Response(JSON.stringify(body), {status: 200});
            if (target.endsWith('.InitiateAuth')) {
                return json({ChallengeName: 'CUSTOM_CHALLENGE', Session: 'S1', ChallengeParameters: {USERNAME: 'u-1'}});
            }
            return json({AuthenticationResult: {AccessToken: 'h.eyJpYXQiOjE3MDAwMDAwMDB9.s', IdToken: 'I',
                         RefreshToken: 'R', ExpiresIn: 3600, TokenType: 'Bearer'}});
        };
        "#,
    );
    install.call0(&JsValue::NULL).unwrap();
}

fn fetch_hrefs() -> Vec<String> {
    let hrefs: js_sys::Array = Reflect::get(&window(), &"__hrefs".into())
        .unwrap()
        .unchecked_into();
    hrefs.iter().map(|h| h.as_string().unwrap()).collect()
}

fn set_hash(hash: &str) {
    let location = window().location();
    let url = format!(
        "{}{}{hash}",
        location.pathname().unwrap(),
        location.search().unwrap()
    );
    window()
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .unwrap();
}

/// Runs `completeHandoff` on a browser where nobody is signed in yet (the fake Cognito signs in `u-1`, the
/// tokens name `alice`: a session left by an earlier test would be another user, `other_user`).
async fn complete(options: &serde_json::Value) -> serde_json::Value {
    window().local_storage().unwrap().unwrap().clear().unwrap();
    let options = js_sys::JSON::parse(&options.to_string()).unwrap();
    let result = handoff_web::api::complete_handoff(options).await;
    serde_json::from_str(&js_sys::JSON::stringify(&result).unwrap().as_string().unwrap()).unwrap()
}

#[wasm_bindgen_test]
async fn scrubs_the_fragment_before_any_fetch_and_stores_amplify_keys() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    install_fake_cognito();
    let t = token("/orders/7", 60.0);
    set_hash(&format!("#tab=2&handoff={t}"));

    let result = complete(&options()).await;
    assert_eq!(
        result,
        serde_json::json!({"ok": true, "username": "u-1", "redirect": "/orders/7"})
    );

    let hrefs = fetch_hrefs();
    assert_eq!(hrefs.len(), 2, "exactly two requests");
    for href in &hrefs {
        assert!(
            !href.contains("handoff="),
            "fetch while the URL held the token: {href}"
        );
    }
    assert_eq!(window().location().hash().unwrap(), "#tab=2");

    let mut keys: Vec<String> = (0..storage.length().unwrap())
        .map(|i| storage.key(i).unwrap().unwrap())
        .collect();
    keys.sort();
    let prefix = format!("CognitoIdentityServiceProvider.{CLIENT_ID}");
    assert_eq!(
        keys,
        [
            format!("{prefix}.LastAuthUser"),
            format!("{prefix}.u-1.accessToken"),
            format!("{prefix}.u-1.clockDrift"),
            format!("{prefix}.u-1.idToken"),
            format!("{prefix}.u-1.refreshToken"),
            format!("{prefix}.u-1.signInDetails"),
        ]
    );
    assert_eq!(
        storage
            .get_item(&format!("{prefix}.LastAuthUser"))
            .unwrap()
            .as_deref(),
        Some("u-1")
    );
    assert_eq!(
        storage
            .get_item(&format!("{prefix}.u-1.accessToken"))
            .unwrap()
            .as_deref(),
        Some("h.eyJpYXQiOjE3MDAwMDAwMDB9.s")
    );
}

#[wasm_bindgen_test]
async fn local_failures_send_nothing() {
    // An expired link is not a local failure: the device's clock never refuses a link (the edge's decides).
    for (hash, error) in [
        (format!("#handoff={}", token("//evil.example", 60.0)), "invalid"),
        (format!("#handoff={}", token("/admin", 60.0)), "invalid"),
        ("#handoff=not-a-token".to_owned(), "invalid"),
        ("#nothing=here".to_owned(), "invalid"),
    ] {
        install_fake_cognito();
        set_hash(&hash);
        let result = complete(&options()).await;
        assert_eq!(result["ok"], false);
        assert_eq!(result["error"], error, "{hash}");
        assert!(fetch_hrefs().is_empty(), "{hash}: sent a request");
        assert!(!window().location().href().unwrap().contains("handoff="));
    }
}

/// Replaces `window.fetch` with a recorder answering like Cognito and like the edge's `/v1/bind` (`edge`: `ok`,
/// `wrong_context` or `down`). The edge answers only once InitiateAuth has been sent (or after 2 s), so the
/// order in `window.__events` shows whether the page waited for it. `window.__binds` gets each bind request as
/// the browser would send it; `window.__bodies` every Cognito body.
fn install_fake_cognito_and_edge(edge: &str) {
    let install = Function::new_with_args(
        "edge",
        r#"
        window.__events = []; window.__binds = []; window.__bodies = [];
        let initiated;
        const initiateSent = new Promise((resolve) => { initiated = resolve; });
        const json = (status, body) => new Response(JSON.stringify(body), {status});
        window.fetch = async (input, init) => {
            const request = new Request(input, init);
            if (request.url.endsWith('/v1/bind')) {
                window.__events.push('bind');
                window.__binds.push({method: request.method, url: request.url, mode: request.mode,
                    credentials: request.credentials, referrerPolicy: request.referrerPolicy,
                    headers: [...request.headers], body: await request.text()});
                await Promise.race([initiateSent, new Promise((r) => setTimeout(r, 2000))]);
                window.__events.push('bound');
                if (edge === 'down') throw new TypeError('Failed to fetch');
                if (edge === 'wrong_context') return json(403, {error: 'wrong_context', message: 'elsewhere'});
                return json(200, {binding: 'b1.b2-_', expires_in: 60});
            }
            const target = request.headers.get('X-Amz-Target').split('.').pop();
            window.__events.push(target);
            window.__bodies.push(JSON.parse(await request.text()));
            if (target === 'InitiateAuth') {
                initiated();
                return json(200, {ChallengeName: 'CUSTOM_CHALLENGE', Session: 'S1', ChallengeParameters: {USERNAME: 'u-1'}});
            }
            return json(200, {AuthenticationResult: {AccessToken: 'h.eyJpYXQiOjE3MDAwMDAwMDB9.s', IdToken: 'I',
                              RefreshToken: 'R', ExpiresIn: 3600, TokenType: 'Bearer'}});
        };
        "#,
    );
    install.call1(&JsValue::NULL, &edge.into()).unwrap();
}

fn global_json(name: &str) -> serde_json::Value {
    let value = Reflect::get(&window(), &name.into()).unwrap();
    serde_json::from_str(&js_sys::JSON::stringify(&value).unwrap().as_string().unwrap()).unwrap()
}

fn with_edge() -> serde_json::Value {
    let mut options = options();
    options["edgeUrl"] = "http://127.0.0.1:9/".into();
    options
}

#[wasm_bindgen_test]
async fn the_binding_is_asked_for_alongside_initiate_auth_and_passed_on() {
    install_fake_cognito_and_edge("ok");
    let t = token("/orders/7", 60.0);
    set_hash(&format!("#handoff={t}"));
    let result = complete(&with_edge()).await;
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(
        global_json("__events"),
        serde_json::json!(["bind", "InitiateAuth", "bound", "RespondToAuthChallenge"])
    );
    // A CORS simple request: POST, the token as text/plain and no other header; no cookies, no Referer.
    assert_eq!(
        global_json("__binds"),
        serde_json::json!([{
            "method": "POST", "url": "http://127.0.0.1:9/v1/bind", "mode": "cors", "credentials": "omit",
            "referrerPolicy": "no-referrer", "headers": [["content-type", "text/plain;charset=UTF-8"]], "body": t,
        }])
    );
    let bodies = global_json("__bodies");
    assert_eq!(bodies[0].get("ClientMetadata"), None);
    assert_eq!(
        bodies[1]["ClientMetadata"],
        serde_json::json!({"handoff_binding": "b1.b2-_"})
    );
}

#[wasm_bindgen_test]
async fn wrong_context_stops_before_the_answer_and_a_dead_edge_does_not() {
    install_fake_cognito_and_edge("wrong_context");
    set_hash(&format!("#handoff={}", token("/orders/7", 60.0)));
    let result = complete(&with_edge()).await;
    assert_eq!(result["error"], "other_device");
    assert_eq!(result["retry"], false);
    assert_eq!(
        global_json("__events"),
        serde_json::json!(["bind", "InitiateAuth", "bound"])
    );

    install_fake_cognito_and_edge("down");
    set_hash(&format!("#handoff={}", token("/orders/7", 60.0)));
    let result = complete(&with_edge()).await;
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(global_json("__bodies")[1].get("ClientMetadata"), None);

    // Without edgeUrl: no call to the edge at all.
    install_fake_cognito_and_edge("ok");
    set_hash(&format!("#handoff={}", token("/orders/7", 60.0)));
    assert_eq!(complete(&options()).await["ok"], true);
    assert_eq!(
        global_json("__events"),
        serde_json::json!(["InitiateAuth", "RespondToAuthChallenge"])
    );
}

#[wasm_bindgen_test]
async fn a_bad_configuration_sends_nothing_but_still_scrubs() {
    install_fake_cognito();
    set_hash(&format!("#handoff={}", token("/orders/1", 60.0)));
    let mut bad = options();
    bad["redirectAllowlist"] = serde_json::json!(["//evil"]);
    let result = complete(&bad).await;
    assert_eq!(result["error"], "misconfigured");
    assert!(fetch_hrefs().is_empty());
    assert_eq!(window().location().hash().unwrap(), "");
}

fn container() -> web_sys::HtmlElement {
    let document = window().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn text(root: &web_sys::Element, selector: &str) -> Option<String> {
    root.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
}

fn attr(root: &web_sys::Element, selector: &str, name: &str) -> Option<String> {
    root.query_selector(selector)
        .unwrap()
        .and_then(|e| e.get_attribute(name))
}

#[wasm_bindgen_test]
fn every_failure_screen_renders_with_both_ways_out() {
    let links = Links {
        app_return_url: Some("myapp://home".into()),
        other_sign_in_url: Some("/signin".into()),
    };
    let words = english();
    for failure in Failure::ALL {
        let root = container();
        let links = links.clone();
        let retry = failure.can_retry().then(|| Callback::new(|()| ()));
        let texts = words.clone();
        leptos::mount::mount_to(
            root.clone(),
            move || view! { <FailureScreen failure links retry texts /> },
        )
        .forget();
        let root: web_sys::Element = root.into();
        assert_eq!(
            attr(&root, "section", "data-failure").as_deref(),
            Some(failure.code())
        );
        assert_eq!(
            text(&root, "h1").as_deref(),
            Some(words.get(&failure.title_key()))
        );
        assert_eq!(
            text(&root, "p").as_deref(),
            Some(words.get(&failure.message_key()))
        );
        assert_ne!(
            words.get(&failure.title_key()),
            failure.title_key(),
            "English has the words"
        );
        assert_eq!(attr(&root, "a.back", "href").as_deref(), Some("myapp://home"));
        assert_eq!(text(&root, "a.back").as_deref(), Some("Back to the app"));
        assert_eq!(attr(&root, "a.other", "href").as_deref(), Some("/signin"));
        assert_eq!(text(&root, "a.other").as_deref(), Some("Sign in another way"));
        assert_eq!(
            root.query_selector("button.retry").unwrap().is_some(),
            failure == Failure::Network
        );
        root.remove();
    }
}

#[wasm_bindgen_test]
fn landing_shows_the_local_failure_in_the_live_region() {
    let root = container();
    let config = handoff_web::PageConfig::from_json(&options().to_string()).unwrap();
    let links = Links::from(&config);
    let (first, work) = first_screen(Some(config), Err(Failure::Invalid));
    assert!(work.is_none());
    let texts = english();
    leptos::mount::mount_to(
        root.clone(),
        move || view! { <Landing first work texts links logo=None /> },
    )
    .forget();
    let root: web_sys::Element = root.into();
    assert_eq!(
        attr(&root, "[role=status]", "aria-live").as_deref(),
        Some("polite")
    );
    assert_eq!(
        text(&root, "[role=status]").as_deref(),
        Some("This link isn't valid")
    );
    assert_eq!(
        attr(&root, "section.failure", "data-failure").as_deref(),
        Some("invalid")
    );
    assert_eq!(attr(&root, "a.other", "href").as_deref(), Some("/signin"));
    root.remove();
}

#[wasm_bindgen_test]
fn landing_with_a_broken_configuration_shows_the_service_error() {
    let root = container();
    let config = handoff_web::PageConfig::from_json("{}").ok();
    let (first, work) = first_screen(config, Ok("a.b.c".to_owned()));
    assert_eq!(first, Screen::Failed(Failure::Misconfigured));
    assert!(work.is_none(), "nothing runs");
    let texts = english();
    leptos::mount::mount_to(
        root.clone(),
        move || view! { <Landing first work texts links=Links::default() logo=None /> },
    )
    .forget();
    let root: web_sys::Element = root.into();
    assert_eq!(
        attr(&root, "section.failure", "data-failure").as_deref(),
        Some("misconfigured")
    );
    root.remove();
}
