//! The landing page's plain logic: reading `#handoff=` (`Fragment::parse`), the local checks on the unverified
//! token (`Link::check`), and the page's configuration (`PageConfig::from_json`).
//!
//! First byte mod 3 picks the input's meaning:
//! 0. a `location.hash`;
//! 1. a token payload (JSON text) and extra fragment parameters, split on 0xFF: the harness wraps the payload in
//!    a token and puts it in a fragment, so the link checks see every payload the fuzzer can think of;
//! 2. a configuration (JSON text).
//!
//! Nothing panics. A fragment's token is exactly one well-formed `handoff` parameter, and no `handoff`
//! parameter is ever left in the address bar. `Debug` never shows the token, unless the rest (shown escaped, so a
//! NUL reads `\0`) holds its text itself. A link that passes names a user (1..=128 characters), a web client
//! that is ours or none, and a redirect that passes `check_redirect` against the allowlist. A configuration that
//! loads has a valid allowlist and default redirect, an http(s) endpoint, and no link with a scheme that runs code.
#![no_main]

use handoff_core::base64url;
use handoff_core::check_allowlist_entry;
use handoff_core::check_redirect;
use handoff_core::dangerous::insecure_payload;
use handoff_fuzz::fields;
use handoff_web::PageConfig;
use handoff_core::link::Fragment;
use handoff_web::link::{Link, MAX_TOKEN_BYTES, MAX_USERNAME_CHARS};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => fragment(&String::from_utf8_lossy(rest)),
        1 => {
            let f = fields(rest);
            let header = base64url::encode(br#"{"alg":"EdDSA","typ":"handoff+jwt","kid":"k1"}"#);
            let token = format!(
                "{header}.{}.{}",
                base64url::encode(&f[0]),
                base64url::encode([7; 64])
            );
            let extra = f.get(1).map(String::as_str).unwrap_or("");
            fragment(&format!("#{extra}&handoff={token}"));
        }
        _ => config(&String::from_utf8_lossy(rest)),
    }
});

/// The page configuration the link checks run under.
fn page_config() -> &'static PageConfig {
    static CONFIG: OnceLock<PageConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        PageConfig::from_json(
            r#"{"region": "eu-west-1", "userPoolId": "eu-west-1_AbC123", "clientId": "web-client-test",
                "redirectAllowlist": ["/orders", "/account/"], "defaultRedirect": "/orders"}"#,
        )
        .expect("the harness's configuration is valid")
    })
}

fn is_handoff_param(part: &str) -> bool {
    part == "handoff" || part.starts_with("handoff=")
}

fn fragment(hash: &str) {
    let parsed = Fragment::parse(hash);
    assert!(
        parsed.rest.is_empty() || parsed.rest.starts_with('#'),
        "rest {:?}",
        parsed.rest
    );
    assert!(
        !parsed
            .rest
            .strip_prefix('#')
            .unwrap_or("")
            .split('&')
            .any(is_handoff_param),
        "a handoff parameter stays in the address bar: {:?}",
        parsed.rest
    );
    let Ok(token) = &parsed.token else {
        return;
    };
    assert!(!token.is_empty());
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "token chars"
    );
    let params: Vec<&str> = hash.strip_prefix('#').unwrap_or(hash).split('&').collect();
    assert_eq!(
        params.iter().filter(|p| is_handoff_param(p)).count(),
        1,
        "a token from a fragment without exactly one handoff parameter"
    );
    assert!(params.contains(&format!("handoff={token}").as_str()));
    // Debug shows the rest escaped (`\0` for NUL), so the token's text can appear there when the rest holds it only
    // after escaping: the rest is the address bar's own text, not the token leaking.
    if token.len() >= 16 && !format!("{:?}", parsed.rest).contains(token.as_str()) {
        assert!(
            !format!("{parsed:?}").contains(token.as_str()),
            "Debug shows the token"
        );
    }
    link(token);
}

fn link(token: &str) {
    let config = page_config();
    let Ok(link) = Link::check(token, config) else {
        return;
    };
    assert_eq!(link.unverified.token, token);
    let chars = link.unverified.username.chars().count();
    assert!(
        (1..=MAX_USERNAME_CHARS).contains(&chars),
        "username of {chars} characters"
    );
    assert_eq!(
        check_redirect(&link.redirect, &config.redirect_allowlist),
        Ok(link.redirect.as_str()),
        "the link's redirect must pass the allowlist"
    );
    let payload = insecure_payload(token, MAX_TOKEN_BYTES).expect("a checked link has a readable payload");
    assert_eq!(payload.exp, Some(link.exp));
    assert!(
        payload.aud.is_none_or(|aud| aud == config.client_id),
        "another client's token"
    );
    match payload.redirect {
        Some(target) => assert_eq!(target, link.redirect),
        None => assert_eq!(link.redirect, config.default_redirect()),
    }
    // Whatever the device clock says.
    for now in [0, link.exp, link.exp.saturating_add(5), u64::MAX] {
        let _ = link.expired(now);
    }
    if token.len() >= 16 {
        assert!(!format!("{link:?}").contains(token), "Debug shows the token");
    }
}

fn config(text: &str) {
    let Ok(config) = PageConfig::from_json(text) else {
        return;
    };
    for entry in &config.redirect_allowlist {
        assert!(check_allowlist_entry(entry).is_ok(), "allowlist entry {entry:?}");
    }
    assert!(
        check_redirect(config.default_redirect(), &config.redirect_allowlist).is_ok(),
        "default redirect {:?} outside the allowlist",
        config.default_redirect()
    );
    let endpoint = config.endpoint();
    assert!(
        endpoint.starts_with("https://") || endpoint.starts_with("http://"),
        "endpoint {endpoint:?}"
    );
    for link in [&config.app_return_url, &config.other_sign_in_url]
        .into_iter()
        .flatten()
    {
        assert!(
            !link.is_empty() && link.bytes().all(|b| (0x21..=0x7e).contains(&b)),
            "link {link:?}"
        );
        if let Some(scheme) = url_scheme(link) {
            assert!(
                !matches!(
                    scheme.as_str(),
                    "javascript" | "data" | "vbscript" | "blob" | "file"
                ),
                "a link with a scheme that runs code: {link:?}"
            );
        }
    }
}

/// The scheme a browser reads from `link` (WHATWG URL: an ASCII letter, then letters, digits, `+`, `-`, `.`,
/// then `:`), lowercased; `None` for a relative link.
fn url_scheme(link: &str) -> Option<String> {
    let colon = link.find(':')?;
    let scheme = &link[..colon];
    let well_formed = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    well_formed.then(|| scheme.to_ascii_lowercase())
}
