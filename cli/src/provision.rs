//! Local provisioning against an emulator (ministack): the trigger zip as a `provided.al2023` function, a user
//! pool with the three auth-challenge triggers, a mobile client (USER_SRP_AUTH and USER_PASSWORD_AUTH), a web
//! client (CUSTOM_AUTH), both with PreventUserExistenceErrors, and a demo user with a permanent password.
//! The redeem secret goes into the emulator's Secrets Manager and the function reads it from there, as in
//! production (`deploy/aws/template.yaml`). Calls are unsigned: this is for the local stack only (production
//! uses the SAM template or `deploy/aws/attach_triggers.py`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cognito::{Client, HttpTransport};
use crate::files;

/// What to provision.
pub struct Input {
    /// The emulator's endpoint (`http://127.0.0.1:PORT`).
    pub endpoint: String,
    /// Region name used in ARNs and the issuer.
    pub region: String,
    /// The trigger zip (`bootstrap` at its root).
    pub zip: PathBuf,
    /// `HANDOFF_EDGE_URL` for the trigger.
    pub edge_url: String,
    /// The redeem secret, stored in the emulator's Secrets Manager for the trigger to read.
    pub redeem_secret: String,
    /// Lambda function name.
    pub function_name: String,
    /// User pool name.
    pub pool_name: String,
    /// Demo username.
    pub demo_username: String,
    /// Demo password (generated when absent).
    pub demo_password: Option<String>,
}

