//! The SRP password proof against Amplify's own code: `fixtures/srp/vectors.json`, written by
//! `fixtures/srp/gen.mjs` from aws-amplify's SRP helpers (fixed a, salt, B, secret block and timestamp; each
//! exchange also checked from the server's side there).

use handoff_core::named::Named;
use std::cell::RefCell;
use std::path::PathBuf;

use handoff_cli::cognito::{Client, Error, ErrorKind, RawResponse, Transport};
use handoff_cli::signin::{self, AuthFlow, Credentials, SignInError};
use handoff_cli::srp::{self, Srp};
use serde_json::{Value, json};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/srp")
}

fn vectors() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("vectors.json")).unwrap()).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}

#[test]
fn k_is_amplifys() {
    assert_eq!(srp::k().to_str_radix(16), str_of(&vectors(), "k"));
}

#[test]
fn every_vector_gives_amplifys_a_key_timestamp_and_signature() {
    let all = vectors();
    let list = all["vectors"].as_array().unwrap();
    assert!(list.len() >= 5);
    for v in list {
        let name = str_of(v, "name");
        let expect = &v["expect"];
        let pool_id = str_of(v, "pool_id");
        let user = str_of(v, "user_id_for_srp");
        let password = str_of(v, "password");
        let client = Srp::from_secret(&hex(str_of(v, "a"))).unwrap();
        assert_eq!(client.srp_a(), str_of(expect, "srp_a"), "{name}: SRP_A");
        let key = client
            .password_key(
                srp::pool_name(pool_id),
                user,
                password,
                str_of(v, "salt"),
                str_of(v, "srp_b"),
            )
            .unwrap();
        assert_eq!(key.to_vec(), hex(str_of(expect, "hkdf_key")), "{name}: key");
        let now = v["timestamp_unix"].as_u64().unwrap();
        assert_eq!(
            srp::timestamp(now),
            str_of(expect, "timestamp"),
            "{name}: TIMESTAMP"
        );

        // The whole answer, as the CLI sends it.
        let parameters: Named<String> = [
            ("SALT", str_of(v, "salt")),
            ("SRP_B", str_of(v, "srp_b")),
            ("SECRET_BLOCK", str_of(v, "secret_block")),
            ("USER_ID_FOR_SRP", user),
            ("USERNAME", user),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let answer = client.answer(pool_id, password, &parameters, now).unwrap();
        assert_eq!(
            answer["PASSWORD_CLAIM_SIGNATURE"],
            str_of(expect, "signature"),
            "{name}"
        );
        assert_eq!(answer["USERNAME"], user);
        assert_eq!(answer["PASSWORD_CLAIM_SECRET_BLOCK"], str_of(v, "secret_block"));
        assert_eq!(answer["TIMESTAMP"], str_of(expect, "timestamp"));

        // A wrong password gives another signature.
        let wrong = client.answer(pool_id, "not-it", &parameters, now).unwrap();
        assert_ne!(
            wrong["PASSWORD_CLAIM_SIGNATURE"], answer["PASSWORD_CLAIM_SIGNATURE"],
            "{name}"
        );
    }
}

#[test]
fn timestamps_match_amplifys_format() {
    for t in vectors()["timestamps"].as_array().unwrap() {
        assert_eq!(srp::timestamp(t["unix"].as_u64().unwrap()), str_of(t, "text"));
    }
}

#[test]
fn a_secret_block_is_read_in_either_base64_alphabet_with_or_without_padding() {
    let key = [1u8; 16];
    let standard = srp::claim_signature(&key, "Pool", "user", "+/8=", "t").unwrap();
    assert_eq!(
        srp::claim_signature(&key, "Pool", "user", "-_8", "t").unwrap(),
        standard
    );
    assert!(srp::claim_signature(&key, "Pool", "user", "not base64!", "t").is_err());
}

#[test]
fn a_challenge_without_its_parameters_is_refused() {
    let client = Srp::from_secret(&[9; 32]).unwrap();
    let err = client.answer("eu-west-1_X", "pw", &Named::new(), 0).unwrap_err();
    assert!(err.to_string().contains("USER_ID_FOR_SRP"), "{err}");
}

/// The committed vectors are what the generator computes now (needs node and the npm packages of
/// `cargo xtask setup`; without them this says so and checks nothing).
#[test]
fn the_committed_vectors_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    if !root.join("node_modules/@aws-amplify/auth").is_dir() {
        eprintln!("skipped: no node_modules/@aws-amplify/auth (run `cargo xtask setup`)");
        return;
    }
    let out = std::process::Command::new("node")
        .arg(fixture_dir().join("gen.mjs"))
        .arg("--check")
        .output();
    match out {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => eprintln!("skipped: cannot run node: {e}"),
    }
}

