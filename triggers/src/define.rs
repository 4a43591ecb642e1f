//! DefineAuthChallenge: one custom challenge, one attempt, for the configured web app clients only. The decision
//! reads only `callerContext.clientId`, `request.session` and `request.userNotFound`.
//!
//! The client check matters because a pool's triggers run for every app client: without it, any client that
//! allows `ALLOW_CUSTOM_AUTH` (a client made later for something else, or an admin client) would accept
//! handoff tokens, and the tokens it gets would carry that client's scopes and lifetimes.
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

/// Decides the next step of the flow for a sign-in through one of `web_clients`.
pub fn decide(event: &Event, web_clients: &[String]) -> Decision {
    if !event
        .client_id()
        .is_some_and(|client| web_clients.iter().any(|allowed| allowed == client))
    {
        return Decision::Fail("client_not_allowed");
    }
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