/// A Lambda REST call; returns the JSON answer, or an error with the status and body.
fn lambda(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body.map(Value::to_string).unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let mut response = agent.run(request).map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

fn random_password() -> Result<String, String> {
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    // Every character class Cognito's default password policy asks for, plus 96 random bits.
    Ok(format!("Hf7!{}", handoff_core::base64url::encode(bytes)))
}

/// Provisions everything; returns the `KEY=VALUE` pairs for `.stack/env`.
pub fn run(input: &Input, progress: &mut dyn FnMut(&str)) -> Result<Vec<(&'static str, String)>, String> {
    let endpoint = input.endpoint.trim_end_matches('/').to_owned();
    let zip = std::fs::read(&input.zip).map_err(|e| format!("cannot read {}: {e}", input.zip.display()))?;
    let agent = crate::http::agent(Duration::from_secs(30));

    progress(&format!(
        "creating Lambda function {} (provided.al2023)",
        input.function_name
    ));
    let functions = format!("{endpoint}/2015-03-31/functions");
    let function_url = format!("{functions}/{}", input.function_name);
    progress("storing the redeem secret in Secrets Manager");
    let secret_arn = put_secret(
        &agent,
        &endpoint,
        &format!("{}-redeem", input.function_name),
        &input.redeem_secret,
    )?;
    // The web client does not exist yet: Define refuses every client until the configuration update below.
    let environment = |web_client: &str| {
        json!({"Variables": {
            "HANDOFF_EDGE_URL": input.edge_url,
            "HANDOFF_REDEEM_SECRET_ARN": secret_arn,
            "HANDOFF_WEB_CLIENT_IDS": web_client,
        }})
    };
    let zip_b64 = base64_std(&zip);
    let (status, answer) = lambda(
        &agent,
        "POST",
        &functions,
        Some(&json!({
            "FunctionName": input.function_name,
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": ["x86_64"],
            "Role": format!("arn:aws:iam::000000000000:role/{}", input.function_name),
            "Code": {"ZipFile": zip_b64},
            "Timeout": 5,
            "MemorySize": 128,
            "Environment": environment("none-yet"),
        })),
    )?;
    match status {
        200 | 201 => {}
        409 => {
            progress("function exists: updating its code and configuration");
            let (s, a) = lambda(
                &agent,
                "PUT",
                &format!("{function_url}/code"),
                Some(&json!({"ZipFile": zip_b64})),
            )?;
            check(s, &a, "UpdateFunctionCode")?;
            wait_active(&agent, &function_url)?;
            let (s, a) = lambda(
                &agent,
                "PUT",
                &format!("{function_url}/configuration"),
                Some(&json!({"Environment": environment("none-yet"), "Timeout": 5})),
            )?;
            check(s, &a, "UpdateFunctionConfiguration")?;
        }
        _ => check(status, &answer, "CreateFunction")?,
    }
    let function_arn = wait_active(&agent, &function_url)?;

    let cognito = Client::new(HttpTransport::new(&endpoint, Duration::from_secs(30)));
    let call = |op: &str, input: Value| -> Result<Value, String> {
        cognito
            .call::<Value>(op, &input)
            .map_err(|e| format!("{op}: {e}"))
    };

    progress(&format!(
        "creating user pool {} with the three auth-challenge triggers",
        input.pool_name
    ));
    let pool = call(
        "CreateUserPool",
        json!({
            "PoolName": input.pool_name,
            "LambdaConfig": {
                "DefineAuthChallenge": function_arn,
                "CreateAuthChallenge": function_arn,
                "VerifyAuthChallengeResponse": function_arn,
            },
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
                "RequireNumbers": true, "RequireSymbols": true,
            }},
        }),
    )?;
    let pool_id = string_at(&pool, &["UserPool", "Id"])?;
    let pool_arn = pool["UserPool"]["Arn"].as_str().unwrap_or_default().to_owned();

    // Real AWS needs Cognito allowed to invoke the function; an emulator may not, but the call documents it.
    if !pool_arn.is_empty() {
        let _ = lambda(
            &agent,
            "POST",
            &format!("{function_url}/policy"),
            Some(&json!({
                "StatementId": "cognito-auth-challenge",
                "Action": "lambda:InvokeFunction",
                "Principal": "cognito-idp.amazonaws.com",
                "SourceArn": pool_arn,
            })),
        );
    }

    let client = |name: &str, flows: &[&str]| -> Result<String, String> {
        let answer = call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool_id,
                "ClientName": name,
                "GenerateSecret": false,
                "ExplicitAuthFlows": flows,
                "PreventUserExistenceErrors": "ENABLED",
            }),
        )?;
        string_at(&answer, &["UserPoolClient", "ClientId"])
    };
    progress("creating the mobile client (USER_SRP_AUTH, USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH)");
    let mobile = client(
        "handoff-mobile",
        &[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )?;
    progress("creating the web client (CUSTOM_AUTH, REFRESH_TOKEN_AUTH)");
    let web = client("handoff-web", &["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])?;
    progress("letting the web client through the trigger (HANDOFF_WEB_CLIENT_IDS)");
    let (s, a) = lambda(
        &agent,
        "PUT",
        &format!("{function_url}/configuration"),
        Some(&json!({"Environment": environment(&web), "Timeout": 5})),
    )?;
    check(s, &a, "UpdateFunctionConfiguration")?;
    wait_active(&agent, &function_url)?;

    progress(&format!(
        "creating demo user {:?} with a permanent password",
        input.demo_username
    ));
    let password = match &input.demo_password {
        Some(p) => p.clone(),
        None => random_password()?,
    };
    call(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool_id,
            "Username": input.demo_username,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [
                {"Name": "email", "Value": format!("{}@example.com", input.demo_username)},
                {"Name": "email_verified", "Value": "true"},
            ],
        }),
    )?;
    call(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool_id, "Username": input.demo_username, "Password": password, "Permanent": true}),
    )?;
    let user = call(
        "AdminGetUser",
        json!({"UserPoolId": pool_id, "Username": input.demo_username}),
    )?;
    let sub = user["UserAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
        .and_then(|x| x["Value"].as_str())
        .ok_or("AdminGetUser: the new user has no sub")?
        .to_owned();

    // A real sign-in proves the pool and client work, and tells the issuer the emulator puts in its tokens.
    progress("signing the new user in once (USER_PASSWORD_AUTH) to check the pool");
    let signed_in = cognito
        .password_auth(&mobile, &input.demo_username, &password)
        .map_err(|e| format!("checking sign-in: {e}"))?;
    let tokens = signed_in
        .authentication_result
        .ok_or("checking sign-in: Cognito asked for a challenge")?;
    let issuer = crate::landing::unverified_claims(&tokens.access_token)
        .and_then(|c| c["iss"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("https://cognito-idp.{}.amazonaws.com/{pool_id}", input.region));

    Ok(vec![
        ("COGNITO_ENDPOINT", endpoint.clone()),
        ("AWS_REGION", input.region.clone()),
        ("USER_POOL_ID", pool_id.clone()),
        ("MOBILE_CLIENT_ID", mobile),
        ("WEB_CLIENT_ID", web),
        ("DEMO_USERNAME", input.demo_username.clone()),
        ("DEMO_PASSWORD", password),
        ("DEMO_SUB", sub),
        ("COGNITO_ISSUER", issuer),
        (
            "COGNITO_JWKS_URL",
            format!("{endpoint}/{pool_id}/.well-known/jwks.json"),
        ),
        ("TRIGGER_FUNCTION_ARN", function_arn),
        ("REDEEM_SECRET_ARN", secret_arn),
    ])
}

/// Creates the secret (or, when it exists, stores `value` as its new current version); returns its ARN.
pub fn put_secret(agent: &ureq::Agent, endpoint: &str, name: &str, value: &str) -> Result<String, String> {
    let call = |op: &str, body: Value| -> Result<(u16, Value), String> {
        let mut response = agent
            .post(endpoint)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &format!("secretsmanager.{op}"))
            .send(body.to_string().as_bytes())
            .map_err(|e| format!("{op}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    };
    let (status, answer) = call("CreateSecret", json!({"Name": name, "SecretString": value}))?;
    if status == 400
        && answer["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("ResourceExistsException"))
    {
        let (status, answer) = call("PutSecretValue", json!({"SecretId": name, "SecretString": value}))?;
        check(status, &answer, "PutSecretValue")?;
        return string_at(&answer, &["ARN"]);
    }
    check(status, &answer, "CreateSecret")?;
    string_at(&answer, &["ARN"])
}

fn check(status: u16, answer: &Value, op: &str) -> Result<(), String> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("{op}: HTTP {status}: {answer}"))
    }
}

fn string_at(value: &Value, path: &[&str]) -> Result<String, String> {
    path.iter()
        .try_fold(value, |v, k| v.get(k))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("the answer has no {}: {value}", path.join(".")))
}

