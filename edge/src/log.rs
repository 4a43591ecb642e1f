//! One structured JSON log line per request: route, status, reason code, token fingerprint, detail, duration; and
//! one more, of the same shape, when work left to finish after the answer fails (the redeem's KV burn record).
//! Built once, after the answer, from typed fields only, so a token, secret or nonce cannot end up in it by
//! accident: the only token-derived field is [`handoff_core::fingerprint`]. What a line says beyond route,
//! status and time travels with the answer itself ([`Note`], carried by an error or a handler's reply), never
//! through a line shared on the side.

use handoff_core::Reason;
use handoff_core::json::{ObjectWriter, ToJson};

/// What an answer tells its log line: the token concerned and a detail for operators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Note {
    /// Fingerprint of the handoff token concerned, if any.
    pub token_fp: Option<String>,
    /// Internal detail for operators (a fixed description or a dependency's error, never input).
    pub detail: Option<String>,
}

impl Note {
    /// Nothing to say (usable in constants).
    pub const fn none() -> Self {
        Note {
            token_fp: None,
            detail: None,
        }
    }

    /// Records the token concerned, by fingerprint only.
    pub fn token(&mut self, token: &str) {
        self.token_fp = Some(handoff_core::fingerprint(token));
    }
}

/// A request's log line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize))]
pub struct LogLine {
    /// Route name, or `none` for 404/405.
    pub route: &'static str,
    /// HTTP status answered.
    pub status: u16,
    /// The reason code, for errors and refused redeems.
    #[cfg_attr(test, serde(skip_serializing_if = "Option::is_none"))]
    pub reason: Option<Reason>,
    /// Fingerprint of the handoff token concerned, if any.
    #[cfg_attr(test, serde(skip_serializing_if = "Option::is_none"))]
    pub token_fp: Option<String>,
    /// Internal detail for operators (a fixed description, never input).
    #[cfg_attr(test, serde(skip_serializing_if = "Option::is_none"))]
    pub detail: Option<String>,
    /// Milliseconds spent.
    pub ms: u64,
}

impl LogLine {
    /// The line of an answer with `status` and `reason` on `route`, with what its `note` says.
    pub fn new(route: &'static str, status: u16, reason: Option<Reason>, note: Note, ms: u64) -> Self {
        LogLine {
            route,
            status,
            reason,
            token_fp: note.token_fp,
            detail: note.detail,
            ms,
        }
    }
}

impl ToJson for LogLine {
    /// The line as one JSON object, its members in the order above, empty ones left out.
    fn write_json(&self, out: &mut String) {
        let mut w = ObjectWriter::new(out);
        w.str("route", self.route)
            .u64("status", u64::from(self.status))
            .opt_str("reason", self.reason.map(Reason::as_str))
            .opt_str("token_fp", self.token_fp.as_deref())
            .opt_str("detail", self.detail.as_deref())
            .u64("ms", self.ms);
        w.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_carries_the_fingerprint_never_the_token() {
        let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln";
        let mut note = Note::none();
        note.token(token);
        let json = LogLine::new("redeem", 200, Some(Reason::Replayed), note, 3).to_json();
        assert!(!json.contains(token) && !json.contains("eyJ"));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["reason"], "replayed");
        assert_eq!(value["token_fp"], handoff_core::fingerprint(token));
        assert_eq!(value["route"], "redeem");
    }

    #[test]
    fn the_fields_keep_their_order_and_empty_ones_are_left_out() {
        let note = Note {
            token_fp: None,
            detail: Some("KV read: down".into()),
        };
        assert_eq!(
            LogLine::new("redeem", 200, None, note, 7).to_json(),
            r#"{"route":"redeem","status":200,"detail":"KV read: down","ms":7}"#
        );
    }

    #[test]
    fn a_line_is_written_byte_for_byte_as_serde_json_wrote_it() {
        for (reason, token_fp, detail) in [
            (None, None, None),
            (
                Some(Reason::BadBinding),
                Some("fp"),
                Some("GetUser answered 500 (\"x\"\n)"),
            ),
        ] {
            let line = LogLine {
                route: "issue",
                status: 429,
                reason,
                token_fp: token_fp.map(str::to_owned),
                detail: detail.map(str::to_owned),
                ms: u64::MAX,
            };
            assert_eq!(line.to_json(), serde_json::to_string(&line).unwrap());
        }
    }
}
