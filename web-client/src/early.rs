//! The calls that `boot.js` (www/landing/boot.js) sends while the page's code is still downloading: `InitiateAuth`
//! and, with an edge, the bind call, left in `window.handoffEarly` (`{initiateAuth, bind}`). The page adopts an
//! answer in place of its own call only when the request is exactly the one it would have sent (same URL,
//! operation and body, byte for byte) and recent enough that Cognito's session in the answer is still alive;
//! otherwise the page sends its own call. Either way the answer goes through the same reading and retries as any
//! other ([`crate::flow`]).

/// How long an early answer stays usable: Cognito's auth sessions last at least three minutes; a page that waited
/// longer (a person reading the switch screen) sends its own call.
pub const MAX_AGE_MS: f64 = 60_000.0;

/// The global `boot.js` leaves the early calls in.
pub const GLOBAL: &str = "handoffEarly";
/// Its member for `InitiateAuth`.
pub const INITIATE_AUTH: &str = "initiateAuth";
/// Its member for the edge's bind call (whose `target` is empty).
pub const BIND: &str = "bind";

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
        self.url == url && self.target == target && self.body == body && (0.0..=MAX_AGE_MS).contains(&age)
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