/// Polls `GetFunction` until the function is Active; returns its ARN.
fn wait_active(agent: &ureq::Agent, function_url: &str) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, answer) = lambda(agent, "GET", function_url, None)?;
        check(status, &answer, "GetFunction")?;
        let config = &answer["Configuration"];
        let state = config["State"].as_str().unwrap_or("Active");
        let update = config["LastUpdateStatus"].as_str().unwrap_or("Successful");
        match (state, update) {
            ("Active", "Successful") => return string_at(config, &["FunctionArn"]),
            ("Failed", _) | (_, "Failed") => return Err(format!("the function failed to deploy: {config}")),
            _ if Instant::now() > deadline => return Err(format!("the function is still {state}/{update}")),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Standard base64 (with padding), as Lambda's `ZipFile` wants.
fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Writes `pairs` as `KEY=VALUE` lines, mode 0600 (they include the demo password and secrets).
pub fn write_env(path: &std::path::Path, pairs: &[(&str, String)]) -> Result<(), String> {
    let text: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    files::write_private(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard_alphabet_with_padding() {
        assert_eq!(super::base64_std(b""), "");
        assert_eq!(super::base64_std(b"f"), "Zg==");
        assert_eq!(super::base64_std(b"fo"), "Zm8=");
        assert_eq!(super::base64_std(b"foo"), "Zm9v");
        assert_eq!(super::base64_std(&[0xfb, 0xff]), "+/8=");
    }
}
