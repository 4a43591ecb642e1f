//! Structured logs: one JSON object per line on stdout (Lambda ships stdout to CloudWatch Logs). Records carry
//! reason codes and token fingerprints; never an answer, a nonce or a secret.

use std::io::Write;

use serde_json::Value;

/// Writes `record` as one line. Logging never fails the trigger.
pub fn emit(record: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{record}");
    let _ = out.flush();
}
