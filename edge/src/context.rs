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
//!
//! The claims and the contexts in the ledger's messages are read and written by hand ([`handoff_core::json`]),
//! exactly as serde's derives wrote and read them (the derives remain for tests only, which compare the two).

use std::net::IpAddr;

use handoff_core::json::{self, Object, ObjectWriter, ToJson, Value};
use handoff_core::{Reason, base64url};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How long a binding is valid, in seconds (the page asks for it while InitiateAuth runs).
pub const BINDING_TTL_SECS: u64 = 60;
/// Longest binding accepted, in bytes.
pub const MAX_BINDING_LEN: usize = 1024;
/// Label of the MAC key derivation (versioned: a new format gets a new label).
const KEY_LABEL: &[u8] = b"handoff-binding-v1\0";

/// Which part of the context must match (`CONTEXT_BINDING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(rename_all = "snake_case"))]
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

    /// The policy's name in JSON (serde's snake_case unit variant).
    fn name(self) -> &'static str {
        match self {
            BindingPolicy::Off => "off",
            BindingPolicy::Asn => "asn",
            BindingPolicy::Ip => "ip",
        }
    }

    /// Writes the policy as JSON: its name, a string (`"asn"`).
    pub fn write_json(self, out: &mut String) {
        json::write_str(out, self.name());
    }

    /// Reads a policy as serde reads a unit variant: `"asn"`, or `{"asn":null}`; exactly, not trimmed.
    pub fn read(value: &Value) -> Option<BindingPolicy> {
        match variant(value)? {
            ("off", Value::Null) => Some(BindingPolicy::Off),
            ("asn", Value::Null) => Some(BindingPolicy::Asn),
            ("ip", Value::Null) => Some(BindingPolicy::Ip),
            _ => None,
        }
    }
}

/// Where a request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
pub struct Context {
    /// The client address: IPv4 as is, IPv6 as its /64 (`2001:db8:1:2::/64`: a device's privacy addresses
    /// change within it).
    pub ip: String,
    /// The autonomous system number, when known.
    #[cfg_attr(test, serde(default, skip_serializing_if = "Option::is_none"))]
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

    /// Writes the context as JSON: `{"ip":…,"asn":…}`, `asn` only when known.
    pub fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        members.str("ip", &self.ip);
        if let Some(asn) = self.asn {
            members.u64("asn", u64::from(asn));
        }
        members.end();
    }

    /// Reads a context: `ip` a string, `asn` absent, `null` or at most `u32::MAX`; other members ignored.
    pub fn read(value: &Value) -> Option<Context> {
        let members = value.as_object()?;
        Some(Context {
            ip: members.req_str("ip").ok()?,
            asn: opt_u32(members, "asn")?,
        })
    }
}

/// An externally tagged enum value as serde reads one: a one-member object `{"variant": data}`, or a unit
/// variant's name as a string, which this answers as `("variant", null)` (serde also reads `{"variant":null}` as
/// the unit variant, and refuses a string for a variant with data, so the two read alike).
pub(crate) fn variant(value: &Value) -> Option<(&str, &Value)> {
    static NULL: Value = Value::Null;
    match value {
        Value::String(name) => Some((name, &NULL)),
        Value::Object(members) => members.single(),
        _ => None,
    }
}

/// A `u32`, as serde reads one: a whole number up to `u32::MAX`.
fn read_u32(value: &Value) -> Option<u32> {
    u32::try_from(value.as_u64()?).ok()
}

/// A `u32` member that must be there; `None` when it is missing or not one.
pub(crate) fn req_u32(members: &Object, name: &str) -> Option<u32> {
    read_u32(members.get(name)?)
}

/// An optional `u32` member: `Some(None)` when absent or `null`, `None` when present and not a `u32`.
pub(crate) fn opt_u32(members: &Object, name: &str) -> Option<Option<u32>> {
    match members.present(name) {
        None => Some(None),
        Some(value) => read_u32(value).map(Some),
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(test, serde(deny_unknown_fields))]
struct Claims {
    kid: String,
    jti: String,
    ip: String,
    #[cfg_attr(test, serde(default, skip_serializing_if = "Option::is_none"))]
    asn: Option<u32>,
    exp: u64,
}

impl ToJson for Claims {
    /// The claims as JSON: `{"kid":…,"jti":…,"ip":…,"asn":…,"exp":…}`, `asn` only when known.
    fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        members
            .str("kid", &self.kid)
            .str("jti", &self.jti)
            .str("ip", &self.ip);
        if let Some(asn) = self.asn {
            members.u64("asn", u64::from(asn));
        }
        members.u64("exp", self.exp);
        members.end();
    }
}

impl Claims {
    /// The claims' members, in the order they are written.
    const MEMBERS: [&str; 5] = ["kid", "jti", "ip", "asn", "exp"];

    /// Reads claims from a payload's bytes: JSON text in UTF-8 (see [`Claims::read`]).
    fn from_json(bytes: &[u8]) -> Option<Claims> {
        Claims::read(&Value::Object(json::parse_object_bytes(bytes)?))
    }

