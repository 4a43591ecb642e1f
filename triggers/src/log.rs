//! Structured logs: one JSON object per line on stdout (Lambda ships stdout to CloudWatch Logs). One
//! [`LogLine`] per invocation and a [`Start`] line at start, built from typed fields only, so an answer, a nonce
//! or a secret cannot end up in a line by accident: the only answer-derived field is its fingerprint.

use std::fmt;
use std::io::Write;

use serde::Serialize;

/// How bad a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Normal operation, refusals included.
    Info,
    /// Degraded, still serving.
    Warn,
    /// The invocation failed, or nothing can sign in.
    Error,
}

/// One invocation's log line: which trigger, for whom, what it decided and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// `error` when the invocation fails, else `info`.
    pub level: Level,
    /// `triggerSource` as sent (empty when missing).
    pub trigger: String,
    /// The user pool (`null` when missing).
    pub user_pool_id: Option<String>,
    /// The app client (`null` when missing).
    pub client_id: Option<String>,
    /// Whether Cognito says the user does not exist.
    pub user_not_found: bool,
    /// What Define decided (Define lines only).
    #[serde(flatten)]
    pub define: Option<DefineLog>,
    /// What Verify decided and how the edge answered (Verify lines only).
    #[serde(flatten)]
    pub verify: Option<VerifyLog>,
    /// The reason code. Verify writes it always (`null` when the answer is correct); the other triggers only
    /// with a refusal or an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Option<String>>,
    /// The invocation error's outward message, when it fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Define's part of a [`LogLine`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefineLog {
    /// The decision's code (`custom_challenge`, `issue_tokens`, `client_not_allowed`, ...).
    pub decision: &'static str,
    /// Rounds in `request.session`.
    pub rounds: usize,
}

/// Verify's part of a [`LogLine`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyLog {
    /// The verdict: `true` only when the edge redeemed the token.
    pub answer_correct: bool,
    /// Without a verdict, the finer cause (`edge_unreachable`, `edge_timeout`, `not_configured`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    /// Fingerprint of the answer when it was a string (never the answer).
    pub answer_fp: Option<String>,
    /// Redeem calls made.
    pub attempts: u8,
    /// Whether the call was a probe (the event could not carry a valid answer).
    pub probe: bool,
    /// The last transport error, if any (it may name the edge's address: the log only, never the caller).
    pub edge_error: Option<String>,
    /// Milliseconds spent deciding.
    pub ms: u64,
}

impl LogLine {
    /// A line with nothing decided yet.
    pub fn new(
        trigger: String,
        user_pool_id: Option<String>,
        client_id: Option<String>,
        user_not_found: bool,
    ) -> Self {
        LogLine {
            level: Level::Info,
            trigger,
            user_pool_id,
            client_id,
            user_not_found,
            define: None,
            verify: None,
            reason: None,
            error: None,
        }
    }

    /// Marks the invocation failed with error `code` and outward `message`; a reason already set stays.
    pub fn failed(&mut self, code: &str, message: String) {
        self.level = Level::Error;
        if self.reason.as_ref().is_none_or(Option::is_none) {
            self.reason = Some(Some(code.to_owned()));
        }
        self.error = Some(message);
    }
}

/// The line as one JSON object.
impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&json(self))
    }
}

/// What the function says once, at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "msg")]
pub enum Start<'a> {
    /// Ready: where the edge is, which clients may sign in, where the secret comes from (`env` or
    /// `secretsmanager`).
    #[serde(rename = "configured")]
    Configured {
        /// The edge's base URL.
        edge_url: &'a str,
        /// The web app clients Define lets through.
        web_client_ids: &'a [String],
        /// `env` or `secretsmanager`.
        secret_source: &'static str,
    },
    /// The remote secret could not be read during init; the first redeem reads it again.
    #[serde(rename = "redeem secret not read at start")]
    SecretNotRead {
        /// Why (never the secret).
        error: &'a str,
    },
    /// The configuration is missing or invalid: Define and Verify fail every invocation.
    #[serde(rename = "not configured")]
    NotConfigured {
        /// What is wrong.
        error: &'a str,
        /// `misconfigured`.
        reason: &'static str,
    },
}

impl Start<'_> {
    /// The line's level.
    pub fn level(&self) -> Level {
        match self {
            Start::Configured { .. } => Level::Info,
            Start::SecretNotRead { .. } => Level::Warn,
            Start::NotConfigured { .. } => Level::Error,
        }
    }
}

/// Writes a start line.
pub fn start(what: &Start<'_>) {
    #[derive(Serialize)]
    struct Line<'a, 'b> {
        level: Level,
        #[serde(flatten)]
        what: &'a Start<'b>,
    }
    write_line(&json(&Line {
        level: what.level(),
        what,
    }));
}

/// Writes an invocation's line.
pub fn emit(line: &LogLine) {
    write_line(&json(line));
}

fn json(line: &impl Serialize) -> String {
    serde_json::to_string(line).unwrap_or_else(|_| String::from("{\"log\":\"unserializable\"}"))
}

/// Logging never fails the trigger.
fn write_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn line() -> LogLine {
        LogLine::new(
            "VerifyAuthChallengeResponse_Authentication".into(),
            None,
            Some("web".into()),
            false,
        )
    }

    #[test]
    fn a_verify_line_always_has_its_reason_and_nullable_fields() {
        let mut correct = line();
        correct.verify = Some(VerifyLog {
            answer_correct: true,
            cause: None,
            answer_fp: Some("0123456789abcdef".into()),
            attempts: 1,
            probe: false,
            edge_error: None,
            ms: 3,
        });
        correct.reason = Some(None);
        let value: Value = serde_json::from_str(&correct.to_string()).unwrap();
        assert_eq!(
            value,
            json!({
                "level": "info", "trigger": "VerifyAuthChallengeResponse_Authentication", "user_pool_id": null,
                "client_id": "web", "user_not_found": false, "answer_correct": true, "answer_fp": "0123456789abcdef",
                "attempts": 1, "probe": false, "edge_error": null, "ms": 3, "reason": null,
            })
        );
    }

    #[test]
    fn a_failure_keeps_a_reason_already_set_and_fills_a_missing_one() {
        let mut refused = line();
        refused.reason = Some(Some("unavailable".into()));
        refused.failed("other", "message".into());
        assert_eq!(refused.reason, Some(Some("unavailable".into())));
        assert_eq!(refused.level, Level::Error);
        let mut unknown = line();
        unknown.failed("unknown_trigger", "unsupported".into());
        let value: Value = serde_json::from_str(&unknown.to_string()).unwrap();
        assert_eq!(value["reason"], "unknown_trigger");
        assert_eq!(value["error"], "unsupported");
        assert!(value.get("decision").is_none() && value.get("answer_correct").is_none());
    }

    #[test]
    fn start_lines_carry_their_level_and_message() {
        let clients = vec!["web".to_owned()];
        let configured = Start::Configured {
            edge_url: "https://edge.example",
            web_client_ids: &clients,
            secret_source: "env",
        };
        let value = serde_json::to_value(&configured).unwrap();
        assert_eq!(value["msg"], "configured");
        assert_eq!(configured.level(), Level::Info);
        let not = Start::NotConfigured {
            error: "HANDOFF_EDGE_URL is not set",
            reason: "misconfigured",
        };
        assert_eq!(
            serde_json::to_value(&not).unwrap(),
            json!({"msg": "not configured", "error": "HANDOFF_EDGE_URL is not set", "reason": "misconfigured"})
        );
    }
}
