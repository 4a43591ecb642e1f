//! The worker's configuration: `[vars]` and secrets from the environment, parsed and checked once. Any bad
//! value makes the worker answer `misconfigured` (500) with a generic message; the details (which variable,
//! never a secret's value) go to the logs only.
//!
//! [`SETTINGS`] is the one list of configuration names: the reader takes every name from it (vars with
//! `env.var`, secrets with `env.secret`), so do its error messages, a test checks the README and
//! `wrangler.toml` against it, and `edge/scripts/check-config.mjs` reads it from this file.

use handoff_core::{AccessPolicy, KeySet, Policy, Secret, check_allowlist_entry};

use crate::context::{BindingPolicy, mac_key};
use crate::ledger::Limits;

/// Default token lifetime, in seconds.
pub const DEFAULT_TTL_SECS: u64 = 60;
/// Default issues per user per minute.
pub const DEFAULT_ISSUES_PER_MINUTE: u32 = 5;
/// Default live (issued, unused, unexpired) tokens per user.
pub const DEFAULT_MAX_LIVE_TOKENS: u32 = 3;
/// Most redeem secrets accepted at once: the current one and the one being rotated out.
pub const MAX_REDEEM_SECRETS: usize = 2;
/// Shortest redeem secret accepted (placeholders and typos fail loudly).
pub const MIN_REDEEM_SECRET_LEN: usize = 16;

/// Where a setting comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A variable (`[vars]` in `wrangler.toml`).
    Var,
    /// A secret (`wrangler secret put`; locally `edge/.dev.vars`): never echoed, not even in an error.
    Secret,
}

/// What a deployment must do about a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Without it the worker answers `misconfigured`.
    Required,
    /// It has a default, but a production environment states it (`check-config.mjs` says so when it does not).
    Stated,
    /// It has a default and may be left out.
    Optional,
}

/// One configuration name the worker reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The name in the environment.
    pub name: &'static str,
    /// Variable or secret.
    pub kind: Kind,
    /// Whether a deployment must set it.
    pub need: Need,
}

impl Setting {
    const fn var(name: &'static str, need: Need) -> Self {
        Setting {
            name,
            kind: Kind::Var,
            need,
        }
    }

