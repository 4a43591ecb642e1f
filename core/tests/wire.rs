//! The edge's hand-written readers and writers of the API bodies against the serde derives the CLI and the
//! triggers use: the same JSON both ways, and the same bodies refused. Runs natively and on wasm32.

use handoff_core::Reason;
use handoff_core::json::ToJson;
use handoff_core::wire::{
    BindAnswer, ErrorBody, IssueAnswer, IssueRequest, RedeemAnswer, RedeemRequest, RevokeAnswer, read_body,
};
use serde::de::DeserializeOwned;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const ODD: &str = "q\"b\\s/\n\u{1}\u{7f}é\u{2028}😀";

/// serde's reading, or `Err(data_error)` telling a JSON text of the wrong shape from a text that is not JSON.
fn serde_reading<T: DeserializeOwned>(text: &str) -> Result<T, bool> {
    serde_json::from_str(text).map_err(|e| e.classify() == serde_json::error::Category::Data)
}

fn same_reading<T: DeserializeOwned + handoff_core::json::FromObject + PartialEq + std::fmt::Debug>(
    text: &str,
) {
    let ours = read_body::<T>(text).map_err(|e| e.is_some());
    // serde reads a struct from an array too; the edge refuses anything but an object before serde sees it.
    let serde = if text.trim_start().starts_with('{') {
        serde_reading::<T>(text)
    } else {
        Err(serde_json::from_str::<serde_json::Value>(text).is_ok())
    };
    assert_eq!(ours, serde, "{text}");
}

#[test]
fn request_bodies_read_as_serde_read_them() {
    let redeem = r#"{"token":"t","sub":"s","username":"u","client_id":"c","nonce":"n"}"#;
    for text in [
        "{}",
        r#"{"redirect":"/inbox"}"#,
        r#"{"redirect":null}"#,
        r#"{"redirect":7}"#,
        r#"{"redirect":"/a","other":1}"#,
        r#" { "redirect" : "\u00e9\"" } "#,
        "[]",
        r#"["/x"]"#,
        "null",
        "\"x\"",
        "{",
        r#"{"redirect":"/a"} {}"#,
        "",
    ] {
        same_reading::<IssueRequest>(text);
    }
    for text in [
        redeem,
        r#"{"token":"t","sub":"s","username":"u","client_id":"c","nonce":"n","binding":"b"}"#,
        r#"{"token":"t","sub":"s","username":"u","client_id":"c","nonce":"n","binding":null}"#,
        r#"{"token":"t","sub":"s","username":"u","client_id":"c"}"#,
        r#"{"token":null,"sub":"s","username":"u","client_id":"c","nonce":"n"}"#,
        r#"{"token":"t","sub":1,"username":"u","client_id":"c","nonce":"n"}"#,
        r#"{"token":"t","sub":"s","username":"u","client_id":"c","nonce":"n","extra":true}"#,
        r#"{"token":"t","sub":"s","username":"u","client_id":"c","nonce":"n","binding":{}}"#,
        include_str!("../../tests/fixtures/wire/redeem-request.json"),
    ] {
        same_reading::<RedeemRequest>(text);
    }
}

#[test]
fn a_repeated_member_is_a_body_of_the_wrong_shape_as_serde_said() {
    let twice = r#"{"redirect":"/a","redirect":"/b"}"#;
    assert_eq!(serde_reading::<IssueRequest>(twice), Err(true));
    let err = read_body::<IssueRequest>(twice).unwrap_err().unwrap();
    assert_eq!(err.expected, "an object without repeated member names");
}

#[test]
fn a_wrong_member_is_named() {
    let err = read_body::<IssueRequest>(r#"{"redirect":"/a","extra":1}"#)
        .unwrap_err()
        .unwrap();
    assert_eq!(err.to_string(), "`extra` must be absent (not a known member)");
    let err = read_body::<RedeemRequest>(r#"{"token":"t"}"#)
        .unwrap_err()
        .unwrap();
    assert_eq!(err.to_string(), "`sub` must be a string");
    assert_eq!(read_body::<IssueRequest>("{").unwrap_err(), None);
}

#[test]
fn answers_are_written_byte_for_byte_as_serde_json_writes_them() {
    fn same<T: ToJson + serde::Serialize>(value: &T) {
        assert_eq!(value.to_json(), serde_json::to_string(value).unwrap());
    }
    for s in ["", "plain", ODD] {
        same(&IssueAnswer {
            token: s.into(),
            url: format!("https://web.example/handoff#handoff={s}"),
            expires_in: 60,
        });
        same(&BindAnswer {
            binding: s.into(),
            expires_in: u64::MAX,
        });
        same(&ErrorBody::new(Reason::RateLimited, s));
    }
    same(&RedeemAnswer::OK);
    for &reason in Reason::ALL {
        same(&RedeemAnswer::refused(reason));
        same(&ErrorBody::new(reason, "m"));
    }
    for revoked in [0, 1, u32::MAX] {
        same(&RevokeAnswer { revoked });
    }
}

#[test]
fn the_golden_answers_are_what_the_writer_writes() {
    let compact = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        RedeemAnswer::OK.to_json(),
        compact(include_str!("../../tests/fixtures/wire/redeem-answer-ok.json"))
    );
    assert_eq!(
        RedeemAnswer::refused(Reason::Replayed).to_json(),
        compact(include_str!(
            "../../tests/fixtures/wire/redeem-answer-replayed.json"
        ))
    );
}
