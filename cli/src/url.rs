//! The one check for URLs the CLI sends credentials to (access tokens, passwords, links, refresh tokens):
//! `https://`, or plain `http://` on a loopback host (a local stack); never with user information
//! (`http://127.0.0.1:@evil.example` is a request to evil.example).

use std::net::{Ipv4Addr, Ipv6Addr};

/// `url` trimmed if it is safe to send credentials to; else an error that names the setting (`name`).
pub fn checked(name: &str, url: &str) -> Result<String, String> {
    let trimmed = url.trim();
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| format!("{name} must be an https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!("{name} must not contain user information (user@host)"));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !host.is_empty() => Ok(trimmed.to_owned()),
        "http" if loopback => Ok(trimmed.to_owned()),
        _ => Err(format!(
            "{name} must be an https:// URL (plain http only on loopback)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::checked;

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        for ok in [
            "https://edge.example",
            " https://cognito-idp.eu-west-1.amazonaws.com/ ",
            "http://127.0.0.1:8787",
            "http://127.8.0.1/",
            "http://localhost:9/x",
            "http://[::1]:80/",
            "HTTPS://EDGE.EXAMPLE",
        ] {
            assert_eq!(checked("X", ok).as_deref(), Ok(ok.trim()), "{ok}");
        }
        for (bad, why) in [
            ("http://edge.example", "plain http only on loopback"),
            ("http://127.0.0.1.evil.example/", "plain http only on loopback"),
            ("http://127.0.0.1:@evil.example/", "user information"),
            ("https://user@edge.example", "user information"),
            ("edge.example", "must be an https:// URL"),
            ("https://", "plain http only on loopback"),
            ("ftp://127.0.0.1/", "plain http only on loopback"),
        ] {
            let err = checked("X", bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
