//! The parts of a Cognito user-pool trigger event that the triggers read. Deliberately tolerant (every member
//! optional, `null` accepted wherever AWS or an emulator may send it) because a parse failure must never be the
//! reason a decision differs; the decisions themselves fail closed on anything missing. The handler writes the
//! `response` into the original JSON, so members not modelled here are echoed back untouched.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

/// `triggerSource` of the Define trigger.
pub const DEFINE: &str = "DefineAuthChallenge_Authentication";
/// `triggerSource` of the Create trigger.
pub const CREATE: &str = "CreateAuthChallenge_Authentication";
/// `triggerSource` of the Verify trigger.
pub const VERIFY: &str = "VerifyAuthChallengeResponse_Authentication";
/// The only challenge Handoff asks for.
pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";

/// A Define, Create or Verify auth-challenge event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Event {
    /// Which trigger this is (`DefineAuthChallenge_Authentication`, ...).
    pub trigger_source: Option<String>,
    /// The Cognito username.
    pub user_name: Option<String>,
    /// The user pool id.
    pub user_pool_id: Option<String>,
    /// Who called Cognito.
    pub caller_context: Option<CallerContext>,
    /// The trigger-specific request.
    pub request: Option<Request>,
}

/// `callerContext`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CallerContext {
    /// The app client the sign-in runs through.
    pub client_id: Option<String>,
}

/// `request`, the union of the members the three triggers receive.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Request {
    /// The user's attributes (`sub`, `email`, ...). Empty when the user does not exist.
    pub user_attributes: Option<HashMap<String, Value>>,
    /// The rounds so far (Define, Create).
    pub session: Option<Vec<Option<ChallengeResult>>>,
    /// True when the user does not exist and the pool hides that (PreventUserExistenceErrors).
    pub user_not_found: Option<bool>,
    /// The challenge to create (Create).
    pub challenge_name: Option<String>,
    /// The user's answer (Verify). A string from every real client; anything else is refused.
    pub challenge_answer: Option<Value>,
    /// What Create stored privately for this round (Verify).
    pub private_challenge_parameters: Option<HashMap<String, Value>>,
    /// `ClientMetadata` of RespondToAuthChallenge (Verify; real Cognito passes it from that call only).
    pub client_metadata: Option<HashMap<String, Value>>,
}

/// One round in `request.session`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChallengeResult {
    /// `CUSTOM_CHALLENGE`, `SRP_A`, `PASSWORD_VERIFIER`, ...
    pub challenge_name: Option<String>,
    /// Verify's verdict; `null` while a round is pending.
    pub challenge_result: Option<bool>,
    /// What Create named the round.
    pub challenge_metadata: Option<String>,
}

impl Event {
    /// The request, or an empty one.
    pub fn request(&self) -> &Request {
        static EMPTY: Request = Request {
            user_attributes: None,
            session: None,
            user_not_found: None,
            challenge_name: None,
            challenge_answer: None,
            private_challenge_parameters: None,
            client_metadata: None,
        };
        self.request.as_ref().unwrap_or(&EMPTY)
    }

    /// Whether Cognito says the user does not exist.
    pub fn user_not_found(&self) -> bool {
        self.request().user_not_found.unwrap_or(false)
    }

    /// A string user attribute (`sub`, ...), if present and non-empty.
    pub fn user_attribute(&self, name: &str) -> Option<&str> {
        non_empty(self.request().user_attributes.as_ref()?.get(name)?.as_str())
    }

    /// The app client id, if present and non-empty.
    pub fn client_id(&self) -> Option<&str> {
        non_empty(self.caller_context.as_ref()?.client_id.as_deref())
    }

    /// The username, if present and non-empty.
    pub fn username(&self) -> Option<&str> {
        non_empty(self.user_name.as_deref())
    }

    /// A private challenge parameter that is a non-empty string.
    pub fn private_parameter(&self, name: &str) -> Option<&str> {
        non_empty(
            self.request()
                .private_challenge_parameters
                .as_ref()?
                .get(name)?
                .as_str(),
        )
    }
}

impl Event {
    /// The context binding the landing page passed as `ClientMetadata`, when it can be one (at most 1 KiB of
    /// base64url and dots: anything else is dropped, so the edge refuses for lack of a binding).
    pub fn binding(&self) -> Option<&str> {
        let value = self
            .request()
            .client_metadata
            .as_ref()?
            .get(handoff_core::wire::BINDING_METADATA_KEY)?
            .as_str()?;
        base64url_dotted(value, 1024).then_some(value)
    }
}

/// Whether `value` is non-empty, at most `max_len` bytes, and base64url and dots only (what a JWS compact token
/// or a binding can be; its JSON encoding is itself, byte for byte).
pub fn base64url_dotted(value: &str, max_len: usize) -> bool {
    !value.is_empty()
        && value.len() <= max_len
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}