/// Answers in order; records every request (operation, JSON body).
struct Script {
    answers: RefCell<Vec<RawResponse>>,
    sent: RefCell<Vec<(String, Value)>>,
}

impl Script {
    fn new(answers: Vec<(u16, Value)>) -> Script {
        Script {
            answers: RefCell::new(
                answers
                    .into_iter()
                    .map(|(status, body)| RawResponse {
                        status,
                        error_type: None,
                        body: body.to_string().into_bytes(),
                    })
                    .collect(),
            ),
            sent: RefCell::new(Vec::new()),
        }
    }

    fn sent(&self) -> Vec<(String, Value)> {
        self.sent.borrow().clone()
    }
}

impl Transport for &Script {
    fn post(&self, target: &str, body: Vec<u8>) -> Result<RawResponse, Error> {
        let op = target.rsplit('.').next().unwrap_or_default().to_owned();
        self.sent
            .borrow_mut()
            .push((op, serde_json::from_slice(&body).unwrap()));
        let mut answers = self.answers.borrow_mut();
        if answers.is_empty() {
            Err(Error::Network("no more answers".into()))
        } else {
            Ok(answers.remove(0))
        }
    }
}

fn tokens() -> Value {
    json!({"AuthenticationResult": {"AccessToken": "access", "IdToken": "id", "RefreshToken": "refresh",
        "ExpiresIn": 3600, "TokenType": "Bearer"}})
}

fn not_enabled(message: &str) -> (u16, Value) {
    (
        400,
        json!({"__type": "InvalidParameterException", "message": message}),
    )
}

/// The first vector as Cognito's PASSWORD_VERIFIER challenge: real Cognito sends no Session with it.
fn challenge(v: &Value) -> Value {
    json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {
        "SALT": v["salt"], "SRP_B": v["srp_b"], "SECRET_BLOCK": v["secret_block"],
        "USER_ID_FOR_SRP": v["user_id_for_srp"], "USERNAME": v["user_id_for_srp"]}})
}

fn run(
    script: &Script,
    flow: Option<AuthFlow>,
    v: &Value,
    pool: Option<&str>,
) -> Result<AuthFlow, SignInError> {
    let mut client = Client::new(script);
    client.backoff = vec![];
    let srp = Srp::from_secret(&hex(str_of(v, "a"))).unwrap();
    let credentials = Credentials {
        client_id: "mobile",
        pool_id: pool,
        username: str_of(v, "user_id_for_srp"),
        password: str_of(v, "password"),
    };
    let mut lines = Vec::new();
    let result = signin::sign_in(
        &client,
        flow,
        &credentials,
        &srp,
        v["timestamp_unix"].as_u64().unwrap(),
        &mut |l| lines.push(l.to_owned()),
    );
    for line in &lines {
        assert!(!line.contains(str_of(v, "password")), "{line}");
    }
    result.map(|(used, _)| used)
}

