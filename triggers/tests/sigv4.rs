//! The SigV4 signer against AWS's own: `tests/fixtures/aws/sigv4.json` holds `Authorization` headers that
//! botocore's `SigV4Auth` computed for Secrets Manager `GetSecretValue` requests (example credentials only).

use handoff_triggers::sigv4::{self, Credentials, JsonRequest};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/aws/sigv4.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["cases"].as_array().unwrap().clone()
}

fn sign(case: &Value) -> Vec<(&'static str, String)> {
    let request = JsonRequest {
        host: case["host"].as_str().unwrap(),
        target: "secretsmanager.GetSecretValue",
        body: case["body"].as_str().unwrap().as_bytes(),
        region: case["region"].as_str().unwrap(),
        service: "secretsmanager",
    };
    let credentials = Credentials {
        access_key_id: case["access_key_id"].as_str().unwrap().into(),
        secret_access_key: case["secret_access_key"].as_str().unwrap().into(),
        session_token: case["session_token"].as_str().map(str::to_owned),
    };
    sigv4::sign(&request, &credentials, case["amz_date"].as_str().unwrap())
}

fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
}

#[test]
fn signatures_match_botocore() {
    let cases = cases();
    assert!(cases.len() >= 3);
    for case in &cases {
        let headers = sign(case);
        assert_eq!(
            header(&headers, "authorization"),
            case["authorization"].as_str(),
            "{}",
            case["name"]
        );
        assert_eq!(header(&headers, "x-amz-date"), case["amz_date"].as_str());
        assert_eq!(
            header(&headers, "x-amz-security-token"),
            case["session_token"].as_str()
        );
        assert_eq!(header(&headers, "content-type"), Some(sigv4::CONTENT_TYPE));
        // The HTTP client sets Host from the URL; sending it twice would break the signature.
        assert_eq!(header(&headers, "host"), None);
    }
}

#[test]
fn any_change_to_a_signed_input_changes_the_signature() {
    let case = &cases()[0];
    let good = header(&sign(case), "authorization").unwrap().to_owned();
    for (field, value) in [
        ("body", "{\"SecretId\":\"another\"}"),
        ("host", "secretsmanager.eu-west-2.amazonaws.com"),
        ("region", "eu-west-2"),
        ("secret_access_key", "another-secret"),
        ("session_token", "another-token"),
        ("amz_date", "20261128T084606Z"),
    ] {
        let mut changed = case.clone();
        changed[field] = value.into();
        assert_ne!(header(&sign(&changed), "authorization").unwrap(), good, "{field}");
    }
}