    const fn secret(name: &'static str) -> Self {
        Setting {
            name,
            kind: Kind::Secret,
            need: Need::Required,
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

// Each setting by name, for the reader and its messages (what each means: the fields of `Config`).
const ISSUER: Setting = Setting::var("ISSUER", Need::Required);
const WEB_ORIGIN: Setting = Setting::var("WEB_ORIGIN", Need::Required);
const LANDING_PATH: Setting = Setting::var("LANDING_PATH", Need::Required);
const AUDIENCES: Setting = Setting::var("AUDIENCES", Need::Required);
const MOBILE_CLIENT_IDS: Setting = Setting::var("MOBILE_CLIENT_IDS", Need::Required);
const COGNITO_ISSUER: Setting = Setting::var("COGNITO_ISSUER", Need::Required);
const COGNITO_JWKS_URL: Setting = Setting::var("COGNITO_JWKS_URL", Need::Required);
const COGNITO_ENDPOINT: Setting = Setting::var("COGNITO_ENDPOINT", Need::Optional);
const REVOCATION_CHECK: Setting = Setting::var("REVOCATION_CHECK", Need::Optional);
const CONTEXT_BINDING: Setting = Setting::var("CONTEXT_BINDING", Need::Optional);
const REDIRECT_ALLOWLIST: Setting = Setting::var("REDIRECT_ALLOWLIST", Need::Stated);
const TOKEN_TTL_SECS: Setting = Setting::var("TOKEN_TTL_SECS", Need::Stated);
const RATE_ISSUES_PER_MINUTE: Setting = Setting::var("RATE_ISSUES_PER_MINUTE", Need::Stated);
const RATE_MAX_LIVE_TOKENS: Setting = Setting::var("RATE_MAX_LIVE_TOKENS", Need::Stated);
const SIGNING_JWKS: Setting = Setting::secret("SIGNING_JWKS");
const REDEEM_SECRETS: Setting = Setting::secret("REDEEM_SECRETS");

/// Every setting the worker reads.
pub const SETTINGS: [Setting; 16] = [
    ISSUER,
    WEB_ORIGIN,
    LANDING_PATH,
    AUDIENCES,
    MOBILE_CLIENT_IDS,
    COGNITO_ISSUER,
    COGNITO_JWKS_URL,
    COGNITO_ENDPOINT,
    REVOCATION_CHECK,
    CONTEXT_BINDING,
    REDIRECT_ALLOWLIST,
    TOKEN_TTL_SECS,
    RATE_ISSUES_PER_MINUTE,
    RATE_MAX_LIVE_TOKENS,
    SIGNING_JWKS,
    REDEEM_SECRETS,
];

/// A configuration problem, for the logs. Names the variable; never contains a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "configuration: {}", self.0)
    }
}

/// Everything the worker needs, checked.
pub struct Config {
    /// `ISSUER`: the `iss` of minted tokens (this edge's public URL).
    pub issuer: String,
    /// `WEB_ORIGIN`: the web app's origin, e.g. `https://app.example.com`.
    pub web_origin: String,
    /// `LANDING_PATH`: the landing page path on the web origin, e.g. `/handoff`.
    pub landing_path: String,
    /// `AUDIENCES`: the web app client ids; the first is the `aud` of minted tokens.
    pub audiences: Vec<String>,
    /// `MOBILE_CLIENT_IDS`: app clients whose access tokens may ask for handoffs.
    pub mobile_client_ids: Vec<String>,
    /// `COGNITO_ISSUER`: the user pool's issuer.
    pub cognito_issuer: String,
    /// `COGNITO_JWKS_URL`: where the pool's public keys are.
    pub cognito_jwks_url: String,
    /// `COGNITO_ENDPOINT`: Cognito's API, asked whether an access token was revoked (`GetUser`). Defaults to
    /// `https://<COGNITO_ISSUER's host>/`; `REVOCATION_CHECK=off` turns the check off (`None`).
    pub revocation_endpoint: Option<String>,
    /// `REDIRECT_ALLOWLIST`: path prefixes a handoff may land on (empty: no redirect allowed).
    pub redirect_allowlist: Vec<String>,
    /// `TOKEN_TTL_SECS`: lifetime of minted tokens.
    pub token_ttl: u64,
    /// `RATE_ISSUES_PER_MINUTE`, `RATE_MAX_LIVE_TOKENS`.
    pub limits: Limits,
    /// `SIGNING_JWKS` (secret): the edge's keys; the first private key signs.
    pub signing_keys: KeySet,
    /// `CONTEXT_BINDING`: `off`, `asn` (default) or `ip` (see [`crate::context`]).
    pub context_binding: BindingPolicy,
    /// The binding MAC key of every private signing key, by kid; the first is the active one.
    pub binding_keys: Vec<(String, [u8; 32])>,
    /// Verification policy for handoff tokens, derived from the above.
    pub policy: Policy,
    /// Verification policy for Cognito access tokens, derived from the above.
    pub access_policy: AccessPolicy,
    redeem_secrets: Vec<Secret>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("mobile_client_ids", &self.mobile_client_ids)
            .field("token_ttl", &self.token_ttl)
            .field(
                "signing_kids",
                &self
                    .signing_keys
                    .keys()
                    .iter()
                    .map(|k| k.kid())
                    .collect::<Vec<_>>(),
            )
            .field("redeem_secrets", &"***")
            .finish_non_exhaustive()
    }
}

fn bad<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

/// A non-empty comma-separated list (items trimmed, empty items dropped).
fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// An `https://` URL, or `http://` to a loopback host (local stacks); never with user information
/// (`http://127.0.0.1:@evil.example` is a request to evil.example), and with a real host name, so an unfilled
/// placeholder such as `https://cognito-idp.<region>.amazonaws.com/<user-pool-id>` is refused.
fn http_url(name: Setting, value: &str) -> Result<(), ConfigError> {
    let refuse = |why: &str| bad(format!("{name} {why}"));
    let Some((scheme, rest)) = value.split_once("://") else {
        return refuse("must be an https:// URL");
    };
    if value.contains(|c: char| c.is_whitespace() || c.is_control() || "<>\"\\{}|^`".contains(c)) {
        return refuse("has characters no URL may hold (an unfilled <placeholder>?)");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return refuse("must not contain user information (user@host)");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => return refuse("has a malformed IPv6 host"),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && (host.contains(':')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok || port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return refuse("has no valid host");
    }
    let host = host.to_ascii_lowercase();
    let loopback = host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => refuse("must be an https:// URL (plain http only on loopback)"),
        _ => refuse("must be an https:// URL"),
    }
}

