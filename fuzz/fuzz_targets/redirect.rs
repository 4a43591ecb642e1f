//! `check_redirect` over arbitrary targets and allowlists. Input: the target, then allowlist entries, split on
//! 0xFF (`/orders/42<FF>/orders<FF>/account/`).
//!
//! Whatever passes is returned unchanged and: is 1..=1024 bytes of printable ASCII; starts with exactly one `/`;
//! has no `\`; has no `;`, `.` or `..` segment in its path; hides none of those (nor a control byte) behind a
//! percent escape, and has no malformed escape; and lies under an allowlist entry that is itself a valid plain
//! path, on a segment boundary. Syntax refusals do not depend on the allowlist, and adding entries never turns
//! a pass into a refusal.
#![no_main]

use handoff_core::{MAX_REDIRECT_LEN, RedirectError, check_allowlist_entry, check_redirect};
use handoff_fuzz::fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fields(data);
    let (target, allowlist) = (&f[0], &f[1..]);
    let result = check_redirect(target, allowlist);
    let everything = check_redirect(target, &["/"]);
    match result {
        Ok(passed) => {
            assert_eq!(passed, target.as_str(), "the target must come back unchanged");
            assert_safe(target);
            assert!(
                allowlist
                    .iter()
                    .any(|p| check_allowlist_entry(p).is_ok() && under(path(target), p)),
                "{target:?} passed but lies under no valid entry of {allowlist:?}"
            );
            assert_eq!(everything, Ok(target.as_str()), "`/` allows every clean path");
            let mut more = allowlist.to_vec();
            more.push("/other".to_owned());
            assert_eq!(
                check_redirect(target, &more),
                Ok(target.as_str()),
                "more entries, same answer"
            );
        }
        Err(RedirectError::NotAllowed) => {
            assert!(everything.is_ok(), "a clean path refused by `/`: {target:?}");
        }
        Err(syntax) => assert_eq!(everything, Err(syntax), "syntax refusals ignore the allowlist"),
    }
});

/// The path part: up to the first `?` or `#`.
fn path(target: &str) -> &str {
    &target[..target.find(['?', '#']).unwrap_or(target.len())]
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || (path.starts_with(prefix) && (prefix.ends_with('/') || path[prefix.len()..].starts_with('/')))
}

fn assert_safe(target: &str) {
    let bytes = target.as_bytes();
    assert!(
        (1..=MAX_REDIRECT_LEN).contains(&bytes.len()),
        "length {}",
        bytes.len()
    );
    assert!(
        bytes.iter().all(|b| (0x21..=0x7e).contains(b)),
        "non-printable or non-ASCII: {target:?}"
    );
    assert!(
        target.starts_with('/') && !target.starts_with("//"),
        "not one leading slash: {target:?}"
    );
    assert!(!target.contains('\\'), "backslash: {target:?}");
    let p = path(target);
    assert!(!p.contains(';'), "path parameter: {target:?}");
    assert!(
        !p.split('/').any(|s| s == "." || s == ".."),
        "dot segment: {target:?}"
    );
    // Decoded once (as a server might), nothing forbidden appears either.
    let decoded = percent_decode(target).unwrap_or_else(|| panic!("malformed escape passed: {target:?}"));
    assert!(!decoded.contains(&b'\\'), "encoded backslash: {target:?}");
    assert!(!decoded.starts_with(b"//"), "encoded second slash: {target:?}");
    assert!(
        decoded.iter().all(|&b| b >= 0x20 && b != 0x7f),
        "encoded control byte: {target:?}"
    );
    let decoded_path = percent_decode(p).expect("the path is part of the target");
    assert!(
        !decoded_path.contains(&b';'),
        "encoded path parameter: {target:?}"
    );
    assert!(
        !decoded_path
            .split(|&b| b == b'/')
            .any(|s| s == b"." || s == b".."),
        "encoded dot segment: {target:?}"
    );
    // No second round of decoding either: `%25` never passes.
    assert!(!decoded.contains(&b'%'), "double encoding: {target:?}");
}

/// One round of percent-decoding; `None` on a malformed escape.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(
                u8::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))?,
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}
