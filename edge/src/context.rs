//! Context binding (login CSRF defence, as Auth0's native-to-web SSO does it): a link signs in only from the
//! network context it was asked for in. The edge records the mobile app's context at issue (the client IP from
//! `CF-Connecting-IP`, the only client address Cloudflare vouches for, and the ASN from `request.cf`). The
//! landing page, which cannot see its own context, asks the edge for a **binding**: a short-lived proof, bound
//! to the token's `jti`, of the context the edge saw the browser in. The page passes it to Cognito as
//! `ClientMetadata`, the Verify trigger forwards it on `/v1/redeem`, and the ledger compares it with the issue
//! context before burning. An attacker who sends a victim a link made on the attacker's phone cannot pass:
//! the victim's browser gets a binding for the victim's context, and the attacker cannot mint one.
//!
//! The proof is `base64url(JSON {kid, jti, ip, asn, exp}) "." base64url(HMAC-SHA256)`, keyed per signing key
//! (HKDF-like: SHA-256 of a label and the key's private DER), so any instance with the key set verifies it and
//! a key rotation needs nothing extra. Pure: keys, time and contexts are passed in.

use std::net::IpAddr;

use handoff_core::{Reason, base64url};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a binding is valid, in seconds (the page asks for it while InitiateAuth runs).
pub const BINDING_TTL_SECS: u64 = 60;
/// Longest binding accepted, in bytes.
pub const MAX_BINDING_LEN: usize = 1024;
/// Label of the MAC key derivation (versioned: a new format gets a new label).
const KEY_LABEL: &[u8] = b"handoff-binding-v1\0";

/// Which part of the context must match (`CONTEXT_BINDING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingPolicy {
    /// No binding: any browser may use a link.
    Off,
    /// Same network operator (ASN); the IP when an ASN is unknown on either side. The default: it stops links
    /// opened on another network (the attacker's link in the victim's browser) and tolerates carrier NAT and
    /// IPv4/IPv6 switches on one network.
    Asn,
    /// Same IPv4 address, or the same IPv6 /64.
    Ip,
}

impl BindingPolicy {
    /// Parses `off`, `asn` or `ip`.
    pub fn parse(text: &str) -> Option<BindingPolicy> {
        match text.trim() {
            "off" => Some(BindingPolicy::Off),
            "asn" => Some(BindingPolicy::Asn),
            "ip" => Some(BindingPolicy::Ip),
            _ => None,
        }
    }
}

/// Where a request came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The client address: IPv4 as is, IPv6 as its /64 (`2001:db8:1:2::/64`: a device's privacy addresses
    /// change within it).
    pub ip: String,
    /// The autonomous system number, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
}

impl Context {
    /// The context of a request from `CF-Connecting-IP` and `request.cf.asn`; `None` without a usable address.
    pub fn from_request(connecting_ip: Option<&str>, asn: Option<u32>) -> Option<Context> {
        let ip = normalize_ip(connecting_ip?)?;
        Some(Context {
            ip,
            asn: asn.filter(|&a| a != 0),
        })
    }

    /// Whether `seen` is the same context as `self` (recorded at issue) under `policy`.
    pub fn matches(&self, seen: &Context, policy: BindingPolicy) -> bool {
        match policy {
            BindingPolicy::Off => true,
            BindingPolicy::Ip => self.ip == seen.ip,
            BindingPolicy::Asn => match (self.asn, seen.asn) {
                (Some(a), Some(b)) => a == b,
                _ => self.ip == seen.ip,
            },
        }
    }
}

/// IPv4 as is; IPv6 as its /64; an IPv4-mapped IPv6 address as the IPv4 address.
pub fn normalize_ip(raw: &str) -> Option<String> {
    match raw.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(v4.to_string()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Some(v4.to_string()),
            None => {
                let s = v6.segments();
                Some(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
            }
        },
    }
}

/// The claims of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Claims {
    kid: String,
    jti: String,
    ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    asn: Option<u32>,
    exp: u64,
}

/// The MAC key of a signing key: SHA-256 of the label and the key's private DER.
pub fn mac_key(private_der: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(KEY_LABEL);
    hash.update(private_der);
    hash.finalize().into()
}