#[test]
fn srp_sign_in_sends_amplifys_proof_and_no_password() {
    let v = &vectors()["vectors"][0];
    let script = Script::new(vec![(200, challenge(v)), (200, tokens())]);
    assert_eq!(
        run(&script, None, v, Some(str_of(v, "pool_id"))).unwrap(),
        AuthFlow::Srp
    );
    let sent = script.sent();
    assert_eq!(sent.len(), 2);
    let (op, init) = &sent[0];
    assert_eq!(op, "InitiateAuth");
    assert_eq!(init["AuthFlow"], "USER_SRP_AUTH");
    assert_eq!(init["ClientId"], "mobile");
    assert_eq!(init["AuthParameters"]["SRP_A"], v["expect"]["srp_a"]);
    assert_eq!(init["AuthParameters"]["USERNAME"], v["user_id_for_srp"]);
    let (op, answer) = &sent[1];
    assert_eq!(op, "RespondToAuthChallenge");
    assert_eq!(answer["ChallengeName"], "PASSWORD_VERIFIER");
    assert!(
        answer.get("Session").is_none(),
        "no Session was given, none is sent: {answer}"
    );
    let responses = &answer["ChallengeResponses"];
    assert_eq!(responses["PASSWORD_CLAIM_SIGNATURE"], v["expect"]["signature"]);
    assert_eq!(responses["TIMESTAMP"], v["expect"]["timestamp"]);
    assert_eq!(responses["PASSWORD_CLAIM_SECRET_BLOCK"], v["secret_block"]);
    for (_, body) in &sent {
        assert!(!body.to_string().contains(str_of(v, "password")), "{body}");
    }
}

#[test]
fn a_session_cognito_sends_with_the_challenge_goes_back() {
    let v = &vectors()["vectors"][1];
    let mut with_session = challenge(v);
    with_session["Session"] = json!("session-from-cognito");
    let script = Script::new(vec![(200, with_session), (200, tokens())]);
    run(&script, Some(AuthFlow::Srp), v, Some(str_of(v, "pool_id"))).unwrap();
    assert_eq!(script.sent()[1].1["Session"], "session-from-cognito");
}

#[test]
fn without_a_flag_a_client_that_refuses_srp_falls_back_to_the_password_flow() {
    let v = &vectors()["vectors"][0];
    for message in [
        "USER_SRP_AUTH is not enabled for the client.",
        "Auth flow not enabled for this client",
    ] {
        let script = Script::new(vec![not_enabled(message), (200, tokens())]);
        assert_eq!(
            run(&script, None, v, Some(str_of(v, "pool_id"))).unwrap(),
            AuthFlow::Password
        );
        let sent = script.sent();
        assert_eq!(sent[1].1["AuthFlow"], "USER_PASSWORD_AUTH");
    }
}

#[test]
fn a_flow_named_explicitly_is_never_replaced() {
    let v = &vectors()["vectors"][0];
    let script = Script::new(vec![
        not_enabled("USER_SRP_AUTH is not enabled for the client."),
        (200, tokens()),
    ]);
    match run(&script, Some(AuthFlow::Srp), v, Some(str_of(v, "pool_id"))) {
        Err(SignInError::Cognito(e)) => assert_eq!(e.kind(), Some(&ErrorKind::InvalidParameter)),
        other => panic!("expected the refusal, got {other:?}"),
    }
    assert_eq!(script.sent().len(), 1);

    let script = Script::new(vec![(200, tokens())]);
    assert_eq!(
        run(&script, Some(AuthFlow::Password), v, None).unwrap(),
        AuthFlow::Password
    );
    assert_eq!(script.sent()[0].1["AuthFlow"], "USER_PASSWORD_AUTH");
}

#[test]
fn a_wrong_password_is_not_retried_with_the_password_flow() {
    let v = &vectors()["vectors"][0];
    let script = Script::new(vec![
        (200, challenge(v)),
        (
            400,
            json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}),
        ),
    ]);
    match run(&script, None, v, Some(str_of(v, "pool_id"))) {
        Err(SignInError::Cognito(e)) => assert_eq!(e.kind(), Some(&ErrorKind::NotAuthorized)),
        other => panic!("expected NotAuthorized, got {other:?}"),
    }
    assert_eq!(script.sent().len(), 2);
}

#[test]
fn srp_needs_the_pool_id_and_other_challenges_are_not_answered() {
    let v = &vectors()["vectors"][0];
    let script = Script::new(vec![]);
    assert!(matches!(run(&script, None, v, None), Err(SignInError::NoPoolId)));
    assert!(script.sent().is_empty(), "nothing is sent without the pool id");

    let mfa = json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s", "ChallengeParameters": {}});
    let script = Script::new(vec![(200, challenge(v)), (200, mfa)]);
    match run(&script, None, v, Some(str_of(v, "pool_id"))) {
        Err(SignInError::Challenge(name)) => assert_eq!(name, "SOFTWARE_TOKEN_MFA"),
        other => panic!("expected an unanswerable challenge, got {other:?}"),
    }
}
