//! The page's configuration: read from the inline `<script type="application/json" id="handoff-config">` block
//! (or passed to `completeHandoff`), checked once, before anything else happens.

use handoff_core::json::{self, Mismatch, Object, SyntaxError, Value};
use handoff_core::{RedirectError, check_allowlist_entry, check_redirect};

use crate::cookie::CookieOptions;
use crate::texts::{self, Catalogue};
use handoff_core::named::Named;

/// The `id` of the inline JSON block that carries the configuration.
pub const CONFIG_ELEMENT_ID: &str = "handoff-config";

/// Where the user lands when the token names no redirect and the configuration sets no default.
pub const FALLBACK_REDIRECT: &str = "/";

/// The landing page's configuration (JSON, camelCase member names). Unknown members are ignored so that one
/// object can also carry `completeHandoff`'s options.
#[derive(Debug, Clone, PartialEq)]
pub struct PageConfig {
    /// AWS region of the user pool (`eu-west-1`).
    pub region: String,
    /// The user pool id (`eu-west-1_AbC123`); shown nowhere, kept for apps that read the config.
    pub user_pool_id: String,
    /// The web app client id (CUSTOM_AUTH enabled, no secret): the token's `aud` and the Amplify key prefix.
    pub client_id: String,
    /// Cognito's endpoint. Defaults to `https://cognito-idp.<region>.amazonaws.com/`; set it for a local emulator.
    pub cognito_endpoint: Option<String>,
    /// Path prefixes a redirect may land under (core's `check_redirect` rules).
    pub redirect_allowlist: Vec<String>,
    /// Where to land when the token carries no redirect. Defaults to `/`; must itself pass the allowlist.
    pub default_redirect: Option<String>,
    /// "Back to the app" link on every error screen (for example the app's universal link).
    pub app_return_url: Option<String>,
    /// "Sign in another way" link on every error screen (the web app's normal sign-in).
    pub other_sign_in_url: Option<String>,
    /// The edge's origin (`https://edge.example`; `http://` on a loopback host only). When set, the page asks the
    /// edge for a context binding (`POST /v1/bind`) alongside `InitiateAuth`; absent, it makes no such call.
    pub edge_url: Option<String>,
    /// Where the session goes: Amplify v6's keys in `localStorage` (the default, Amplify's own), in
    /// `sessionStorage`, or in cookies (`cookie`, for `Amplify.configure(config, { ssr: true })`).
    pub storage: StorageKind,
    /// The cookies' attributes when `storage` is `cookie` (Amplify's `CookieStorage` members and defaults).
    pub cookie: CookieOptions,
    /// The deployment's words: `{"en": {"title": "..."}, "fr": {...}}`, over the built-in messages (see
    /// [`crate::texts`]). A language only this names is offered too.
    pub messages: Catalogue,
    /// The deployment's look.
    pub brand: Brand,
}

/// Where the page stores the session (always under Amplify v6's key names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StorageKind {
    /// `localStorage`: Amplify's default.
    #[default]
    Local,
    /// `sessionStorage`: gone when the tab closes (Amplify's `sessionStorage` option).
    Session,
    /// Cookies, as Amplify's `CookieStorage` writes them (`ssr: true`).
    Cookie,
}

impl StorageKind {
    fn read(value: Option<&Value>) -> Result<StorageKind, Mismatch> {
        let Some(value) = value else {
            return Ok(StorageKind::default());
        };
        match value.as_str() {
            Some("localStorage") => Ok(StorageKind::Local),
            Some("sessionStorage") => Ok(StorageKind::Session),
            Some("cookie") => Ok(StorageKind::Cookie),
            _ => Err(Mismatch {
                member: "storage".into(),
                expected: "\"localStorage\", \"sessionStorage\" or \"cookie\"",
            }),
        }
    }
}

/// The page's look, set per deployment without a rebuild.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brand {
    /// A logo shown above every screen (https, or a path on the site; the CSP's `img-src` must allow it).
    pub logo_url: Option<String>,
    /// The logo's text alternative (the company's name).
    pub logo_alt: Option<String>,
    /// CSS custom properties set on the page's root (`{"--handoff-accent": "#0a7"}`): `landing.css` draws every
    /// colour and font from `--handoff-*` properties.
    pub theme: Named<String>,
}