    /// Reads claims: an object of the claims' members and no other (`asn` optional, up to `u32::MAX`).
    fn read(value: &Value) -> Option<Claims> {
        let members = value.as_object()?;
        if members.unknown_member(&Claims::MEMBERS).is_some() {
            return None;
        }
        Some(Claims {
            kid: members.req_str("kid").ok()?,
            jti: members.req_str("jti").ok()?,
            ip: members.req_str("ip").ok()?,
            asn: opt_u32(members, "asn")?,
            exp: members.req_u64("exp").ok()?,
        })
    }
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
    let payload = base64url::encode(claims.to_json());
    let tag = base64url::encode(mac(key, &payload));
    format!("{payload}.{tag}")
}

/// The `kid` a binding names (read before its MAC is checked, only to pick the key).
pub fn binding_kid(binding: &str) -> Option<String> {
    let payload = binding.split_once('.')?.0;
    Some(Claims::from_json(&base64url::decode(payload)?)?.kid)
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
    let claims = base64url::decode(payload)
        .and_then(|bytes| Claims::from_json(&bytes))
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
pub(crate) mod tests {
    use std::fmt::Debug;

    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use super::*;

    const NOW: u64 = 1_800_000_000;

    /// Strings plain and odd: quotes, backslashes, every control character, non-ASCII, a line separator.
    pub(crate) fn odd_strings() -> Vec<String> {
        vec![
            String::new(),
            "203.0.113.7".into(),
            "2001:db8:1:2::/64".into(),
            "quote \" backslash \\ slash /".into(),
            (0u8..0x20).map(char::from).chain(['\u{7f}']).collect(),
            "é ü 日本 😀 \u{2028}".into(),
        ]
    }

    /// Asserts that `write` writes `value` byte for byte as serde_json does, and that `read` reads it back.
    pub(crate) fn agrees<T>(value: &T, write: impl Fn(&T, &mut String), read: impl Fn(&Value) -> Option<T>)
    where
        T: Serialize + DeserializeOwned + PartialEq + Debug,
    {
        let mut ours = String::new();
        write(value, &mut ours);
        assert_eq!(ours, serde_json::to_string(value).unwrap(), "{value:?}");
        assert_eq!(read(&json::parse(&ours).unwrap()).as_ref(), Some(value), "{ours}");
    }

    /// Asserts that `read` reads `text`, which this code never writes, to what serde reads.
    pub(crate) fn reads_as_serde<T>(text: &str, read: impl Fn(&Value) -> Option<T>)
    where
        T: DeserializeOwned + PartialEq + Debug,
    {
        let serde = serde_json::from_str::<T>(text).unwrap_or_else(|e| panic!("{text}: serde: {e}"));
        assert_eq!(read(&json::parse(text).unwrap()), Some(serde), "{text}");
    }

    /// Asserts that serde refuses `text` with a message containing `because`, and that `read` refuses it.
    pub(crate) fn refused<T>(text: &str, read: impl Fn(&Value) -> Option<T>, because: &str)
    where
        T: DeserializeOwned + PartialEq + Debug,
    {
        let serde = serde_json::from_str::<T>(text).unwrap_err().to_string();
        assert!(
            serde.contains(because),
            "{text}: serde says {serde}, not {because}"
        );
        assert_eq!(read(&json::parse(text).unwrap()), None, "{text}");
    }

    /// Asserts that serde reads `text` but this code refuses it (one of the documented strictnesses).
    pub(crate) fn stricter<T>(text: &str, read: impl Fn(&Value) -> Option<T>)
    where
        T: DeserializeOwned + PartialEq + Debug,
    {
        assert!(serde_json::from_str::<T>(text).is_ok(), "serde refuses {text}");
        assert_eq!(json::parse(text).ok().and_then(|v| read(&v)), None, "{text}");
    }

    const POLICIES: [BindingPolicy; 3] = [BindingPolicy::Off, BindingPolicy::Asn, BindingPolicy::Ip];
    const ASNS: [Option<u32>; 4] = [None, Some(0), Some(64500), Some(u32::MAX)];

    #[test]
    fn contexts_policies_and_claims_are_written_and_read_as_serde_did() {
        for policy in POLICIES {
            agrees(&policy, |p, out| p.write_json(out), BindingPolicy::read);
        }
        for ip in odd_strings() {
            for asn in ASNS {
                let context = Context { ip: ip.clone(), asn };
                agrees(&context, Context::write_json, Context::read);
                for exp in [0, NOW, u64::MAX] {
                    let claims = Claims {
                        kid: ip.clone(),
                        jti: format!("{ip}-jti"),
                        ip: ip.clone(),
                        asn,
                        exp,
                    };
                    agrees(&claims, |c, out| out.push_str(&c.to_json()), Claims::read);
                }
            }
        }
    }

    #[test]
    fn a_binding_is_minted_and_read_as_the_serde_version_did() {
        let key = mac_key(b"private der");
        let claims = Claims {
            kid: "k\"1".into(),
            jti: "jti-é".into(),
            ip: "2001:db8:1:2::/64".into(),
            asn: Some(u32::MAX),
            exp: NOW + BINDING_TTL_SECS,
        };
        let context = Context {
            ip: claims.ip.clone(),
            asn: claims.asn,
        };
        let binding = mint(&key, &claims.kid, &claims.jti, &context, NOW);
        let serde_payload = base64url::encode(serde_json::to_vec(&claims).unwrap());
        assert_eq!(
            binding.split_once('.').map(|(p, _)| p),
            Some(serde_payload.as_str())
        );
        assert_eq!(binding_kid(&binding).as_deref(), Some("k\"1"));
        assert_eq!(open(&binding, Some(&key), &claims.jti, NOW), Ok(context));
        // Not UTF-8: both refuse.
        assert_eq!(Claims::from_json(b"{\"kid\":\"\xff\"}"), None);
        assert!(serde_json::from_slice::<Claims>(b"{\"kid\":\"\xff\"}").is_err());
    }

    #[test]
    fn context_policy_and_claims_readers_refuse_what_serde_refuses() {
        refused(r#"{"asn":1}"#, Context::read, "missing field `ip`");
        refused(r#"{"ip":1}"#, Context::read, "invalid type: integer");
        refused(r#"{"ip":"a","asn":4294967296}"#, Context::read, "expected u32");
        refused(r#"{"ip":"a","asn":-1}"#, Context::read, "expected u32");
        refused(
            r#"{"ip":"a","asn":1.0}"#,
            Context::read,
            "invalid type: floating point",
        );
        refused(r#"{"ip":"a","asn":"1"}"#, Context::read, "invalid type: string");
        refused(r#""a""#, Context::read, "invalid type: string");
        refused(r#"null"#, Context::read, "invalid type: null");
        refused(r#""strict""#, BindingPolicy::read, "unknown variant `strict`");
        refused(r#"" asn""#, BindingPolicy::read, "unknown variant");
        refused(r#""ASN""#, BindingPolicy::read, "unknown variant");
        refused(r#"{"asn":{}}"#, BindingPolicy::read, "expected unit");
        refused(r#"{"asn":null,"ip":null}"#, BindingPolicy::read, "expected value");
        refused(r#"{}"#, BindingPolicy::read, "expected value");
        refused(r#"null"#, BindingPolicy::read, "expected value");
        refused(r#"["asn"]"#, BindingPolicy::read, "expected value");
        let claims = r#""kid":"k","jti":"j","ip":"a","asn":1,"exp":2"#;
        reads_as_serde(&format!("{{{claims}}}"), Claims::read);
        refused(
            &format!(r#"{{{claims},"x":1}}"#),
            Claims::read,
            "unknown field `x`",
        );
        refused(
            r#"{"jti":"j","ip":"a","exp":2}"#,
            Claims::read,
            "missing field `kid`",
        );
        refused(
            r#"{"kid":"k","jti":"j","ip":"a"}"#,
            Claims::read,
            "missing field `exp`",
        );
        refused(
            r#"{"kid":"k","jti":"j","ip":"a","asn":4294967296,"exp":2}"#,
            Claims::read,
            "expected u32",
        );
        refused(
            r#"{"kid":"k","jti":"j","ip":"a","exp":"2"}"#,
            Claims::read,
            "invalid type: string",
        );
        // A known member twice: serde refuses it as a duplicate field, the JSON reader as a repeated name.
        let twice = r#"{"kid":"k","jti":"j","ip":"a","exp":2,"exp":3}"#;
        let serde = serde_json::from_str::<Claims>(twice).unwrap_err().to_string();
        assert!(serde.contains("duplicate field `exp`"), "{serde}");
        assert_eq!(
            json::parse(twice).map_err(|e| e.what),
            Err("repeated member name")
        );
    }

    #[test]
    fn context_policy_and_claims_readers_accept_what_serde_accepts_beyond_what_is_written() {
        reads_as_serde(r#"{"ip":"a","asn":null}"#, Context::read);
        reads_as_serde(r#" { "asn" : 7 , "ip" : "a" } "#, Context::read);
        reads_as_serde(r#"{"x":[1,{"y":null}],"ip":"a","z":"w"}"#, Context::read);
        reads_as_serde(r#"{"ip":null}"#, BindingPolicy::read);
        reads_as_serde(
            r#"{"exp":1,"ip":"a","jti":"j","kid":"k","asn":null}"#,
            Claims::read,
        );
    }

    #[test]
    fn context_readers_are_stricter_than_serde_only_where_documented() {
        stricter(r#"["a",5]"#, Context::read);
        stricter(r#"{"ip":"a","x":1,"x":2}"#, Context::read);
        let deep = format!(r#"{{"ip":"a","x":{}{}}}"#, "[".repeat(100), "]".repeat(100));
        stricter(&deep, Context::read);
        stricter(r#"["k","j","a",1,2]"#, Claims::read);
    }

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
