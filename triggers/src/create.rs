//! CreateAuthChallenge: the public parameters tell the client to answer with the handoff token; the private
//! nonce (fresh randomness, >= 128 bits) names this sign-in attempt so the edge can tell a retried Verify
//! (same nonce: idempotent) from a second use of the token (another nonce: replayed).

use serde_json::{Value, json};

use crate::event::{CUSTOM_CHALLENGE, Event};

/// Random bytes in a challenge nonce (192 bits).
pub const NONCE_BYTES: usize = 24;
/// `challengeMetadata` of Handoff's round, visible to Define in later sessions.
pub const METADATA: &str = "HANDOFF_JWT";
/// The private challenge parameter that holds the nonce.
pub const NONCE_PARAM: &str = "nonce";

/// Why no challenge was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Cognito asked for a challenge other than `CUSTOM_CHALLENGE` (Define never asks for one).
    UnexpectedChallenge,
}

/// The nonce text for `random` bytes (base64url, no padding).
pub fn nonce(random: [u8; NONCE_BYTES]) -> String {
    handoff_core::base64url::encode(random)
}

/// The trigger's `response` object for `event`, with `nonce` as the private nonce. An unknown user gets the
/// same challenge (the decoy round, see [`crate::define`]).
pub fn respond(event: &Event, nonce: &str) -> Result<Value, Refusal> {
    // Absent means the documented default, CUSTOM_CHALLENGE; anything else was never asked for by Define.
    if let Some(name) = &event.request().challenge_name
        && name != CUSTOM_CHALLENGE
    {
        return Err(Refusal::UnexpectedChallenge);
    }
    Ok(json!({
        "publicChallengeParameters": {"handoff": "jwt"},
        "privateChallengeParameters": {NONCE_PARAM: nonce},
        "challengeMetadata": METADATA,
    }))
}
