//! The calls that `boot.js` (www/landing/boot.js) sends while the page's code is still downloading: `InitiateAuth`
//! and, with an edge, the bind call, then `RespondToAuthChallenge` once those have answered, left in
//! `window.handoffEarly` (`{initiateAuth, bind, respond}`; `respond` is a promise, of `null` when boot.js did not
//! send it). The page adopts an answer in place of its own call only when the request is exactly the one it would
//! have sent (same URL, operation and body, byte for byte) and, for the first calls, recent enough that Cognito's
//! session in the answer is still alive; otherwise the page sends its own call. Either way the answer goes through
//! the same reading and retries as any other ([`crate::flow`]).
//!
//! `RespondToAuthChallenge` spends the link: a session it signed in that the page did not adopt (the page stopped
//! before its own second call, or would have sent another body) is ended by boot.js's `handoffRevokeEarly`, which
//! the page calls whenever it stops short of signing in (`browser::end_early_session`, wasm only).

/// How long an early answer stays usable: Cognito's auth sessions last at least three minutes; a page that waited
/// longer (a person reading the switch screen) sends its own call.
pub const MAX_AGE_MS: f64 = 60_000.0;

/// The global `boot.js` leaves the early calls in.
pub const GLOBAL: &str = "handoffEarly";
/// Its member for `InitiateAuth`.
pub const INITIATE_AUTH: &str = "initiateAuth";
/// Its member for the edge's bind call (whose `target` is empty).
pub const BIND: &str = "bind";
/// Its member for `RespondToAuthChallenge`: a promise of the call, or of `null`.
pub const RESPOND: &str = "respond";
/// The function boot.js leaves to end a session its `RespondToAuthChallenge` signed in that the page did not take.
pub const REVOKE: &str = "handoffRevokeEarly";

/// What `boot.js` sent.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyRequest {
    /// Where it went (Cognito's endpoint, the edge's bind URL).
    pub url: String,
    /// The `X-Amz-Target` header (empty for the bind call).
    pub target: String,
    /// The body text.
    pub body: String,
    /// When it was sent (ms since the epoch, the page's clock).
    pub at_ms: f64,
}

impl EarlyRequest {
    /// Whether its answer may stand for the call `(url, target, body)` the page is about to make at `now_ms`.
    pub fn answers(&self, url: &str, target: &str, body: &str, now_ms: f64) -> bool {
        let age = now_ms - self.at_ms;
        self.is(url, target, body) && (0.0..=MAX_AGE_MS).contains(&age)
    }

    /// Whether it is the call `(url, target, body)`, at any age: how the page adopts an early
    /// `RespondToAuthChallenge`, whose answer is final (the link is spent by then; a page that sent its own would
    /// only be refused).
    pub fn is(&self, url: &str, target: &str, body: &str) -> bool {
        self.url == url && self.target == target && self.body == body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cognito::{Op, initiate_auth_body};

    const ENDPOINT: &str = "https://cognito-idp.eu-west-1.amazonaws.com/";

    fn early(body: &str) -> EarlyRequest {
        EarlyRequest {
            url: ENDPOINT.into(),
            target: Op::InitiateAuth.target().into(),
            body: body.into(),
            at_ms: 1_000_000.0,
        }
    }

    /// The body boot.js builds with `JSON.stringify({AuthFlow, ClientId, AuthParameters: {USERNAME}})`, written
    /// out: core's body must be the same bytes, or no early answer is ever adopted (the browser test
    /// `landing.test.mjs` "InitiateAuth starts before the page's code has arrived" proves it end to end).
    #[test]
    fn core_builds_the_body_boot_js_builds() {
        let js = r#"{"AuthFlow":"CUSTOM_AUTH","ClientId":"web","AuthParameters":{"USERNAME":"al\"ice\n√"}}"#;
        assert_eq!(initiate_auth_body("web", "al\"ice\n√"), js);
    }

    /// The bodies boot.js builds for `RespondToAuthChallenge` with `JSON.stringify({ChallengeName, ClientId,
    /// Session, ChallengeResponses: {ANSWER, USERNAME}, ClientMetadata?: {handoff_binding}})`, written out: the
    /// page's must be the same bytes, or the page would send a second answer for a spent link (and end the session
    /// boot.js signed in). landing.test.mjs proves it end to end, with and without an edge.
    #[test]
    fn the_page_builds_the_respond_bodies_boot_js_builds() {
        let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln";
        let js = format!(
            r#"{{"ChallengeName":"CUSTOM_CHALLENGE","ClientId":"web","Session":"s\"1\n√","ChallengeResponses":{{"ANSWER":"{token}","USERNAME":"al\"ice\u001f√"}}}}"#
        );
        assert_eq!(
            crate::cognito::respond_body_bound("web", "s\"1\n√", "al\"ice\u{1f}√", token, None),
            js
        );
        let bound = format!(
            r#"{{"ChallengeName":"CUSTOM_CHALLENGE","ClientId":"web","Session":"s","ChallengeResponses":{{"ANSWER":"{token}","USERNAME":"u"}},"ClientMetadata":{{"handoff_binding":"p.q-_1"}}}}"#
        );
        assert_eq!(
            crate::cognito::respond_body_bound("web", "s", "u", token, Some("p.q-_1")),
            bound
        );
    }

    #[test]
    fn adopts_an_early_answer_at_any_age_only_for_the_same_request() {
        let body = initiate_auth_body("web", "alice");
        let e = early(&body);
        let target = Op::InitiateAuth.target();
        assert!(e.is(ENDPOINT, target, &body));
        assert!(!e.is(ENDPOINT, Op::RespondToAuthChallenge.target(), &body));
        assert!(!e.is("https://elsewhere.example/", target, &body));
        assert!(!e.is(ENDPOINT, target, &initiate_auth_body("web", "bob")));
    }

    #[test]
    fn adopts_only_the_same_request_while_fresh() {
        let body = initiate_auth_body("web", "alice");
        let e = early(&body);
        let target = Op::InitiateAuth.target();
        assert!(e.answers(ENDPOINT, target, &body, 1_000_000.0));
        assert!(e.answers(ENDPOINT, target, &body, 1_000_000.0 + MAX_AGE_MS));
        assert!(
            !e.answers(ENDPOINT, target, &body, 1_000_000.0 + MAX_AGE_MS + 1.0),
            "stale"
        );
        assert!(!e.answers(ENDPOINT, target, &body, 999_000.0), "from the future");
        assert!(
            !e.answers(ENDPOINT, target, &initiate_auth_body("web", "bob"), 1_000_000.0),
            "another user"
        );
        assert!(
            !e.answers("http://127.0.0.1:9/", target, &body, 1_000_000.0),
            "another endpoint"
        );
        assert!(
            !e.answers(ENDPOINT, Op::RespondToAuthChallenge.target(), &body, 1_000_000.0),
            "another call"
        );
    }
}
