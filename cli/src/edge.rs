//! The edge's issue call: `POST {edge}/v1/handoffs` with the Cognito access token.

use std::time::Duration;

use handoff_core::Reason;
use handoff_core::wire::{ErrorBody, ISSUE_PATH, IssueAnswer, IssueRequest};

/// Why the edge issued no link.
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

/// Asks the edge for a handoff link.
pub fn issue(edge_url: &str, access_token: &str, redirect: Option<&str>) -> Result<IssueAnswer, EdgeError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .max_redirects(0)
        .build()
        .into();
    let body = serde_json::to_vec(&IssueRequest {
        redirect: redirect.map(str::to_owned),
    })
    .map_err(|e| EdgeError::Unexpected(e.to_string()))?;
    let url = format!("{}{ISSUE_PATH}", edge_url.trim_end_matches('/'));
    let mut response = agent
        .post(&url)
        .header("authorization", &format!("Bearer {access_token}"))
        .header("content-type", "application/json")
        .send(&body[..])
        .map_err(|e| EdgeError::Network(e.to_string()))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| EdgeError::Network(e.to_string()))?;
    if status == 201 || status == 200 {
        return serde_json::from_str(&text).map_err(|e| EdgeError::Unexpected(e.to_string()));
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Err(EdgeError::Refused {
            status,
            reason: body.error,
            message: body.message,
            retry_after,
        }),
        Err(_) => Err(EdgeError::Unexpected(format!(
            "HTTP {status} without an error body"
        ))),
    }
}

/// The key ids the edge publishes at `/.well-known/jwks.json`, in its order (the edge lists its signing key
/// first). Key rotation checks with it that a step is deployed before the next one.
pub fn published_kids(edge_url: &str) -> Result<Vec<String>, EdgeError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .max_redirects(0)
        .build()
        .into();
    let url = format!(
        "{}{}",
        edge_url.trim_end_matches('/'),
        handoff_core::wire::JWKS_PATH
    );
    let mut response = agent
        .get(&url)
        .call()
        .map_err(|e| EdgeError::Network(e.to_string()))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(256 * 1024)
        .read_to_string()
        .map_err(|e| EdgeError::Network(e.to_string()))?;
    if status != 200 {
        return Err(EdgeError::Unexpected(format!("{url}: HTTP {status}")));
    }
    let set: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EdgeError::Unexpected(format!("{url}: {e}")))?;
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

/// Asks the edge for a context binding of `token`, as the landing page does (`text/plain` body).
pub fn bind(edge_url: &str, token: &str) -> Bind {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .max_redirects(0)
        .build()
        .into();
    let url = format!(
        "{}{}",
        edge_url.trim_end_matches('/'),
        handoff_core::wire::BIND_PATH
    );
    let mut response = match agent
        .post(&url)
        .header("content-type", "text/plain;charset=UTF-8")
        .send(token.as_bytes())
    {
        Ok(response) => response,
        Err(e) => return Bind::Unbound(e.to_string()),
    };
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    match status {
        200 => match serde_json::from_str::<handoff_core::wire::BindAnswer>(&text) {
            Ok(answer) => Bind::Bound(answer.binding),
            Err(e) => Bind::Unbound(format!("unreadable bind answer: {e}")),
        },
        403 if serde_json::from_str::<ErrorBody>(&text).is_ok_and(|b| b.error == Reason::WrongContext) => {
            Bind::WrongContext
        }
        other => Bind::Unbound(format!("HTTP {other}")),
    }
}