impl Brand {
    fn read(brand: &Object) -> Result<Brand, Mismatch> {
        Ok(Brand {
            logo_url: brand.opt_str("logoUrl")?,
            logo_alt: brand.opt_str("logoAlt")?,
            theme: Named::member(brand, "theme")?,
        })
    }

    fn check(&self) -> Result<(), ConfigError> {
        if let Some(logo) = &self.logo_url
            && (!safe_link(logo) || !(logo.starts_with("https://") || logo.starts_with('/')))
        {
            return Err(ConfigError::LogoUrl);
        }
        for (name, value) in self.theme.iter() {
            let name_ok = name.len() <= 64
                && name.strip_prefix("--handoff-").is_some_and(|n| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !name_ok {
                return Err(ConfigError::ThemeName(name.to_owned()));
            }
            // A value cannot end the declaration or open a block, an url() or an escape.
            let value_ok = !value.chars().all(char::is_whitespace)
                && value.len() <= 256
                && !value
                    .chars()
                    .any(|c| c.is_control() || matches!(c, ';' | '{' | '}' | '<' | '>' | '\\'))
                && !value
                    .as_bytes()
                    .windows(4)
                    .any(|w| w.eq_ignore_ascii_case(b"url("));
            if !value_ok {
                return Err(ConfigError::ThemeValue(name.to_owned()));
            }
        }
        Ok(())
    }
}

/// Why a configuration was refused; the page shows "service misconfigured" for every one of them. The words are
/// its `Display` ([`ConfigError::problem`]), written only when someone prints it: the page never does, so its
/// wasm carries neither the words nor Rust's formatting code (docs/web.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The text is not JSON.
    NotJson(SyntaxError),
    /// The JSON is not an object.
    NotObject,
    /// A member is not of its kind (a required one is missing).
    Member(Mismatch),
    /// `region`, `clientId` or `userPoolId` (named) is not an identifier.
    NotIdentifier(&'static str),
    /// `cognitoEndpoint` is not an origin the page may send tokens to.
    CognitoEndpoint,
    /// An entry of `redirectAllowlist`, and why.
    AllowlistEntry(String, RedirectError),
    /// `defaultRedirect` (or the fallback `/`) is not allowed, and why.
    DefaultRedirect(RedirectError),
    /// `edgeUrl` is not an origin the page may send tokens to.
    EdgeUrl,
    /// `appReturnUrl` or `otherSignInUrl` (named) is not a safe link.
    UnsafeLink(&'static str),
    /// The cookie attributes cannot work ([`CookieOptions::problem`]).
    Cookie(&'static str),
    /// `brand.logoUrl` is neither https nor a path.
    LogoUrl,
    /// A `brand.theme` member (named) is not a `--handoff-*` custom property.
    ThemeName(String),
    /// The value of a `brand.theme` member (named) is not a plain CSS value.
    ThemeValue(String),
}

impl ConfigError {
    /// What is wrong, in words (`Display` puts "invalid handoff configuration: " before it).
    pub fn problem(&self) -> String {
        match self {
            ConfigError::NotJson(e) => format!("not JSON ({e})"),
            ConfigError::NotObject => "not a JSON object".into(),
            ConfigError::Member(m) => m.to_string(),
            ConfigError::NotIdentifier(name) => format!("`{name}` must be a non-empty identifier"),
            ConfigError::CognitoEndpoint => {
                "`cognitoEndpoint` must be an https origin (http on a loopback host), with no path or userinfo".into()
            }
            ConfigError::AllowlistEntry(entry, e) => format!("`redirectAllowlist` entry `{entry}`: {e}"),
            ConfigError::DefaultRedirect(e) => format!("`defaultRedirect`: {e}"),
            ConfigError::EdgeUrl => {
                "`edgeUrl` must be an https origin (http on a loopback host), with no path, query or userinfo".into()
            }
            ConfigError::UnsafeLink(name) => format!("`{name}` is not a safe link"),
            ConfigError::Cookie(problem) => (*problem).into(),
            ConfigError::LogoUrl => "`brand.logoUrl` must be an https URL or a path".into(),
            ConfigError::ThemeName(name) => {
                format!("`brand.theme` member `{name}` must be a `--handoff-...` custom property")
            }
            ConfigError::ThemeValue(name) => format!("`brand.theme` value of `{name}` is not a plain CSS value"),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid handoff configuration: {}", self.problem())
    }
}

impl PageConfig {
    /// Parses and checks the configuration JSON.
    pub fn from_json(text: &str) -> Result<PageConfig, ConfigError> {
        let value = json::parse(text).map_err(ConfigError::NotJson)?;
        let Value::Object(members) = value else {
            return Err(ConfigError::NotObject);
        };
        let config = PageConfig::read(&members).map_err(ConfigError::Member)?;
        config.check()?;
        Ok(config)
    }

    /// The members, each of the kind it must be (camelCase names; unknown members ignored). Every member is read
    /// here by its JSON name, `req_str` for the required ones (tests/browser/npm-package.test.mjs compares this list
    /// with the TypeScript `HandoffConfig`).
    fn read(config: &Object) -> Result<PageConfig, Mismatch> {
        let nested = |name: &str| config.opt_object(name);
        let cookie = match nested("cookie")? {
            Some(cookie) => CookieOptions::read(cookie).map_err(|m| m.inside("cookie"))?,
            None => CookieOptions::default(),
        };
        let brand = match nested("brand")? {
            Some(brand) => Brand::read(brand).map_err(|m| m.inside("brand"))?,
            None => Brand::default(),
        };
        let messages = match nested("messages")? {
            Some(messages) => texts::catalogue(messages).map_err(|m| m.inside("messages"))?,
            None => Catalogue::new(),
        };
        Ok(PageConfig {
            region: config.req_str("region")?,
            user_pool_id: config.req_str("userPoolId")?,
            client_id: config.req_str("clientId")?,
            cognito_endpoint: config.opt_str("cognitoEndpoint")?,
            redirect_allowlist: config.str_list("redirectAllowlist")?,
            default_redirect: config.opt_str("defaultRedirect")?,
            app_return_url: config.opt_str("appReturnUrl")?,
            other_sign_in_url: config.opt_str("otherSignInUrl")?,
            edge_url: config.opt_str("edgeUrl")?,
            storage: StorageKind::read(config.get("storage"))?,
            cookie,
            messages,
            brand,
        })
    }

    /// Checks every member; a page with a bad configuration must not send anything anywhere.
    pub fn check(&self) -> Result<(), ConfigError> {
        let simple = |name: &'static str, value: &str| {
            let ok = !value.is_empty()
                && value.len() <= 128
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
            if ok {
                Ok(())
            } else {
                Err(ConfigError::NotIdentifier(name))
            }
        };
        simple("region", &self.region)?;
        simple("clientId", &self.client_id)?;
        if !self.user_pool_id.is_empty() {
            simple("userPoolId", &self.user_pool_id)?;
        }
        // The answers carry the user's tokens: https only (http on a loopback host for the emulator), no userinfo.
        if let Some(endpoint) = &self.cognito_endpoint
            && !edge_origin(endpoint)
        {
            return Err(ConfigError::CognitoEndpoint);
        }
        for entry in &self.redirect_allowlist {
            check_allowlist_entry(entry).map_err(|e| ConfigError::AllowlistEntry(entry.clone(), e))?;
        }
        check_redirect(self.default_redirect(), &self.redirect_allowlist)
            .map_err(ConfigError::DefaultRedirect)?;
        if let Some(edge) = &self.edge_url
            && !edge_origin(edge)
        {
            return Err(ConfigError::EdgeUrl);
        }
        for (name, link) in [
            ("appReturnUrl", &self.app_return_url),
            ("otherSignInUrl", &self.other_sign_in_url),
        ] {
            if let Some(link) = link
                && !safe_link(link)
            {
                return Err(ConfigError::UnsafeLink(name));
            }
        }
        if self.storage == StorageKind::Cookie
            && let Some(problem) = self.cookie.problem()
        {
            return Err(ConfigError::Cookie(problem));
        }
        self.brand.check()
    }

    /// The Cognito endpoint requests go to.
    pub fn endpoint(&self) -> String {
        match &self.cognito_endpoint {
            Some(endpoint) => endpoint.clone(),
            None => ["https://cognito-idp.", &self.region, ".amazonaws.com/"].concat(),
        }
    }

    /// The edge's bind endpoint (`{edgeUrl}/v1/bind`), if the configuration names an edge.
    pub fn bind_url(&self) -> Option<String> {
        let edge = self.edge_url.as_deref()?;
        Some([edge.strip_suffix('/').unwrap_or(edge), "/v1/bind"].concat())
    }

    /// Where to land when the token names no redirect.
    pub fn default_redirect(&self) -> &str {
        self.default_redirect.as_deref().unwrap_or(FALLBACK_REDIRECT)
    }
}

/// Whether `url` is an origin the page may send a token to: `https://host[:port]` with an optional `/`, or the
/// same with `http://` when the host is loopback (`localhost`, `127.x.y.z`, `[::1]`). No userinfo, path, query,
/// fragment, percent-escape or non-ASCII host: anything a URL parser could read two ways is refused. Byte by byte
/// rather than with a URL parser: the page's wasm stays small.
pub fn edge_origin(url: &str) -> bool {
    let (https, rest) = match url.strip_prefix("https://") {
        Some(rest) => (true, rest),
        None => match url.strip_prefix("http://") {
            Some(rest) => (false, rest),
            None => return false,
        },
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match authority.rfind(':') {
        // A colon inside `[...]` belongs to an IPv6 address, not to a port.
        Some(at) if !authority.as_bytes()[at..].contains(&b']') => {
            (&authority[..at], Some(&authority[at + 1..]))
        }
        _ => (authority, None),
    };
    let port_ok = port.is_none_or(|p| p.len() <= 5 && decimal(p).is_some_and(|n| (1..=65535).contains(&n)));
    let host_ok = match host.strip_prefix('[') {
        Some(v6) => v6.strip_suffix(']').is_some_and(|a| {
            a.as_bytes().contains(&b':') && a.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
        }),
        None => dns_name(host),
    };
    let loopback = host.eq_ignore_ascii_case("localhost") || host == "[::1]" || loopback_v4(host);
    port_ok && host_ok && (https || loopback)
}

/// Dot-separated labels of letters, digits and inner hyphens, 1 to 63 bytes each, at most 253 in all.
fn dns_name(host: &str) -> bool {
    let mut label = 0;
    let mut prev = b'.';
    for b in host.bytes() {
        match b {
            b'.' if label > 0 && prev != b'-' => label = 0,
            b'-' if label > 0 => label += 1,
            _ if b.is_ascii_alphanumeric() => label += 1,
            _ => return false,
        }
        if label > 63 {
            return false;
        }
        prev = b;
    }
    label > 0 && prev != b'-' && host.len() <= 253
}

/// `127.x.y.z`, written as four decimal octets.
fn loopback_v4(host: &str) -> bool {
    let mut octets = 0;
    host.starts_with("127.")
        && host.split('.').all(|o| {
            octets += 1;
            o.len() <= 3 && decimal(o).is_some_and(|n| n <= 255)
        })
        && octets == 4
}

/// A non-empty run of ASCII digits (at most 5, so no overflow), as a number.
fn decimal(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    digits
        .bytes()
        .try_fold(0, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// Links shown on error screens may be web URLs, paths or an app's own scheme (`myapp://`), but never a scheme
/// that runs code or smuggles content (`javascript:`, `data:`, ...).
pub fn safe_link(link: &str) -> bool {
    if link.is_empty() || link.len() > 2048 || !link.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return false;
    }
    let Some(colon) = link.find(':') else {
        return true; // a relative link
    };
    let scheme = &link[..colon];
    if scheme.bytes().any(|b| matches!(b, b'/' | b'?' | b'#')) {
        return true; // the colon is inside a relative path or query
    }
    let scheme = scheme.to_ascii_lowercase();
    let well_formed = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    well_formed
        && !matches!(
            scheme.as_str(),
            "javascript" | "data" | "vbscript" | "blob" | "file"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json() -> serde_json::Value {
        serde_json::json!({
            "region": "eu-west-1",
            "userPoolId": "eu-west-1_AbC123",
            "clientId": "webclient123",
            "redirectAllowlist": ["/orders", "/account/"],
            "defaultRedirect": "/orders",
            "appReturnUrl": "myapp://home",
            "otherSignInUrl": "/signin"
        })
    }

    #[test]
    fn parses_a_full_configuration() {
        let config = PageConfig::from_json(&json().to_string()).unwrap();
        assert_eq!(config.client_id, "webclient123");
        assert_eq!(config.endpoint(), "https://cognito-idp.eu-west-1.amazonaws.com/");
        assert_eq!(config.default_redirect(), "/orders");
    }

    #[test]
    fn endpoint_override_for_the_emulator() {
        let mut v = json();
        v["cognitoEndpoint"] = "http://127.0.0.1:4566/".into();
        assert_eq!(
            PageConfig::from_json(&v.to_string()).unwrap().endpoint(),
            "http://127.0.0.1:4566/"
        );
        for bad in [
            "javascript:alert(1)",
            "http://cognito-idp.eu-west-1.amazonaws.com/",
            "http://127.0.0.1:@evil.example/",
            "https://user@cognito-idp.eu-west-1.amazonaws.com/",
        ] {
            v["cognitoEndpoint"] = bad.into();
            assert!(PageConfig::from_json(&v.to_string()).is_err(), "{bad}");
        }
        v["cognitoEndpoint"] = "https://cognito-idp.eu-west-1.amazonaws.com/".into();
        assert!(PageConfig::from_json(&v.to_string()).is_ok());
    }

    #[test]
    fn default_redirect_must_be_allowed() {
        let mut v = json();
        v["defaultRedirect"] = "/admin".into();
        assert!(PageConfig::from_json(&v.to_string()).is_err());
        v.as_object_mut().unwrap().remove("defaultRedirect");
        // `/` is the fallback, and it is not under `/orders` or `/account/`.
        assert!(PageConfig::from_json(&v.to_string()).is_err());
        v["redirectAllowlist"] = serde_json::json!(["/"]);
        assert_eq!(
            PageConfig::from_json(&v.to_string()).unwrap().default_redirect(),
            "/"
        );
    }

    #[test]
    fn rejects_bad_members() {
        for (key, value) in [
            ("clientId", serde_json::json!("")),
            ("clientId", serde_json::json!("a b")),
            ("region", serde_json::json!("eu/west")),
            ("redirectAllowlist", serde_json::json!(["//evil"])),
            ("appReturnUrl", serde_json::json!("javascript:alert(1)")),
            ("otherSignInUrl", serde_json::json!("DATA:text/html,x")),
        ] {
            let mut v = json();
            v[key] = value;
            assert!(PageConfig::from_json(&v.to_string()).is_err(), "{key}");
        }
        assert!(PageConfig::from_json("not json").is_err());
    }

    #[test]
    fn says_which_member_is_wrong_and_why() {
        let problem = |v: serde_json::Value| PageConfig::from_json(&v.to_string()).unwrap_err().problem();
        let with = |key: &str, value: serde_json::Value| {
            let mut v = json();
            v[key] = value;
            problem(v)
        };
        let mut missing = json();
        missing.as_object_mut().unwrap().remove("clientId");
        assert_eq!(problem(missing), "`clientId` must be a string");
        assert_eq!(
            with("region", serde_json::json!(null)),
            "`region` must be a string"
        );
        assert_eq!(
            with("edgeUrl", serde_json::json!(8787)),
            "`edgeUrl` must be a string"
        );
        assert_eq!(
            with("redirectAllowlist", serde_json::json!("/orders")),
            "`redirectAllowlist` must be an array of strings"
        );
        assert_eq!(
            with("storage", serde_json::json!("indexedDB")),
            r#"`storage` must be "localStorage", "sessionStorage" or "cookie""#
        );
        assert_eq!(
            with("cookie", serde_json::json!(null)),
            "`cookie` must be an object"
        );
        assert_eq!(
            with("cookie", serde_json::json!({"secure": "yes"})),
            "`cookie.secure` must be true or false"
        );
        assert_eq!(
            with("brand", serde_json::json!({"theme": {"--handoff-accent": 7}})),
            "`brand.theme` must be an object of strings"
        );
        assert_eq!(
            with("messages", serde_json::json!({"en": ["Try again"]})),
            "`messages.en` must be an object of strings"
        );
        assert_eq!(problem(serde_json::json!(["eu-west-1"])), "not a JSON object");
        // A repeated member is refused, not read as its first or last value.
        let twice = r#"{"region":"eu-west-1","userPoolId":"","clientId":"web","clientId":"other"}"#;
        assert_eq!(
            PageConfig::from_json(twice).unwrap_err().to_string(),
            "invalid handoff configuration: not JSON (repeated member name at byte 55)"
        );
        assert!(
            PageConfig::from_json("{")
                .unwrap_err()
                .problem()
                .starts_with("not JSON (expected a member name")
        );
    }

    #[test]
    fn theme_values_are_plain_css() {
        let with_theme = |name: &str, value: &str| {
            let mut v = json();
            v["brand"] = serde_json::json!({ "theme": { name: value } });
            PageConfig::from_json(&v.to_string())
        };
        let config = with_theme("--handoff-accent", "#0a7").unwrap();
        assert_eq!(
            config.brand.theme.get("--handoff-accent").map(String::as_str),
            Some("#0a7")
        );
        assert!(with_theme("--handoff-font", "\"Urlaub Sans\", serif").is_ok());
        for bad in [
            "url(x)",
            "URL(x)",
            "red UrL(//evil)",
            "red; x: y",
            "}",
            "a\\62",
            "<b>",
            " ",
            "\u{7}",
        ] {
            assert_eq!(
                with_theme("--handoff-accent", bad).unwrap_err().problem(),
                "`brand.theme` value of `--handoff-accent` is not a plain CSS value",
                "{bad:?}"
            );
        }
        for bad in ["color", "--other", "--handoff-", "--handoff-a b"] {
            assert!(
                with_theme(bad, "red")
                    .unwrap_err()
                    .problem()
                    .contains("custom property"),
                "{bad}"
            );
        }
    }

    #[test]
    fn edge_url_is_an_origin_the_token_may_go_to() {
        let with_edge = |edge: &str| {
            let mut v = json();
            v["edgeUrl"] = edge.into();
            PageConfig::from_json(&v.to_string())
        };
        assert_eq!(
            PageConfig::from_json(&json().to_string()).unwrap().bind_url(),
            None
        );
        for (edge, bind) in [
            ("https://edge.example", "https://edge.example/v1/bind"),
            ("https://edge.example/", "https://edge.example/v1/bind"),
            (
                "https://handoff-edge.acme.workers.dev:8443/",
                "https://handoff-edge.acme.workers.dev:8443/v1/bind",
            ),
            ("https://[2001:db8::1]/", "https://[2001:db8::1]/v1/bind"),
            // Plain http on a loopback host only (the local stack).
            ("http://127.0.0.1:8787", "http://127.0.0.1:8787/v1/bind"),
            ("http://127.1.2.3:8787/", "http://127.1.2.3:8787/v1/bind"),
            ("http://localhost:8787/", "http://localhost:8787/v1/bind"),
            ("http://[::1]:8787/", "http://[::1]:8787/v1/bind"),
        ] {
            assert_eq!(
                with_edge(edge).unwrap().bind_url().as_deref(),
                Some(bind),
                "{edge}"
            );
        }
        for bad in [
            "",
            "edge.example",
            "//edge.example",
            "ftp://edge.example/",
            "javascript:alert(1)",
            "HTTPS://edge.example/",
            // http off loopback
            "http://edge.example/",
            "http://10.0.0.1:8787/",
            "http://127.0.0.1.evil.example/",
            "http://localhost.evil.example/",
            "http://[::2]/",
            // a path, query, fragment or userinfo
            "https://edge.example/v1",
            "https://edge.example//",
            "https://edge.example/?x",
            "https://edge.example?x",
            "https://edge.example#x",
            "https://user@edge.example/",
            "https://user:pw@edge.example/",
            "https://evil.example@edge.example/",
            "https://edge.example\\@evil.example/",
            // hosts and ports a parser could read two ways, or none
            "https://",
            "https:///",
            "https://edge..example/",
            "https://edge.example./",
            "https://-edge.example/",
            "https://ed%67e.example/",
            "https://édge.example/",
            "https://edge example/",
            "https://edge.example:/",
            "https://edge.example:0/",
            "https://edge.example:65536/",
            "https://edge.example:+80/",
            "https://[::1/",
            "https://[edge]/",
        ] {
            assert!(with_edge(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ignores_unknown_members() {
        // completeHandoff passes its whole options object (token, navigate, onProgress...) as the configuration.
        let mut v = json();
        v["navigate"] = false.into();
        v["token"] = "a.b.c".into();
        assert_eq!(
            PageConfig::from_json(&v.to_string()).unwrap().client_id,
            "webclient123"
        );
    }

    #[test]
    fn link_safety() {
        for ok in [
            "https://app.example/home",
            "/signin",
            "myapp://open",
            "signin?next=a:b",
            "http://127.0.0.1:8080/",
        ] {
            assert!(safe_link(ok), "{ok}");
        }
        for bad in [
            "",
            "javascript:x",
            " JavaScript:x",
            "JAVASCRIPT:x",
            "vbscript:x",
            "file:///etc",
            "1x:y",
            "a b",
        ] {
            assert!(!safe_link(bad), "{bad}");
        }
    }
}
