//! Configuration from the Lambda's environment: where the edge is, where the redeem secret comes from, and
//! which web app clients may sign in with a handoff.

use std::fmt;

/// Environment variable: the edge's base URL (`https://...`; plain `http` only for loopback).
pub const EDGE_URL_VAR: &str = "HANDOFF_EDGE_URL";
/// Environment variable: the bearer secret for `POST /v1/redeem`, as a value (local stacks and tests).
pub const SECRET_VAR: &str = "HANDOFF_REDEEM_SECRET";
/// Environment variable: the Secrets Manager secret (ARN or name) holding the redeem secret (production).
pub const SECRET_ARN_VAR: &str = "HANDOFF_REDEEM_SECRET_ARN";
/// Environment variable: the web app client ids (comma-separated) allowed to use the handoff sign-in.
pub const WEB_CLIENTS_VAR: &str = "HANDOFF_WEB_CLIENT_IDS";

/// Where the redeem secret comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The value itself (from [`SECRET_VAR`]).
    Value(String),
    /// A Secrets Manager secret id (from [`SECRET_ARN_VAR`]), read with the function's own credentials.
    SecretsManager(String),
}

impl SecretSource {
    /// Where the secret comes from, for the start log: `env` or `secretsmanager`.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretSource::Value(_) => "env",
            SecretSource::SecretsManager(_) => "secretsmanager",
        }
    }
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Value(_) => f.write_str("Value(***)"),
            SecretSource::SecretsManager(id) => f.debug_tuple("SecretsManager").field(id).finish(),
        }
    }
}

/// The trigger's configuration. Every trigger needs it: Define refuses clients not in [`TriggerConfig::web_client_ids`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerConfig {
    /// The edge's base URL, without a trailing slash.
    pub edge_url: String,
    /// Where the redeem secret comes from.
    pub redeem_secret: SecretSource,
    /// App clients whose custom-auth sign-ins are handoffs; Define fails every other client.
    pub web_client_ids: Vec<String>,
}

impl TriggerConfig {
    /// Reads and checks the configuration from the process environment.
    pub fn from_env() -> Result<TriggerConfig, String> {
        TriggerConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads and checks the configuration through `get` (the environment in production).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<TriggerConfig, String> {
        let edge_url = required(&get, EDGE_URL_VAR)?;
        let secret = match (setting(&get, SECRET_VAR), setting(&get, SECRET_ARN_VAR)) {
            (Some(_), Some(_)) => {
                return Err(format!("set {SECRET_VAR} or {SECRET_ARN_VAR}, not both"));
            }
            (Some(value), None) => SecretSource::Value(value),
            (None, Some(id)) => SecretSource::SecretsManager(id.trim().to_owned()),
            (None, None) => return Err(format!("neither {SECRET_VAR} nor {SECRET_ARN_VAR} is set")),
        };
        let clients = required(&get, WEB_CLIENTS_VAR)?;
        TriggerConfig::new(&edge_url, secret, &clients)
    }

    /// Checks and builds a configuration.
    pub fn new(
        edge_url: &str,
        redeem_secret: SecretSource,
        web_client_ids: &str,
    ) -> Result<TriggerConfig, String> {
        let edge_url = edge_url.trim().trim_end_matches('/');
        check_url(EDGE_URL_VAR, edge_url)?;
        if let SecretSource::Value(value) = &redeem_secret
            && value.trim().is_empty()
        {
            return Err(format!("{SECRET_VAR} is empty"));
        }
        let web_client_ids: Vec<String> = web_client_ids
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        if web_client_ids.is_empty() {
            return Err(format!("{WEB_CLIENTS_VAR} names no client"));
        }
        if let Some(bad) = web_client_ids.iter().find(|c| {
            c.len() > 128
                || !c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }) {
            return Err(format!("{WEB_CLIENTS_VAR}: {bad:?} is not an app client id"));
        }
        Ok(TriggerConfig {
            edge_url: edge_url.to_owned(),
            redeem_secret,
            web_client_ids,
        })
    }
}

/// Setting `name` read through `get` (the process environment in production); blank counts as unset.
pub fn setting(get: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    get(name).filter(|v| !v.trim().is_empty())
}

/// [`setting`], or an error naming it.
pub fn required(get: &impl Fn(&str) -> Option<String>, name: &str) -> Result<String, String> {
    setting(get, name).ok_or_else(|| format!("{name} is not set"))
}

/// A lookup over `pairs`, standing in for the environment in tests.
#[cfg(test)]
pub(crate) fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

/// An `https://host[:port][/path]` URL, or `http://` to a loopback host; never with userinfo (`user@host`
/// would send the secret to whatever host follows the `@`), a query or a fragment. `name` names the setting
/// in the error.
pub fn check_url(name: &str, url: &str) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("{name} {why}"));
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => return refuse("must be an https:// URL"),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return refuse("must not contain user information (`user@host`)");
    }
    if rest.contains(['?', '#', '\\']) || url.contains(char::is_whitespace) {
        return refuse("must be a plain URL (no query, fragment, backslash or spaces)");
    }
    let host = host_of(authority).ok_or_else(|| format!("{name} has no valid host"))?;
    match scheme.as_str() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => refuse("must be an https:// URL (plain http only on loopback)"),
        _ => refuse("must be an https:// URL"),
    }
}

