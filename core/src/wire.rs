//! The JSON bodies of the edge API, shared by the edge, the trigger Lambda and the CLI so that all of them agree
//! on the wire format (golden fixtures in `tests/fixtures/wire/` prove it). Requests reject unknown fields.

use serde::{Deserialize, Serialize};

use crate::Reason;
use crate::json::{self, FromObject, Mismatch, Object, ObjectWriter, ToJson};

/// Largest request body the edge accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Path: issue a handoff token (Bearer Cognito access token).
pub const ISSUE_PATH: &str = "/v1/handoffs";
/// Path: redeem (verify and burn) a token (Bearer redeem secret).
pub const REDEEM_PATH: &str = "/v1/redeem";
/// Path: revoke the caller's live tokens (Bearer Cognito access token).
pub const REVOKE_PATH: &str = "/v1/revoke";
/// Path: the landing page asks for a context binding (`text/plain` body: the token; CORS from the web origin).
pub const BIND_PATH: &str = "/v1/bind";
/// The `ClientMetadata` key under which the page passes the binding to Cognito (and so to the Verify trigger).
pub const BINDING_METADATA_KEY: &str = "handoff_binding";
/// Path: the public key set.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Path: liveness.
pub const HEALTH_PATH: &str = "/healthz";
/// The URL fragment parameter that carries the token to the landing page.
pub const FRAGMENT_PARAM: &str = "handoff";

/// `POST /v1/handoffs` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Where the web app should land (a same-origin path inside the allowlist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
}

/// `201` answer of `POST /v1/handoffs`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueAnswer {
    /// The handoff token.
    pub token: String,
    /// The landing page URL with the token in its fragment.
    pub url: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// `POST /v1/redeem` body, sent by the Verify trigger.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The challenge answer: the handoff token.
    pub token: String,
    /// The Cognito user's `sub` (from the trigger's `userAttributes`).
    pub sub: String,
    /// The Cognito username.
    pub username: String,
    /// The app client id the sign-in runs through (`callerContext.clientId`).
    pub client_id: String,
    /// The challenge nonce from Create's private parameters; the same nonce makes a redeem idempotent.
    pub nonce: String,
    /// The context binding the landing page got from `/v1/bind` (Cognito `ClientMetadata`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
}

/// `200` answer of `POST /v1/bind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindAnswer {
    /// The binding, opaque to the page.
    pub binding: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// `200` answer of `POST /v1/redeem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeemAnswer {
    /// Whether the token was valid and is now burned for this nonce.
    pub ok: bool,
    /// Why not, when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

impl RedeemAnswer {
    /// The success answer.
    pub const OK: RedeemAnswer = RedeemAnswer {
        ok: true,
        reason: None,
    };

    /// A refusal with a reason.
    pub fn refused(reason: Reason) -> Self {
        RedeemAnswer {
            ok: false,
            reason: Some(reason),
        }
    }
}

/// `200` answer of `POST /v1/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeAnswer {
    /// How many live tokens were revoked.
    pub revoked: u32,
}

/// Every error answer: `{"error": "<reason_code>", "message": "..."}`. Never echoes a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// The stable reason code.
    pub error: Reason,
    /// A human-readable explanation.
    pub message: String,
}

impl ErrorBody {
    /// An error body.
    pub fn new(error: Reason, message: impl Into<String>) -> Self {
        ErrorBody {
            error,
            message: message.into(),
        }
    }
}

// The edge's readers and writers: the same JSON as the serde derives above (which the CLI and the triggers use),
// without serde's code in the worker. Tests in tests/wire.rs compare the two on every form.

impl FromObject for IssueRequest {
    fn from_object(o: &Object) -> Result<Self, Mismatch> {
        o.only(&["redirect"])?;
        Ok(IssueRequest {
            redirect: o.opt_str("redirect")?,
        })
    }
}

impl FromObject for RedeemRequest {
    fn from_object(o: &Object) -> Result<Self, Mismatch> {
        o.only(&["token", "sub", "username", "client_id", "nonce", "binding"])?;
        Ok(RedeemRequest {
            token: o.req_str("token")?,
            sub: o.req_str("sub")?,
            username: o.req_str("username")?,
            client_id: o.req_str("client_id")?,
            nonce: o.req_str("nonce")?,
            binding: o.opt_str("binding")?,
        })
    }
}

impl ToJson for IssueAnswer {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjectWriter::new(out);
        w.str("token", &self.token)
            .str("url", &self.url)
            .u64("expires_in", self.expires_in);
        w.end();
    }
}

impl ToJson for BindAnswer {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjectWriter::new(out);
        w.str("binding", &self.binding).u64("expires_in", self.expires_in);
        w.end();
    }
}

impl ToJson for RedeemAnswer {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjectWriter::new(out);
        w.bool("ok", self.ok)
            .opt_str("reason", self.reason.map(Reason::as_str));
        w.end();
    }
}

impl ToJson for RevokeAnswer {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjectWriter::new(out);
        w.u64("revoked", u64::from(self.revoked));
        w.end();
    }
}

impl ToJson for ErrorBody {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjectWriter::new(out);
        w.str("error", self.error.as_str()).str("message", &self.message);
        w.end();
    }
}

/// Reads a request body as the edge does: one JSON object of `T`'s members. `Err(None)` when the text is not
/// JSON, `Err(Some(_))` naming the wrong member when it is JSON of the wrong shape (as serde's error categories
/// told them apart; a repeated member name counts as a wrong shape, as serde's "duplicate field" did).
pub fn read_body<T: FromObject>(text: &str) -> Result<T, Option<Mismatch>> {
    match json::parse(text) {
        Ok(json::Value::Object(object)) => T::from_object(&object).map_err(Some),
        Ok(_) => Err(Some(Mismatch {
            member: String::new(),
            expected: "a JSON object",
        })),
        Err(e) if e.what == "repeated member name" => Err(Some(Mismatch {
            member: String::new(),
            expected: "an object without repeated member names",
        })),
        Err(_) => Err(None),
    }
}

// Tokens are secrets until burned: never print them.
impl std::fmt::Debug for IssueAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssueAnswer")
            .field("token", &crate::fingerprint(&self.token))
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RedeemRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedeemRequest")
            .field("token", &crate::fingerprint(&self.token))
            .field("sub", &self.sub)
            .field("username", &self.username)
            .field("client_id", &self.client_id)
            .field("nonce", &"***")
            .field("binding", &self.binding.as_ref().map(|_| "***"))
            .finish()
    }
}
