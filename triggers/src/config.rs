//! Configuration from the Lambda's environment: where the edge is and the secret that authorises redeems.

use std::fmt;

/// Environment variable: the edge's base URL (`https://...`; plain `http` only for loopback).
pub const EDGE_URL_VAR: &str = "HANDOFF_EDGE_URL";
/// Environment variable: the bearer secret for `POST /v1/redeem`.
pub const SECRET_VAR: &str = "HANDOFF_REDEEM_SECRET";

/// The trigger's configuration. Only Verify needs it; Define and Create work without.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The edge's base URL, without a trailing slash.
    pub edge_url: String,
    /// The redeem secret.
    pub redeem_secret: String,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("edge_url", &self.edge_url)
            .field("redeem_secret", &"***")
            .finish()
    }
}

impl Config {
    /// Reads and checks the configuration from the process environment.
    pub fn from_env() -> Result<Config, String> {
        let get = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        Config::new(&get(EDGE_URL_VAR)?, &get(SECRET_VAR)?)
    }

    /// Checks and builds a configuration.
    pub fn new(edge_url: &str, redeem_secret: &str) -> Result<Config, String> {
        let edge_url = edge_url.trim().trim_end_matches('/');
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| {
                edge_url
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
            });
        if !(edge_url.starts_with("https://") && edge_url.len() > "https://".len() || loopback) {
            return Err(format!(
                "{EDGE_URL_VAR} must be an https:// URL (plain http only on loopback)"
            ));
        }
        if redeem_secret.trim().is_empty() {
            return Err(format!("{SECRET_VAR} is empty"));
        }
        Ok(Config {
            edge_url: edge_url.to_owned(),
            redeem_secret: redeem_secret.to_owned(),
        })
    }
}