/// The host of `host[:port]` or `[v6][:port]`, lowercased; `None` when empty or the port is not a number.
fn host_of(authority: &str) -> Option<String> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() || port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> SecretSource {
        SecretSource::Value(s.into())
    }

    #[test]
    fn edge_urls_must_be_https_or_loopback_http_without_userinfo() {
        for ok in [
            "https://edge.example",
            "https://edge.example:8443/",
            "https://edge.example/base",
            "http://127.0.0.1:8787",
            "http://localhost",
            "http://[::1]:9000",
            "http://127.1.2.3",
        ] {
            assert!(TriggerConfig::new(ok, value("s"), "c1").is_ok(), "{ok}");
        }
        for bad in [
            "http://edge.example",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1:@evil.example",
            "http://127.0.0.1@evil.example",
            "https://user:pass@edge.example",
            "https://",
            "https://:443",
            "https://edge.example:notaport",
            "ftp://edge.example",
            "edge.example",
            "https://edge.example/?x=1",
            "https://edge.example/#x",
            "http://localhost\\@evil.example",
        ] {
            assert!(TriggerConfig::new(bad, value("s"), "c1").is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_one_secret_source_and_the_client_list() {
        let env = lookup;
        let config = TriggerConfig::from_lookup(env(&[
            (EDGE_URL_VAR, "https://edge.example/"),
            (
                SECRET_ARN_VAR,
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:handoff-AbCdEf",
            ),
            (WEB_CLIENTS_VAR, " web1, web2 ,"),
        ]))
        .unwrap();
        assert_eq!(config.edge_url, "https://edge.example");
        assert_eq!(
            config.redeem_secret,
            SecretSource::SecretsManager(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:handoff-AbCdEf".into()
            )
        );
        assert_eq!(config.web_client_ids, ["web1", "web2"]);

        let both = TriggerConfig::from_lookup(env(&[
            (EDGE_URL_VAR, "https://edge.example"),
            (SECRET_VAR, "s"),
            (SECRET_ARN_VAR, "arn"),
            (WEB_CLIENTS_VAR, "web1"),
        ]));
        assert!(both.unwrap_err().contains("not both"));
        let none = TriggerConfig::from_lookup(env(&[
            (EDGE_URL_VAR, "https://edge.example"),
            (WEB_CLIENTS_VAR, "w"),
        ]));
        assert!(none.unwrap_err().contains("neither"));
        let no_clients =
            TriggerConfig::from_lookup(env(&[(EDGE_URL_VAR, "https://edge.example"), (SECRET_VAR, "s")]));
        assert!(no_clients.unwrap_err().contains(WEB_CLIENTS_VAR));
        assert!(TriggerConfig::new("https://edge.example", value("s"), " , ").is_err());
        assert!(TriggerConfig::new("https://edge.example", value("s"), "web/1").is_err());
        assert!(TriggerConfig::new("https://edge.example", value(" "), "web1").is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let config = TriggerConfig::new("https://edge.example", value("topsecret"), "web1").unwrap();
        assert!(!format!("{config:?}").contains("topsecret"));
    }
}
