//! DefineAuthChallenge: one custom challenge, one attempt. The decision reads only `request.session` and
//! `request.userNotFound`.
//!
//! An unknown user gets the same first step as a known one (a custom challenge) and then fails like a bad
//! token: failing at once would make `InitiateAuth` itself fail for unknown users only, which tells a caller
//! which usernames exist. Cognito's PreventUserExistenceErrors exists to hide exactly that.

use serde_json::{Value, json};

use crate::event::{CUSTOM_CHALLENGE, ChallengeResult, Event};

/// What Define answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Ask the client for a custom challenge answer (a fresh flow, or a decoy round for an unknown user).
    Challenge,
    /// The one custom challenge was answered correctly: issue tokens.
    IssueTokens,
    /// Stop; the code says why (for logs only, never for the caller).
    Fail(&'static str),
}

impl Decision {
    /// The stable code logged for this decision.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Challenge => "custom_challenge",
            Decision::IssueTokens => "issue_tokens",
            Decision::Fail(code) => code,
        }
    }

    /// The trigger's `response` object.
    pub fn response(self) -> Value {
        match self {
            Decision::Challenge => {
                json!({"challengeName": CUSTOM_CHALLENGE, "issueTokens": false, "failAuthentication": false})
            }
            Decision::IssueTokens => json!({"issueTokens": true, "failAuthentication": false}),
            Decision::Fail(_) => json!({"issueTokens": false, "failAuthentication": true}),
        }
    }
}

/// Decides the next step of the flow.
pub fn decide(event: &Event) -> Decision {
    let session: Vec<Option<&ChallengeResult>> = match &event.request().session {
        Some(rounds) => rounds.iter().map(Option::as_ref).collect(),
        None => Vec::new(),
    };
    match session.as_slice() {
        [] => Decision::Challenge,
        _ if event.user_not_found() => Decision::Fail("user_not_found"),
        [Some(round)] if round.challenge_name.as_deref() != Some(CUSTOM_CHALLENGE) => {
            Decision::Fail("unexpected_challenge")
        }
        [Some(round)] if round.challenge_result == Some(true) => Decision::IssueTokens,
        [_] => Decision::Fail("challenge_failed"),
        _ => Decision::Fail("too_many_rounds"),
    }
}