fn number<T: std::str::FromStr + PartialOrd + Copy>(
    name: Setting,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError> {
    let parsed = match value {
        None => default,
        Some(text) => match text.trim().parse() {
            Ok(n) => n,
            Err(_) => return bad(format!("{name} is not a number")),
        },
    };
    if !range.contains(&parsed) {
        return bad(format!("{name} is out of range"));
    }
    Ok(parsed)
}

impl Config {
    /// Reads every setting through `get` and checks it.
    pub fn from_lookup(get: impl Fn(Setting) -> Option<String>) -> Result<Config, ConfigError> {
        let required = |name: Setting| match get(name) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => bad(format!("{name} is not set")),
        };
        let issuer = required(ISSUER)?;
        http_url(ISSUER, &issuer)?;
        let web_origin = required(WEB_ORIGIN)?;
        http_url(WEB_ORIGIN, &web_origin)?;
        let after_scheme = web_origin.split_once("://").map_or("", |(_, rest)| rest);
        if after_scheme.contains(['/', '?', '#']) {
            return bad(format!(
                "{WEB_ORIGIN} must be an origin (scheme, host, port), without a path"
            ));
        }
        let landing_path = required(LANDING_PATH)?;
        if !landing_path.starts_with('/')
            || landing_path.starts_with("//")
            || landing_path.contains(['#', '?'])
        {
            return bad(format!(
                "{LANDING_PATH} must be an absolute path without query or fragment"
            ));
        }
        let audiences = list(&required(AUDIENCES)?);
        let mobile_client_ids = list(&required(MOBILE_CLIENT_IDS)?);
        if audiences.is_empty() || mobile_client_ids.is_empty() {
            return bad(format!(
                "{AUDIENCES} and {MOBILE_CLIENT_IDS} need at least one client id each"
            ));
        }
        let cognito_issuer = required(COGNITO_ISSUER)?;
        http_url(COGNITO_ISSUER, &cognito_issuer)?;
        let cognito_jwks_url = required(COGNITO_JWKS_URL)?;
        http_url(COGNITO_JWKS_URL, &cognito_jwks_url)?;
        let revocation_endpoint = match get(REVOCATION_CHECK).as_deref().map(str::trim) {
            None | Some("") | Some("getuser") => {
                let endpoint = match get(COGNITO_ENDPOINT).filter(|e| !e.trim().is_empty()) {
                    Some(endpoint) => endpoint.trim().to_owned(),
                    None => {
                        let host = cognito_issuer
                            .split_once("://")
                            .and_then(|(_, rest)| rest.split('/').next())
                            .unwrap_or_default();
                        format!("https://{host}/")
                    }
                };
                http_url(COGNITO_ENDPOINT, &endpoint)?;
                Some(endpoint)
            }
            Some("off") => None,
            Some(_) => return bad(format!("{REVOCATION_CHECK} must be getuser or off")),
        };
        let redirect_allowlist = list(&get(REDIRECT_ALLOWLIST).unwrap_or_default());
        if let Some(entry) = redirect_allowlist
            .iter()
            .find(|e| check_allowlist_entry(e).is_err())
        {
            return bad(format!(
                "{REDIRECT_ALLOWLIST} entry {entry:?} is not a plain absolute path"
            ));
        }
        let token_ttl = number(
            TOKEN_TTL_SECS,
            get(TOKEN_TTL_SECS),
            DEFAULT_TTL_SECS,
            1..=handoff_core::HARD_MAX_TTL_SECS,
        )?;
        let limits = Limits {
            issues_per_minute: number(
                RATE_ISSUES_PER_MINUTE,
                get(RATE_ISSUES_PER_MINUTE),
                DEFAULT_ISSUES_PER_MINUTE,
                1..=10_000,
            )?,
            max_live_tokens: number(
                RATE_MAX_LIVE_TOKENS,
                get(RATE_MAX_LIVE_TOKENS),
                DEFAULT_MAX_LIVE_TOKENS,
                1..=10_000,
            )?,
        };
        // Secrets: never echo their content, not even in a parse error.
        let signing_keys = KeySet::from_jwks(&required(SIGNING_JWKS)?)
            .map_err(|_| ConfigError(format!("{SIGNING_JWKS} is not a valid JWK Set")))?;
        if signing_keys.signing_key().is_none() {
            return bad(format!("{SIGNING_JWKS} has no private key to sign with"));
        }
        let context_binding = match get(CONTEXT_BINDING) {
            None => BindingPolicy::Asn,
            Some(text) if text.trim().is_empty() => BindingPolicy::Asn,
            Some(text) => BindingPolicy::parse(&text)
                .ok_or(ConfigError(format!("{CONTEXT_BINDING} must be off, asn or ip")))?,
        };
        // The active signer first, then the other private keys (bindings minted by an instance not yet rotated).
        let mut binding_keys: Vec<(String, [u8; 32])> = Vec::new();
        let active = signing_keys.signing_key().map(|k| k.kid().to_owned());
        for key in signing_keys.keys() {
            if let Some(der) = key.private_der() {
                let entry = (key.kid().to_owned(), mac_key(der.expose()));
                if Some(key.kid()) == active.as_deref() {
                    binding_keys.insert(0, entry);
                } else {
                    binding_keys.push(entry);
                }
            }
        }
        let redeem_secrets: Vec<Secret> = list(&required(REDEEM_SECRETS)?)
            .into_iter()
            .map(|s| Secret::new(s.into_bytes()))
            .collect();
        if redeem_secrets.len() > MAX_REDEEM_SECRETS {
            return bad(format!(
                "{REDEEM_SECRETS} holds more than {MAX_REDEEM_SECRETS} secrets"
            ));
        }
        if redeem_secrets
            .iter()
            .any(|s| s.expose().len() < MIN_REDEEM_SECRET_LEN)
        {
            return bad(format!(
                "every {REDEEM_SECRETS} entry needs at least {MIN_REDEEM_SECRET_LEN} characters"
            ));
        }
        // A secret the Authorization header cannot carry (RFC 6750 token68) could never be presented.
        let token68 = |b: &u8| b.is_ascii_alphanumeric() || b"-._~+/=".contains(b);
        if redeem_secrets.iter().any(|s| !s.expose().iter().all(token68)) {
            return bad(format!(
                "{REDEEM_SECRETS} entries may use only letters, digits and -._~+/="
            ));
        }

        let policy = Policy {
            max_ttl: token_ttl,
            ..Policy::new(issuer.clone(), audiences.clone())
        };
        policy.check().map_err(|e| ConfigError(e.to_string()))?;
        let access_policy = AccessPolicy::new(cognito_issuer.clone(), mobile_client_ids.clone());
        access_policy.check().map_err(|e| ConfigError(e.to_string()))?;
        Ok(Config {
            issuer,
            web_origin,
            landing_path,
            audiences,
            mobile_client_ids,
            cognito_issuer,
            cognito_jwks_url,
            revocation_endpoint,
            redirect_allowlist,
            token_ttl,
            limits,
            signing_keys,
            context_binding,
            binding_keys,
            policy,
            access_policy,
            redeem_secrets,
        })
    }

    /// The accepted redeem secrets (one, or two during a rotation).
    pub fn redeem_secrets(&self) -> &[Secret] {
        &self.redeem_secrets
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(crate) const SIGNING_JWKS: &str =
        include_str!("../../tests/fixtures/keys/test-only.private.jwks.json");

    pub(crate) fn vars() -> HashMap<&'static str, String> {
        HashMap::from([
            ("ISSUER", "https://edge.handoff.test".to_string()),
            ("WEB_ORIGIN", "https://app.handoff.test".into()),
            ("LANDING_PATH", "/handoff".into()),
            ("AUDIENCES", "web-client-test, web-client-other".into()),
            ("MOBILE_CLIENT_IDS", "mobile-client-test".into()),
            (
                "COGNITO_ISSUER",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST".into(),
            ),
            ("COGNITO_JWKS_URL", "http://127.0.0.1:9/jwks.json".into()),
            ("REDIRECT_ALLOWLIST", "/orders,/account/".into()),
            ("SIGNING_JWKS", SIGNING_JWKS.into()),
            (
                "REDEEM_SECRETS",
                "first-secret-0123456789,second-secret-0123456789".into(),
            ),
        ])
    }

    pub(crate) fn load(vars: &HashMap<&'static str, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|setting| vars.get(setting.name).cloned())
    }

    #[test]
    fn a_complete_environment_loads_with_defaults() {
        let config = load(&vars()).unwrap();
        assert_eq!(config.audiences, ["web-client-test", "web-client-other"]);
        assert_eq!(config.redirect_allowlist, ["/orders", "/account/"]);
        assert_eq!(config.token_ttl, DEFAULT_TTL_SECS);
        assert_eq!(config.policy.max_ttl, DEFAULT_TTL_SECS);
        assert_eq!(
            config.limits,
            Limits {
                issues_per_minute: 5,
                max_live_tokens: 3
            }
        );
        assert_eq!(config.redeem_secrets().len(), 2);
        assert!(config.signing_keys.signing_key().is_some());
    }

    #[test]
    fn the_revocation_check_defaults_to_the_pools_own_endpoint() {
        let from = |extra: &[(&'static str, &str)]| {
            let mut v = vars();
            v.extend(extra.iter().map(|(k, x)| (*k, x.to_string())));
            load(&v).unwrap().revocation_endpoint
        };
        assert_eq!(
            from(&[]).as_deref(),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/")
        );
        assert_eq!(
            from(&[("COGNITO_ENDPOINT", "http://127.0.0.1:4566/")]).as_deref(),
            Some("http://127.0.0.1:4566/")
        );
        assert_eq!(from(&[("REVOCATION_CHECK", "off")]), None);
    }

    #[test]
    fn every_bad_value_is_refused_without_echoing_secrets() {
        let cases: &[(&str, &str)] = &[
            ("ISSUER", ""),
            ("ISSUER", "edge.handoff.test"),
            ("WEB_ORIGIN", "https://app.handoff.test/path"),
            ("LANDING_PATH", "handoff"),
            ("LANDING_PATH", "//evil.example"),
            ("AUDIENCES", " , "),
            ("COGNITO_JWKS_URL", "file:///etc/passwd"),
            ("REDIRECT_ALLOWLIST", "/ok,//evil.example"),
            ("TOKEN_TTL_SECS", "301"),
            ("TOKEN_TTL_SECS", "sixty"),
            ("RATE_ISSUES_PER_MINUTE", "0"),
            ("COGNITO_JWKS_URL", "http://127.0.0.1:@evil.example/jwks.json"),
            (
                "COGNITO_JWKS_URL",
                "https://user@cognito-idp.eu-west-1.amazonaws.com/p/.well-known/jwks.json",
            ),
            (
                "COGNITO_JWKS_URL",
                "http://cognito-idp.eu-west-1.amazonaws.com/p/.well-known/jwks.json",
            ),
            ("COGNITO_ISSUER", "http://127.0.0.1.evil.example/pool"),
            (
                "COGNITO_ISSUER",
                "https://cognito-idp.<region>.amazonaws.com/<user-pool-id>",
            ),
            ("ISSUER", "https://<edge host>"),
            ("ISSUER", "https://edge.example:port"),
            (
                "SIGNING_JWKS",
                "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0LXZhbHVl\"}]}",
            ),
            ("REDEEM_SECRETS", "short"),
            ("REVOCATION_CHECK", "maybe"),
            ("CONTEXT_BINDING", "strict"),
            ("COGNITO_ENDPOINT", "http://cognito-idp.eu-west-1.amazonaws.com/"),
            (
                "COGNITO_ENDPOINT",
                "https://a@cognito-idp.eu-west-1.amazonaws.com/",
            ),
            ("REDEEM_SECRETS", "a secret with spaces in it"),
            (
                "REDEEM_SECRETS",
                "aaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccc",
            ),
        ];
        for (name, value) in cases {
            let mut vars = vars();
            vars.insert(name, value.to_string());
            let err = load(&vars).expect_err(name);
            assert!(err.0.contains(name), "{name}: {err}");
            if SETTINGS.iter().any(|s| s.name == *name && s.kind == Kind::Secret) {
                assert!(!err.0.contains(value), "{name}: the error echoes the secret");
            }
        }
        let mut missing = vars();
        missing.remove("REDEEM_SECRETS");
        assert!(load(&missing).is_err());
    }

    #[test]
    fn the_reader_reads_exactly_the_settings_of_the_table_and_requires_those_it_says() {
        let asked = std::cell::RefCell::new(Vec::new());
        let vars = vars();
        Config::from_lookup(|setting| {
            asked.borrow_mut().push(setting);
            vars.get(setting.name).cloned()
        })
        .unwrap();
        let mut asked = asked.into_inner();
        asked.sort_by_key(|s| s.name);
        asked.dedup();
        let mut table = SETTINGS.to_vec();
        table.sort_by_key(|s| s.name);
        assert_eq!(asked, table, "read but not listed, or listed but never read");
        table.dedup_by_key(|s| s.name);
        assert_eq!(table.len(), SETTINGS.len(), "a name listed twice");
        for setting in SETTINGS {
            let mut without = vars.clone();
            without.remove(setting.name);
            assert_eq!(
                load(&without).is_err(),
                setting.need == Need::Required,
                "{setting} is {:?}",
                setting.need
            );
        }
    }

    /// The lines of `text` from the one starting with `from` up to the next one starting with `to`.
    fn section<'t>(text: &'t str, from: &str, to: &str) -> Vec<&'t str> {
        let mut lines = text.lines().skip_while(|l| !l.starts_with(from));
        let head = lines.next().into_iter();
        head.chain(lines.take_while(|l| !l.starts_with(to))).collect()
    }

    /// The pieces of `text` between pairs of `quote`, sorted.
    fn quoted(text: &str, quote: char) -> Vec<String> {
        let mut pieces: Vec<String> = text.split(quote).skip(1).step_by(2).map(str::to_owned).collect();
        pieces.sort();
        pieces
    }

    fn table_names(kind: Option<Kind>) -> Vec<String> {
        let names = SETTINGS.iter().filter(|s| kind.is_none_or(|k| s.kind == k));
        quoted(&names.map(|s| format!("`{}`", s.name)).collect::<String>(), '`')
    }

    #[test]
    fn the_readme_and_wrangler_toml_name_exactly_the_settings_of_the_table() {
        let readme = include_str!("../../README.md");
        // The README's edge table: `| `NAME`, `NAME` | meaning |`, secrets as `| secret `NAME` | meaning |`.
        let rows = section(readme, "Edge (`edge/wrangler.toml`", "Trigger Lambda");
        let first_cells = |prefix: &str| -> String {
            let rows = rows.iter().filter_map(|row| row.strip_prefix(prefix));
            rows.filter_map(|row| row.split(" |").next()).collect()
        };
        assert_eq!(quoted(&first_cells("| "), '`'), table_names(None), "README.md");
        assert_eq!(
            quoted(&first_cells("| secret "), '`'),
            table_names(Some(Kind::Secret)),
            "README.md"
        );

        let toml = include_str!("../wrangler.toml");
        let vars = table_names(Some(Kind::Var));
        for vars_section in ["[vars]", "[env.production.vars]"] {
            for line in section(toml, vars_section, "[").into_iter().skip(1) {
                let Some((name, _)) = line.split_once(" = ") else {
                    continue;
                };
                assert!(
                    vars.contains(&name.to_owned()),
                    "{vars_section} sets {name}: the worker reads no such var"
                );
            }
        }
        let secrets = section(toml, "[env.production.secrets]", "[").concat();
        assert_eq!(
            quoted(&secrets, '"'),
            table_names(Some(Kind::Secret)),
            "[env.production.secrets]"
        );
    }

    #[test]
    fn check_config_mjs_can_read_the_table() {
        // check-config.mjs finds each setting by its constructor call in this file (before the tests).
        let source = include_str!("config.rs");
        let code = &source[..source.find("#[cfg(test)]").unwrap()];
        let calls = code.matches("Setting::var(\"").count() + code.matches("Setting::secret(\"").count();
        assert_eq!(calls, SETTINGS.len());
    }

    #[test]
    fn a_public_only_key_set_cannot_sign() {
        let mut vars = vars();
        vars.insert(
            "SIGNING_JWKS",
            include_str!("../../tests/fixtures/keys/test-only.public.jwks.json").into(),
        );
        assert!(load(&vars).unwrap_err().0.contains("no private key"));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = load(&vars()).unwrap();
        let text = format!("{config:?}");
        assert!(!text.contains("first-secret"));
        assert!(!text.contains("\"d\""));
    }
}
