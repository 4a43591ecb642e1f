//! One structured JSON log line per request: route, status, reason code, token fingerprint, duration. Built
//! from typed fields only, so a token, secret or nonce cannot end up in it by accident: the only token-derived
//! field is [`handoff_core::fingerprint`].

use handoff_core::Reason;
use serde::Serialize;

/// A request's log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Route name, or `none` for 404/405.
    pub route: &'static str,
    /// HTTP status answered.
    pub status: u16,
    /// The reason code, for errors and refused redeems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Fingerprint of the handoff token concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_fp: Option<String>,
    /// Internal detail for operators (a fixed description, never input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Milliseconds spent.
    pub ms: u64,
}

impl LogLine {
    /// A line for `route` with nothing else known yet.
    pub fn new(route: &'static str) -> Self {
        LogLine {
            route,
            status: 0,
            reason: None,
            token_fp: None,
            detail: None,
            ms: 0,
        }
    }

    /// Records the token concerned, by fingerprint only.
    pub fn token(&mut self, token: &str) {
        self.token_fp = Some(handoff_core::fingerprint(token));
    }

    /// The line as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"log\":\"unserializable\"}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_carries_the_fingerprint_never_the_token() {
        let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln";
        let mut line = LogLine::new("redeem");
        line.status = 200;
        line.reason = Some(Reason::Replayed);
        line.token(token);
        let json = line.to_json();
        assert!(!json.contains(token) && !json.contains("eyJ"));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["reason"], "replayed");
        assert_eq!(value["token_fp"], handoff_core::fingerprint(token));
        assert_eq!(value["route"], "redeem");
    }
}
