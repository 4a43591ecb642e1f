//! The production [`Redeemer`]: `POST {edge}/v1/redeem` over HTTPS (rustls) with a hard deadline. When the edge
//! refuses the secret (401) and the secret comes from Secrets Manager, it is read again and the call made once
//! more: that is how a redeem-secret rotation reaches warm functions without a redeploy.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use handoff_core::wire::{MAX_BODY_BYTES, REDEEM_PATH, RedeemAnswer, RedeemRequest};
use ureq::Agent;

use crate::Config;
use crate::secrets::SecretStore;
use crate::verify::{RedeemError, Redeemer};

/// Connecting may take at most this long, so that a retry still fits in the budget.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(800);

/// Redeems through the edge's HTTP API.
pub struct HttpRedeemer {
    agent: Agent,
    url: String,
    secret: SecretStore,
}

impl HttpRedeemer {
    /// A client for the configured edge, presenting the secret from `secret`.
    pub fn new(config: &Config, secret: SecretStore) -> Self {
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

impl HttpRedeemer {
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
