//! Asking the edge to redeem: one `POST {edge}/v1/redeem` with the redeem secret as bearer credential, at most
//! one retry within [`BUDGET`], and what each failure means ([`RedeemError::no_verdict`]).
//!
//! [`Redeemer`] is the one call; [`HttpRedeemer`] makes it over HTTPS (rustls) with a hard deadline, and tests
//! script it. When the edge refuses the secret (401) and the secret comes from Secrets Manager, it is read again
//! and the call made once more: that is how a redeem-secret rotation reaches warm functions without a redeploy.
//!
//! [`ask`] holds the retry rule. The budget for the whole redeem, including at most one retry, is [`BUDGET`]:
//! well inside Cognito's 5 s trigger limit. A failure that a second call may not meet is retried
//! ([`RedeemError::worth_retrying`]): a connection error (the request never reached the edge, or did not finish
//! connecting), a connection lost mid-answer, and the edge or a proxy in front of it answering 502, 503 or 504.
//! The retry carries the same nonce, and the edge answers the same nonce the same way, so a redeem that did reach
//! the ledger before its answer was lost still signs in, and is never spent twice.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use handoff_core::Reason;
use handoff_core::wire::{MAX_BODY_BYTES, REDEEM_PATH, RedeemAnswer, RedeemRequest};
use ureq::Agent;

use crate::TriggerConfig;
use crate::secrets::SecretStore;

/// Total time a Verify may spend on the edge, retry included.
pub const BUDGET: Duration = Duration::from_secs(2);
/// A retry is only worth starting with at least this much budget left.
const MIN_RETRY_BUDGET: Duration = Duration::from_millis(100);
/// Connecting may take at most this long, so that a retry still fits in the budget.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(800);

/// Something that can ask the edge to redeem a token: the HTTP client in production, fakes in tests.
pub trait Redeemer: Send + Sync {
    /// One `POST /v1/redeem`, giving up at `deadline`.
    fn redeem(&self, request: &RedeemRequest, deadline: Instant) -> Result<RedeemAnswer, RedeemError>;
}

/// The edge's answer to [`ask`], and how many calls it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The last call's answer or failure.
    pub answer: Result<RedeemAnswer, RedeemError>,
    /// Calls made: 1, or 2 after a failure worth retrying.
    pub attempts: u8,
}

/// Asks `redeemer` to redeem `request` before `deadline`, once more after a failure worth retrying when at
/// least 100 ms are left.
pub fn ask(redeemer: &dyn Redeemer, request: &RedeemRequest, deadline: Instant) -> Asked {
    let answer = redeemer.redeem(request, deadline);
    let retry = answer.as_ref().is_err_and(RedeemError::worth_retrying)
        && deadline.saturating_duration_since(Instant::now()) >= MIN_RETRY_BUDGET;
    if retry {
        return Asked {
            answer: redeemer.redeem(request, deadline),
            attempts: 2,
        };
    }
    Asked { answer, attempts: 1 }
}

/// Why a redeem call produced no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemError {
    /// The connection could not be set up (refused, unreachable, DNS, connect timeout): safe to retry.
    Connect(String),
    /// The edge did not answer within the time left.
    Timeout,
    /// The edge answered with a status other than 200.
    Status(u16),
    /// The edge answered 200 with a body that is not a redeem answer.
    Garbage(String),
    /// Any other transport failure (reset mid-response, TLS, ...).
    Transport(String),
    /// The redeem secret could not be read (Secrets Manager unreachable, access denied, empty secret).
    Secret(String),
}

impl RedeemError {
    /// The stable code logged.
    pub fn code(&self) -> &'static str {
        match self {
            RedeemError::Connect(_) => "edge_unreachable",
            RedeemError::Timeout => "edge_timeout",
            RedeemError::Status(_) => "edge_status",
            RedeemError::Garbage(_) => "edge_garbage",
            RedeemError::Transport(_) => "edge_transport",
            RedeemError::Secret(_) => "secret_unavailable",
        }
    }

    /// Whether a second call, with the same nonce, may get an answer where this one did not: a connection not
    /// made or lost mid-answer, or a `502` / `503` / `504` (the edge's `unavailable`, or a proxy in front of it).
    /// Not a timeout (the budget is spent), nor an answer that another call would repeat (`4xx`, a `500`
    /// `internal`, a body that is not a redeem answer), nor the secret.
    pub fn worth_retrying(&self) -> bool {
        matches!(
            self,
            RedeemError::Connect(_) | RedeemError::Transport(_) | RedeemError::Status(502..=504)
        )
    }

    /// Whether this failure means "down" or "set up wrong".
    pub fn no_verdict(&self) -> NoVerdict {
        match self {
            RedeemError::Connect(_) | RedeemError::Timeout | RedeemError::Transport(_) => {
                NoVerdict::Unavailable
            }
            // Secrets Manager down or refusing: the edge never saw the token, so nothing was spent.
            RedeemError::Secret(_) => NoVerdict::Misconfigured,
            RedeemError::Status(s) if *s >= 500 || *s == 408 || *s == 429 => NoVerdict::Unavailable,
            // 401 (the secret is not accepted), 400/404/405 (not our edge or not our wire format), anything else.
            RedeemError::Status(_) => NoVerdict::Misconfigured,
            // A 200 that is not a redeem answer: something other than the edge answers at that URL.
            RedeemError::Garbage(_) => NoVerdict::Misconfigured,
        }
    }
}

