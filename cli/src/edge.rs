//! The edge's API as the mobile app and the landing page call it: issue a link (`POST /v1/handoffs`), revoke the
//! user's live links (`POST /v1/revoke`), both with the Cognito access token; ask for a context binding
//! (`POST /v1/bind`); read the published key ids (`GET /.well-known/jwks.json`). Wire types are core's.

use handoff_core::Reason;
use handoff_core::wire::{
    BIND_PATH, BindAnswer, ErrorBody, ISSUE_PATH, IssueAnswer, IssueRequest, JWKS_PATH, REVOKE_PATH,
    RevokeAnswer,
};
use serde::de::DeserializeOwned;

use crate::http;

/// Largest answer read from the edge (a JWK Set is the largest).
const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// Why the edge did not do what was asked.
#[derive(Debug)]
pub enum EdgeError {
    /// The edge answered with an error body.
    Refused {
        /// HTTP status.
        status: u16,
        /// The reason code.
        reason: Reason,
        /// The edge's message.
        message: String,
        /// `Retry-After`, for 429.
        retry_after: Option<String>,
    },
    /// No usable answer.
    Network(String),
    /// An answer that is not the wire format.
    Unexpected(String),
}

impl std::fmt::Display for EdgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EdgeError::Refused {
                status,
                reason,
                message,
                retry_after,
            } => {
                write!(f, "the edge refused ({status} {reason}): {message}")?;
                match retry_after {
                    Some(s) => write!(f, "; retry after {s} s"),
                    None => Ok(()),
                }
            }
            EdgeError::Network(m) => write!(f, "cannot reach the edge: {m}"),
            EdgeError::Unexpected(m) => write!(f, "unexpected answer from the edge: {m}"),
        }
    }
}

/// What `/v1/bind` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    /// A context binding for the token, to pass as `ClientMetadata`.
    Bound(String),
    /// The link was asked for in another network context: it will not sign in from here.
    WrongContext,
    /// No binding (binding off at the edge, the edge unreachable or refusing): go on without; the edge decides.
    Unbound(String),
}

/// One edge, by its base URL (checked by the caller: see [`crate::url::checked`]).
pub struct Edge {
    base: String,
    agent: ureq::Agent,
}

/// An answer: status, `Retry-After`, body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    text: String,
}

impl Edge {
    /// The edge at `base_url` (e.g. `https://handoff.example.com`).
    pub fn new(base_url: &str) -> Edge {
        Edge {
            base: base_url.trim_end_matches('/').to_owned(),
            agent: http::agent(http::TIMEOUT),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST path` with a bearer access token and a JSON body.
    fn post_json(&self, path: &str, access_token: &str, body: &[u8]) -> Result<Answer, EdgeError> {
        let response = self
            .agent
            .post(&self.url(path))
            .header("authorization", &format!("Bearer {access_token}"))
            .header("content-type", "application/json")
            .send(body);
        read(response)
    }

    /// Asks for a handoff link for the access token's user.
    pub fn issue(&self, access_token: &str, redirect: Option<&str>) -> Result<IssueAnswer, EdgeError> {
        let body = serde_json::to_vec(&IssueRequest {
            redirect: redirect.map(str::to_owned),
        })
        .map_err(|e| EdgeError::Unexpected(e.to_string()))?;
        let answer = self.post_json(ISSUE_PATH, access_token, &body)?;
        expect(answer, &[200, 201])
    }

    /// Revokes every live link of the access token's user; the answer counts them.
    pub fn revoke(&self, access_token: &str) -> Result<RevokeAnswer, EdgeError> {
        let answer = self.post_json(REVOKE_PATH, access_token, b"{}")?;
        expect(answer, &[200])
    }

    /// The key ids the edge publishes at `/.well-known/jwks.json`, in its order (the edge lists its signing key
    /// first). Key rotation checks with it that a step is deployed before the next one.
    pub fn published_kids(&self) -> Result<Vec<String>, EdgeError> {
        let url = self.url(JWKS_PATH);
        let answer = read(self.agent.get(&url).call())?;
        if answer.status != 200 {
            return Err(EdgeError::Unexpected(format!("{url}: HTTP {}", answer.status)));
        }
        let set: serde_json::Value =
            serde_json::from_str(&answer.text).map_err(|e| EdgeError::Unexpected(format!("{url}: {e}")))?;
        set["keys"]
            .as_array()
            .ok_or_else(|| EdgeError::Unexpected(format!("{url}: not a JWK Set")))?
            .iter()
            .map(|k| {
                k["kid"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| EdgeError::Unexpected(format!("{url}: a key without kid")))
            })
            .collect()
    }

    /// Asks for a context binding of `token`, as the landing page does (`text/plain` body).
    pub fn bind(&self, token: &str) -> Bind {
        let response = self
            .agent
            .post(&self.url(BIND_PATH))
            .header("content-type", "text/plain;charset=UTF-8")
            .send(token.as_bytes());
        let answer = match read(response) {
            Ok(answer) => answer,
            Err(e) => return Bind::Unbound(e.to_string()),
        };
        match answer.status {
            200 => match serde_json::from_str::<BindAnswer>(&answer.text) {
                Ok(bound) => Bind::Bound(bound.binding),
                Err(e) => Bind::Unbound(format!("unreadable bind answer: {e}")),
            },
            403 if serde_json::from_str::<ErrorBody>(&answer.text)
                .is_ok_and(|b| b.error == Reason::WrongContext) =>
            {
                Bind::WrongContext
            }
            other => Bind::Unbound(format!("HTTP {other}")),
        }
    }
}

fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Answer, EdgeError> {
    let mut response = response.map_err(|e| EdgeError::Network(e.to_string()))?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Answer {
        status: response.status().as_u16(),
        retry_after,
        text: http::text(&mut response, MAX_ANSWER_BYTES).map_err(|e| EdgeError::Network(e.to_string()))?,
    })
}

/// The answer's body as `T` for a success status, else the edge's error.
fn expect<T: DeserializeOwned>(answer: Answer, success: &[u16]) -> Result<T, EdgeError> {
    if success.contains(&answer.status) {
        return serde_json::from_str(&answer.text).map_err(|e| EdgeError::Unexpected(e.to_string()));
    }
    match serde_json::from_str::<ErrorBody>(&answer.text) {
        Ok(body) => Err(EdgeError::Refused {
            status: answer.status,
            reason: body.error,
            message: body.message,
            retry_after: answer.retry_after,
        }),
        Err(_) => Err(EdgeError::Unexpected(format!(
            "HTTP {} without an error body",
            answer.status
        ))),
    }
}
