//! The page's configuration: read from the inline `<script type="application/json" id="handoff-config">` block
//! (or passed to `completeHandoff`), checked once, before anything else happens.

use handoff_core::{check_allowlist_entry, check_redirect};
use serde::Deserialize;

/// The `id` of the inline JSON block that carries the configuration.
pub const CONFIG_ELEMENT_ID: &str = "handoff-config";

/// Where the user lands when the token names no redirect and the configuration sets no default.
pub const FALLBACK_REDIRECT: &str = "/";

/// The landing page's configuration (JSON, camelCase member names). Unknown members are ignored so that one
/// object can also carry `completeHandoff`'s options.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// AWS region of the user pool (`eu-west-1`).
    pub region: String,
    /// The user pool id (`eu-west-1_AbC123`); shown nowhere, kept for apps that read the config.
    pub user_pool_id: String,
    /// The web app client id (CUSTOM_AUTH enabled, no secret): the token's `aud` and the Amplify key prefix.
    pub client_id: String,
    /// Cognito's endpoint. Defaults to `https://cognito-idp.<region>.amazonaws.com/`; set it for a local emulator.
    #[serde(default)]
    pub cognito_endpoint: Option<String>,
    /// Path prefixes a redirect may land under (core's `check_redirect` rules).
    #[serde(default)]
    pub redirect_allowlist: Vec<String>,
    /// Where to land when the token carries no redirect. Defaults to `/`; must itself pass the allowlist.
    #[serde(default)]
    pub default_redirect: Option<String>,
    /// "Back to the app" link on every error screen (for example the app's universal link).
    #[serde(default)]
    pub app_return_url: Option<String>,
    /// "Sign in another way" link on every error screen (the web app's normal sign-in).
    #[serde(default)]
    pub other_sign_in_url: Option<String>,
}

/// Why a configuration was refused; the page shows "service misconfigured" for every one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid handoff configuration: {}", self.0)
    }
}

impl Config {
    /// Parses and checks the configuration JSON.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        let config: Config =
            serde_json::from_str(text).map_err(|e| ConfigError(format!("not the expected JSON ({e})")))?;
        config.check()?;
        Ok(config)
    }

    /// Checks every member; a page with a bad configuration must not send anything anywhere.
    pub fn check(&self) -> Result<(), ConfigError> {
        let simple = |name: &str, value: &str| {
            let ok = !value.is_empty()
                && value.len() <= 128
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
            if ok {
                Ok(())
            } else {
                Err(ConfigError(format!("`{name}` must be a non-empty identifier")))
            }
        };
        simple("region", &self.region)?;
        simple("clientId", &self.client_id)?;
        if !self.user_pool_id.is_empty() {
            simple("userPoolId", &self.user_pool_id)?;
        }
        if let Some(endpoint) = &self.cognito_endpoint
            && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        {
            return Err(ConfigError("`cognitoEndpoint` must be an http(s) URL".into()));
        }
        for entry in &self.redirect_allowlist {
            check_allowlist_entry(entry)
                .map_err(|e| ConfigError(format!("`redirectAllowlist` entry `{entry}`: {e}")))?;
        }
        check_redirect(self.default_redirect(), &self.redirect_allowlist)
            .map_err(|e| ConfigError(format!("`defaultRedirect`: {e}")))?;
        for (name, link) in [
            ("appReturnUrl", &self.app_return_url),
            ("otherSignInUrl", &self.other_sign_in_url),
        ] {
            if let Some(link) = link
                && !safe_link(link)
            {
                return Err(ConfigError(format!("`{name}` is not a safe link")));
            }
        }
        Ok(())
    }

    /// The Cognito endpoint requests go to.
    pub fn endpoint(&self) -> String {
        match &self.cognito_endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://cognito-idp.{}.amazonaws.com/", self.region),
        }
    }

    /// Where to land when the token names no redirect.
    pub fn default_redirect(&self) -> &str {
        self.default_redirect.as_deref().unwrap_or(FALLBACK_REDIRECT)
    }
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
    if scheme.contains(['/', '?', '#']) {
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
        let config = Config::from_json(&json().to_string()).unwrap();
        assert_eq!(config.client_id, "webclient123");
        assert_eq!(config.endpoint(), "https://cognito-idp.eu-west-1.amazonaws.com/");
        assert_eq!(config.default_redirect(), "/orders");
    }

    #[test]
    fn endpoint_override_for_the_emulator() {
        let mut v = json();
        v["cognitoEndpoint"] = "http://127.0.0.1:4566/".into();
        assert_eq!(
            Config::from_json(&v.to_string()).unwrap().endpoint(),
            "http://127.0.0.1:4566/"
        );
        v["cognitoEndpoint"] = "javascript:alert(1)".into();
        assert!(Config::from_json(&v.to_string()).is_err());
    }

    #[test]
    fn default_redirect_must_be_allowed() {
        let mut v = json();
        v["defaultRedirect"] = "/admin".into();
        assert!(Config::from_json(&v.to_string()).is_err());
        v.as_object_mut().unwrap().remove("defaultRedirect");
        // `/` is the fallback, and it is not under `/orders` or `/account/`.
        assert!(Config::from_json(&v.to_string()).is_err());
        v["redirectAllowlist"] = serde_json::json!(["/"]);
        assert_eq!(Config::from_json(&v.to_string()).unwrap().default_redirect(), "/");
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
            assert!(Config::from_json(&v.to_string()).is_err(), "{key}");
        }
        assert!(Config::from_json("not json").is_err());
    }

    #[test]
    fn ignores_unknown_members() {
        // completeHandoff passes its whole options object (token, navigate, onProgress...) as the configuration.
        let mut v = json();
        v["navigate"] = false.into();
        v["token"] = "a.b.c".into();
        assert_eq!(
            Config::from_json(&v.to_string()).unwrap().client_id,
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
