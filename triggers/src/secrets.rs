//! The redeem secret, from the environment or from AWS Secrets Manager.
//!
//! In production the secret lives in Secrets Manager and the function reads it with its own role's
//! credentials (`GetSecretValue`, SigV4-signed, [`crate::sigv4`]): it never sits in the function's
//! configuration. It is read once per execution environment and kept; when the edge refuses it (401: the
//! secret was rotated), it is read again, at most once per [`REFRESH_INTERVAL`], so a rotation takes effect
//! on the next redeem without a redeploy. The endpoint is `AWS_ENDPOINT_URL_SECRETS_MANAGER`, else
//! `AWS_ENDPOINT_URL` (the AWS SDKs' variables; the local stack points them at its emulator), else
//! `https://secretsmanager.<region>.amazonaws.com`.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use ureq::Agent;

use crate::config::{SecretSource, check_url, required, setting};
use crate::sigv4::{self, Credentials, JsonRequest};

/// Shortest time between two reads of the secret caused by refusals (a wrong secret must not turn every
/// redeem into a Secrets Manager call).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// Longest a read of the secret may take.
const FETCH_TIMEOUT: Duration = Duration::from_millis(1500);
/// Largest secret answer read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Where to read the secret, and the last value read.
pub struct SecretStore {
    source: Source,
    cached: Mutex<Option<(String, Instant)>>,
}

enum Source {
    Value(String),
    Remote(SecretsManager),
}

impl SecretStore {
    /// A store for `source`; `env` reads the process environment (credentials, region, endpoint).
    pub fn new(source: &SecretSource, env: impl Fn(&str) -> Option<String>) -> Result<SecretStore, String> {
        let source = match source {
            SecretSource::Value(value) => Source::Value(value.clone()),
            SecretSource::SecretsManager(id) => Source::Remote(SecretsManager::from_env(id, env)?),
        };
        Ok(SecretStore {
            source,
            cached: Mutex::new(None),
        })
    }

    /// The secret: the value, the cached read, or a fresh read.
    pub fn current(&self) -> Result<String, String> {
        let remote = match &self.source {
            Source::Value(value) => return Ok(value.clone()),
            Source::Remote(remote) => remote,
        };
        let mut cached = self.cache()?;
        if let Some((value, _)) = cached.as_ref() {
            return Ok(value.clone());
        }
        let value = remote.fetch()?;
        *cached = Some((value.clone(), Instant::now()));
        Ok(value)
    }

    /// Reads the secret again after a refusal; `Ok(true)` when a different value was read. Reads at most once
    /// per [`REFRESH_INTERVAL`]; a fixed value never changes.
    pub fn refresh(&self) -> Result<bool, String> {
        let Source::Remote(remote) = &self.source else {
            return Ok(false);
        };
        let mut cached = self.cache()?;
        if let Some((_, at)) = cached.as_ref()
            && at.elapsed() < REFRESH_INTERVAL
        {
            return Ok(false);
        }
        let value = remote.fetch()?;
        let changed = cached.as_ref().is_none_or(|(old, _)| *old != value);
        *cached = Some((value, Instant::now()));
        Ok(changed)
    }

    /// The last value read and when, locked.
    fn cache(&self) -> Result<MutexGuard<'_, Option<(String, Instant)>>, String> {
        self.cached.lock().map_err(|_| "secret cache poisoned".to_owned())
    }
}

/// A `GetSecretValue` client for one secret.
struct SecretsManager {
    secret_id: String,
    endpoint: String,
    host: String,
    region: String,
    credentials: Credentials,
    agent: Agent,
}

impl SecretsManager {
    fn from_env(secret_id: &str, env: impl Fn(&str) -> Option<String>) -> Result<SecretsManager, String> {
        let set = |name: &str| setting(&env, name);
        // An ARN names its region; Lambda's AWS_REGION is the fallback for a plain name.
        let region = secret_id
            .strip_prefix("arn:")
            .and_then(|arn| arn.split(':').nth(2))
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .or_else(|| set("AWS_REGION"))
            .or_else(|| set("AWS_DEFAULT_REGION"))
            .ok_or("no region: AWS_REGION is not set and the secret id is not an ARN")?;
        let credentials = Credentials {
            access_key_id: required(&env, "AWS_ACCESS_KEY_ID")?,
            secret_access_key: required(&env, "AWS_SECRET_ACCESS_KEY")?,
            session_token: set("AWS_SESSION_TOKEN"),
        };
        let endpoint = set("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            .or_else(|| set("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
        let endpoint = endpoint.trim().trim_end_matches('/').to_owned();
        check_url("the Secrets Manager endpoint", &endpoint)?;
        let host = endpoint
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(FETCH_TIMEOUT))
            .user_agent(concat!("handoff-triggers/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(SecretsManager {
            secret_id: secret_id.to_owned(),
            endpoint: format!("{endpoint}/"),
            host,
            region,
            credentials,
            agent,
        })
    }

