//! The one HTTP agent every call of the CLI goes through: answers of any status are returned (not turned into
//! errors), redirects are never followed (a redirect would carry a bearer token to another host), one global
//! timeout, a `handoff-cli/<version>` user agent.

use std::time::Duration;

/// The timeout of calls to Cognito and the edge.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An agent with `timeout` for the whole of each call.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .user_agent(concat!("handoff-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Reads an answer's body as text, at most `limit` bytes.
pub fn text(response: &mut ureq::http::Response<ureq::Body>, limit: u64) -> Result<String, ureq::Error> {
    response.body_mut().with_config().limit(limit).read_to_string()
}