impl std::fmt::Display for RedeemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedeemError::Connect(m) => write!(f, "cannot connect to the edge: {m}"),
            RedeemError::Timeout => f.write_str("the edge did not answer in time"),
            RedeemError::Status(s) => write!(f, "the edge answered HTTP {s}"),
            RedeemError::Garbage(m) => write!(f, "the edge's answer is not a redeem answer: {m}"),
            RedeemError::Transport(m) => write!(f, "transport error: {m}"),
            RedeemError::Secret(m) => write!(f, "cannot read the redeem secret: {m}"),
        }
    }
}

/// Why Verify could not reach a verdict: the trigger then fails the invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoVerdict {
    /// The edge is down, slow or failing (connection, timeout, 5xx): retrying later may work.
    Unavailable,
    /// The trigger or the edge is set up wrong (no configuration, a rejected secret, a URL that is not the edge).
    Misconfigured,
}

impl NoVerdict {
    /// The stable reason code (`unavailable` or `misconfigured`), logged and put in the error message.
    pub const fn code(self) -> &'static str {
        match self {
            NoVerdict::Unavailable => Reason::Unavailable.as_str(),
            NoVerdict::Misconfigured => Reason::Misconfigured.as_str(),
        }
    }
}

/// Redeems through the edge's HTTP API.
pub struct HttpRedeemer {
    agent: Agent,
    url: String,
    secret: SecretStore,
}

impl HttpRedeemer {
    /// A client for the configured edge, presenting the secret from `secret`.
    pub fn new(config: &TriggerConfig, secret: SecretStore) -> Self {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("handoff-triggers/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpRedeemer {
            agent,
            url: format!("{}{REDEEM_PATH}", config.edge_url),
            secret,
        }
    }

    fn post(
        &self,
        request: &RedeemRequest,
        secret: &str,
        deadline: Instant,
    ) -> Result<RedeemAnswer, RedeemError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(RedeemError::Timeout);
        }
        let body = serde_json::to_vec(request).map_err(|e| RedeemError::Transport(e.to_string()))?;
        let mut response = self
            .agent
            .post(&self.url)
            .header("authorization", &format!("Bearer {secret}"))
            .header("content-type", "application/json")
            .config()
            .timeout_global(Some(left))
            .timeout_connect(Some(left.min(CONNECT_TIMEOUT)))
            .build()
            .send(&body[..])
            .map_err(classify)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(RedeemError::Status(status));
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES as u64)
            .read_to_string()
            .map_err(classify)?;
        serde_json::from_str(&text).map_err(|e| RedeemError::Garbage(e.to_string()))
    }
}

impl Redeemer for HttpRedeemer {
    fn redeem(&self, request: &RedeemRequest, deadline: Instant) -> Result<RedeemAnswer, RedeemError> {
        let secret = self.secret.current().map_err(RedeemError::Secret)?;
        match self.post(request, &secret, deadline) {
            // A refused secret may have been rotated: read it again (rate-limited) and retry once if it changed.
            Err(RedeemError::Status(401)) if self.secret.refresh().map_err(RedeemError::Secret)? => {
                let secret = self.secret.current().map_err(RedeemError::Secret)?;
                self.post(request, &secret, deadline)
            }
            other => other,
        }
    }
}

/// The failure an HTTP error stands for: connection errors apart, since only they are retried.
fn classify(err: ureq::Error) -> RedeemError {
    use ureq::Timeout;
    match err {
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => RedeemError::Connect(err.to_string()),
        ureq::Error::Timeout(_) => RedeemError::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => RedeemError::Connect(err.to_string()),
        ureq::Error::Io(ref io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::HostUnreachable
            ) =>
        {
            RedeemError::Connect(err.to_string())
        }
        ureq::Error::Io(ref io) if io.kind() == ErrorKind::TimedOut => RedeemError::Timeout,
        ureq::Error::BodyExceedsLimit(_) | ureq::Error::Json(_) => RedeemError::Garbage(err.to_string()),
        other => RedeemError::Transport(other.to_string()),
    }
}
