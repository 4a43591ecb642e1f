//! `GET /healthz`: liveness only (no dependency is called).

use worker::Response;

use crate::http;

/// `200 {"ok": true}`.
pub fn handle() -> Response {
    http::json_text(200, String::from(r#"{"ok":true}"#))
}