fn mac(key: &[u8; 32], payload: &str) -> Vec<u8> {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Mints a binding of `context` to `jti`, valid until `now + BINDING_TTL_SECS`, with the key `kid`.
pub fn mint(key: &[u8; 32], kid: &str, jti: &str, context: &Context, now: u64) -> String {
    let claims = Claims {
        kid: kid.to_owned(),
        jti: jti.to_owned(),
        ip: context.ip.clone(),
        asn: context.asn,
        exp: now + BINDING_TTL_SECS,
    };
    let payload = base64url::encode(serde_json::to_vec(&claims).unwrap_or_default());
    let tag = base64url::encode(mac(key, &payload));
    format!("{payload}.{tag}")
}

/// The `kid` a binding names (read before its MAC is checked, only to pick the key).
pub fn binding_kid(binding: &str) -> Option<String> {
    let payload = binding.split_once('.')?.0;
    let claims: Claims = serde_json::from_slice(&base64url::decode(payload)?).ok()?;
    Some(claims.kid)
}

/// Checks a binding for `jti` at `now` with the MAC key of the key it names (`key`, found by
/// [`binding_kid`]; `None` when no configured key has that kid). Returns the browser's context.
pub fn open(binding: &str, key: Option<&[u8; 32]>, jti: &str, now: u64) -> Result<Context, Reason> {
    if binding.is_empty() || binding.len() > MAX_BINDING_LEN {
        return Err(Reason::BadBinding);
    }
    let (payload, tag) = binding.split_once('.').ok_or(Reason::BadBinding)?;
    let key = key.ok_or(Reason::BadBinding)?;
    let tag = base64url::decode(tag).ok_or(Reason::BadBinding)?;
    let mut check = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Reason::BadBinding)?;
    check.update(payload.as_bytes());
    // Constant-time comparison of the tag.
    check.verify_slice(&tag).map_err(|_| Reason::BadBinding)?;
    let claims: Claims = base64url::decode(payload)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(Reason::BadBinding)?;
    if claims.jti != jti || now > claims.exp {
        return Err(Reason::BadBinding);
    }
    Ok(Context {
        ip: claims.ip,
        asn: claims.asn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn ctx(ip: &str, asn: Option<u32>) -> Context {
        Context::from_request(Some(ip), asn).unwrap()
    }

    #[test]
    fn addresses_are_normalized_ipv6_to_its_64() {
        assert_eq!(normalize_ip("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(
            normalize_ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd").as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(
            normalize_ip("2001:db8:1:2::1"),
            normalize_ip("2001:db8:1:2:ffff::9")
        );
        assert_ne!(normalize_ip("2001:db8:1:2::1"), normalize_ip("2001:db8:1:3::1"));
        assert_eq!(
            normalize_ip("::ffff:198.51.100.4").as_deref(),
            Some("198.51.100.4")
        );
        assert_eq!(normalize_ip(" 192.0.2.1 ").as_deref(), Some("192.0.2.1"));
        for bad in ["", "localhost", "1.2.3", "203.0.113.7, 10.0.0.1", "[::1]"] {
            assert_eq!(normalize_ip(bad), None, "{bad}");
        }
        assert_eq!(Context::from_request(None, Some(64500)), None);
        assert_eq!(ctx("192.0.2.1", Some(0)).asn, None, "ASN 0 means unknown");
    }

    #[test]
    fn policies_compare_what_they_say() {
        let phone = ctx("203.0.113.7", Some(64500));
        let same_carrier_new_ip = ctx("203.0.113.99", Some(64500));
        let elsewhere = ctx("198.51.100.4", Some(64501));
        assert!(phone.matches(&elsewhere, BindingPolicy::Off));
        assert!(phone.matches(&same_carrier_new_ip, BindingPolicy::Asn));
        assert!(!phone.matches(&elsewhere, BindingPolicy::Asn));
        assert!(!phone.matches(&same_carrier_new_ip, BindingPolicy::Ip));
        assert!(phone.matches(&ctx("203.0.113.7", Some(64999)), BindingPolicy::Ip));
        // An unknown ASN falls back to the address.
        assert!(ctx("192.0.2.1", None).matches(&ctx("192.0.2.1", Some(64500)), BindingPolicy::Asn));
        assert!(!ctx("192.0.2.1", None).matches(&ctx("192.0.2.2", Some(64500)), BindingPolicy::Asn));
        // IPv6 privacy addresses within one /64 are one device.
        assert!(ctx("2001:db8:1:2::1", None).matches(&ctx("2001:db8:1:2:9::9", None), BindingPolicy::Ip));
        assert_eq!(BindingPolicy::parse("asn"), Some(BindingPolicy::Asn));
        assert_eq!(BindingPolicy::parse("strict"), None);
    }

    #[test]
    fn a_binding_opens_only_for_its_jti_key_and_lifetime() {
        let key = mac_key(b"private der of key one");
        let other = mac_key(b"private der of key two");
        let browser = ctx("203.0.113.7", Some(64500));
        let binding = mint(&key, "k1", "jti-1", &browser, NOW);
        assert_eq!(binding_kid(&binding).as_deref(), Some("k1"));
        assert_eq!(open(&binding, Some(&key), "jti-1", NOW + 60), Ok(browser.clone()));
        assert_eq!(
            open(&binding, Some(&key), "jti-1", NOW + 61),
            Err(Reason::BadBinding)
        );
        assert_eq!(open(&binding, Some(&key), "jti-2", NOW), Err(Reason::BadBinding));
        assert_eq!(
            open(&binding, Some(&other), "jti-1", NOW),
            Err(Reason::BadBinding)
        );
        assert_eq!(open(&binding, None, "jti-1", NOW), Err(Reason::BadBinding));
        // A forged context: the payload changed, the tag did not.
        let (_, tag) = binding.split_once('.').unwrap();
        let forged = base64url::encode(
            br#"{"kid":"k1","jti":"jti-1","ip":"198.51.100.4","asn":64501,"exp":1800000060}"#,
        );
        assert_eq!(
            open(&format!("{forged}.{tag}"), Some(&key), "jti-1", NOW),
            Err(Reason::BadBinding)
        );
        for garbage in ["", ".", "abc", "a.b", &"x".repeat(MAX_BINDING_LEN + 1)] {
            assert_eq!(
                open(garbage, Some(&key), "jti-1", NOW),
                Err(Reason::BadBinding),
                "{garbage}"
            );
        }
    }
}
