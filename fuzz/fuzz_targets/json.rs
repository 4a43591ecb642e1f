//! The page's JSON reader and writer (`handoff_core::json`) against serde_json, on any text.
//!
//! Input: the bytes, read as UTF-8 (lossily: the page reads `&str`).
//!
//! Nothing panics. The reader accepts exactly the texts serde_json accepts, except three deliberate differences:
//! it refuses an object with a repeated member name and nesting deeper than `MAX_DEPTH` (serde_json reads both),
//! and it keeps a number serde_json calls out of range as its text. Where both read a text they read the same
//! value (numbers compared by serde_json's reading of our text). Every string the reader returns is written back
//! byte for byte as serde_json writes it, and reads back as itself.
#![no_main]

use handoff_core::json::{self, MAX_DEPTH, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ours = json::parse(&text);
    let serde = serde_json::from_str::<serde_json::Value>(&text);
    match (&ours, &serde) {
        (Ok(ours), Ok(serde)) => {
            assert!(same(ours, serde), "different readings of {text:?}");
            strings_round_trip(ours);
        }
        (Err(e), Ok(_)) => assert!(
            e.what == "repeated member name" || (e.what == "nested too deeply" && depth(&text) > MAX_DEPTH),
            "serde_json reads {text:?}, we refuse it: {e}"
        ),
        (Ok(ours), Err(e)) => assert!(
            e.to_string().starts_with("number out of range") && has_number(ours),
            "we read {text:?}, serde_json refuses it: {e}"
        ),
        (Err(_), Err(_)) => {}
    }
    // The writer, on the input as one string.
    let written = json::string(&text);
    assert_eq!(written, serde_json::to_string(&*text).unwrap());
    assert_eq!(json::parse(&written), Ok(Value::String(text.into_owned())));
});

fn same(ours: &Value, serde: &serde_json::Value) -> bool {
    match (ours, serde) {
        (Value::Null, serde_json::Value::Null) => true,
        (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (Value::Number(a), serde_json::Value::Number(b)) => {
            serde_json::from_str::<serde_json::Number>(a).is_ok_and(|a| a == *b)
                && ours.as_u64() == b.as_u64()
        }
        (Value::String(a), serde_json::Value::String(b)) => a == b,
        (Value::Array(a), serde_json::Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), serde_json::Value::Object(b)) => {
            a.iter().count() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}

fn strings_round_trip(value: &Value) {
    match value {
        Value::String(s) => {
            assert_eq!(json::string(s), serde_json::to_string(s).unwrap());
            assert_eq!(json::parse(&json::string(s)).as_ref(), Ok(value));
        }
        Value::Array(items) => items.iter().for_each(strings_round_trip),
        Value::Object(members) => members.iter().for_each(|(name, v)| {
            strings_round_trip(&Value::String(name.to_owned()));
            strings_round_trip(v);
        }),
        _ => {}
    }
}

fn has_number(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::Array(items) => items.iter().any(has_number),
        Value::Object(members) => members.iter().any(|(_, v)| has_number(v)),
        _ => false,
    }
}

/// The deepest nesting of `[` and `{` outside strings.
fn depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for b in text.bytes() {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
