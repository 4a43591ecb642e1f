//! `GET /healthz`: liveness only (no dependency is called).

use crate::http::{self, Answer};

/// `200 {"ok": true}`.
pub fn handle() -> Answer {
    http::json_text(200, String::from(r#"{"ok":true}"#))
}