    fn fetch(&self) -> Result<String, String> {
        let body = serde_json::json!({"SecretId": self.secret_id}).to_string();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let request = JsonRequest {
            host: &self.host,
            target: "secretsmanager.GetSecretValue",
            body: body.as_bytes(),
            region: &self.region,
            service: "secretsmanager",
        };
        let mut call = self.agent.post(&self.endpoint);
        for (name, value) in sigv4::sign(&request, &self.credentials, &sigv4::amz_date(now)) {
            call = call.header(name, value);
        }
        let mut response = call
            .send(body.as_bytes())
            .map_err(|e| format!("Secrets Manager: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|e| format!("Secrets Manager answer: {e}"))?;
        parse_answer(status, &text)
    }
}

/// The secret from a `GetSecretValue` answer: its `SecretString`, or, when that is a JSON object, its
/// `redeem_secret` member. Errors name AWS's error type, never the answer's content.
pub fn parse_answer(status: u16, text: &str) -> Result<String, String> {
    let json: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if status != 200 {
        let kind = json["__type"].as_str().unwrap_or("unknown error");
        let kind = kind.rsplit('#').next().unwrap_or(kind);
        return Err(format!("Secrets Manager answered {status} ({kind})"));
    }
    let secret = json["SecretString"]
        .as_str()
        .ok_or("Secrets Manager answer has no SecretString")?;
    let secret = match serde_json::from_str::<Value>(secret) {
        Ok(Value::Object(members)) => members
            .get("redeem_secret")
            .and_then(Value::as_str)
            .ok_or("the secret is a JSON object without a `redeem_secret` string")?
            .to_owned(),
        _ => secret.to_owned(),
    };
    if secret.trim().is_empty() {
        return Err("the secret is empty".into());
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_secret_string_plain_or_as_a_json_member() {
        assert_eq!(
            parse_answer(200, r#"{"SecretString":"abc","Name":"x"}"#).unwrap(),
            "abc"
        );
        assert_eq!(
            parse_answer(200, r#"{"SecretString":"{\"redeem_secret\":\"xyz\"}"}"#).unwrap(),
            "xyz"
        );
        assert!(parse_answer(200, r#"{"SecretString":"{\"other\":1}"}"#).is_err());
        assert!(parse_answer(200, r#"{"SecretBinary":"AAAA"}"#).is_err());
        assert!(parse_answer(200, r#"{"SecretString":"  "}"#).is_err());
        let denied = parse_answer(
            400,
            r#"{"__type":"com.amazonaws#AccessDeniedException","Message":"User: arn:... secret value"}"#,
        )
        .unwrap_err();
        assert_eq!(denied, "Secrets Manager answered 400 (AccessDeniedException)");
        assert!(parse_answer(500, "<html>").unwrap_err().contains("500"));
    }

    #[test]
    fn a_value_is_its_own_store() {
        let store = SecretStore::new(&SecretSource::Value("s3cret".into()), |_| None).unwrap();
        assert_eq!(store.current().unwrap(), "s3cret");
        assert!(!store.refresh().unwrap());
    }

    #[test]
    fn a_remote_store_needs_credentials_and_a_safe_endpoint() {
        let arn = SecretSource::SecretsManager("arn:aws:secretsmanager:eu-west-1:1:secret:h-AbC".into());
        let env = crate::config::lookup;
        let err = SecretStore::new(&arn, env(&[])).err().unwrap();
        assert!(err.contains("AWS_ACCESS_KEY_ID"), "{err}");
        let creds = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "k")];
        assert!(SecretStore::new(&arn, env(&creds)).is_ok());
        let plain = [
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "k"),
            ("AWS_ENDPOINT_URL", "http://secrets.evil.example"),
        ];
        assert!(SecretStore::new(&arn, env(&plain)).is_err());
        let by_name = SecretSource::SecretsManager("handoff/redeem".into());
        let err = SecretStore::new(&by_name, env(&creds)).err().unwrap();
        assert!(err.contains("region"), "{err}");
    }
}
