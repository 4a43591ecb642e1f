//! The unverified reads: core's `dangerous::insecure_payload` (the landing page's only door to a token's
//! payload) and the edge's `unverified_jti` (the KV burn-record lookup before the signature check).
//!
//! Input: two bytes of size limit, then the token. Neither read panics; `insecure_payload` refuses every token
//! over its limit (and only says `TooLarge` for those), accepts only three dot-separated parts, and what it
//! reads agrees with a plain JSON reading of the payload; `unverified_jti` returns only plausible ids (1..=64
//! base64url characters) that really are the payload's `jti`.
#![no_main]

use handoff_core::ErrorKind;
use handoff_core::base64url;
use handoff_core::dangerous::insecure_payload;
use handoff_edge::request::unverified_jti;
use handoff_fuzz::Bytes;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::Value;

/// The payload members `insecure_payload` reads, as untyped JSON.
#[derive(Deserialize)]
struct PageMembers {
    username: Option<Value>,
    redirect: Option<Value>,
    exp: Option<Value>,
    aud: Option<Value>,
}

/// The member `unverified_jti` reads, as untyped JSON.
#[derive(Deserialize)]
struct JtiMember {
    jti: Option<Value>,
}

fuzz_target!(|data: &[u8]| {
    let (limit, token) = data.split_at(data.len().min(2));
    let max_bytes = usize::from(Bytes(limit).u16());
    let token = String::from_utf8_lossy(token);
    let token = token.as_ref();

    // The same members, read as plain JSON values. serde_json skips members a struct does not name without
    // checking them (invalid UTF-8 in a string, a number out of range), so the comparison skips them the same way.
    fn members<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
        let mut parts = token.split('.');
        serde_json::from_slice(&base64url::decode(parts.nth(1)?)?).ok()
    }

    match insecure_payload(token, max_bytes) {
        Ok(read) => {
            assert!(token.len() <= max_bytes, "read a token over the limit");
            assert_eq!(token.split('.').count(), 3, "read a token without three parts");
            let json: PageMembers = members(token).expect("the payload read is a JSON object");
            let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
            assert_eq!(read.username, text(&json.username));
            assert_eq!(read.redirect, text(&json.redirect));
            assert_eq!(read.aud, text(&json.aud));
            assert_eq!(read.exp, json.exp.as_ref().and_then(Value::as_u64));
        }
        Err(e) => {
            let too_large = token.len() > max_bytes;
            assert_eq!(
                matches!(e.kind(), ErrorKind::TooLarge { .. }),
                too_large,
                "TooLarge is the answer exactly for tokens over the limit: {e:?}"
            );
        }
    }

    if let Some(jti) = unverified_jti(token) {
        assert!((1..=64).contains(&jti.len()), "implausible jti length");
        assert!(
            jti.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "implausible jti characters"
        );
        let json: JtiMember = members(token).expect("the jti came from a JSON object");
        assert_eq!(json.jti.as_ref().and_then(Value::as_str), Some(jti.as_str()));
    }
});
