//! AWS Signature Version 4 for one kind of request: a JSON 1.1 `POST /` to an AWS service (what the trigger
//! sends to Secrets Manager). Pure: the time and the credentials are passed in. Checked against signatures
//! produced by botocore, AWS's own signer (`tests/fixtures/aws/sigv4.json`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Credentials of the function's execution role (Lambda sets them in the environment).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN` (temporary credentials, always present on Lambda).
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A JSON 1.1 request to sign.
#[derive(Debug, Clone)]
pub struct JsonRequest<'a> {
    /// The `Host` header exactly as sent (with `:port` when not the scheme's default).
    pub host: &'a str,
    /// `X-Amz-Target`, e.g. `secretsmanager.GetSecretValue`.
    pub target: &'a str,
    /// The body.
    pub body: &'a [u8],
    /// The signing region, e.g. `eu-west-1`.
    pub region: &'a str,
    /// The signing service name, e.g. `secretsmanager`.
    pub service: &'a str,
}

/// The content type of AWS JSON 1.1 requests.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The headers to send with the request (besides `Host`, which the HTTP client sets from the URL):
/// `Content-Type`, `X-Amz-Date`, `X-Amz-Target`, `X-Amz-Security-Token` when there is a session token, and
/// `Authorization`. `amz_date` is the request time as `YYYYMMDD'T'HHMMSS'Z'`.
pub fn sign(
    request: &JsonRequest<'_>,
    credentials: &Credentials,
    amz_date: &str,
) -> Vec<(&'static str, String)> {
    let date = &amz_date[..amz_date.len().min(8)];
    let mut headers: Vec<(&'static str, String)> = vec![
        ("content-type", CONTENT_TYPE.to_owned()),
        ("host", request.host.to_owned()),
        ("x-amz-date", amz_date.to_owned()),
    ];
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token", token.clone()));
    }
    headers.push(("x-amz-target", request.target.to_owned()));
    // Already in sorted order: content-type < host < x-amz-date < x-amz-security-token < x-amz-target.
    let signed_headers: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
    let signed_headers = signed_headers.join(";");
    let canonical_headers: String = headers
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let canonical_request = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
        hex(&Sha256::digest(request.body))
    );
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = [date, request.region, request.service, "aws4_request"]
        .iter()
        .fold(
            format!("AWS4{}", credentials.secret_access_key).into_bytes(),
            |key, part| hmac(&key, part.as_bytes()),
        );
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    headers.retain(|(k, _)| *k != "host");
    headers.push((
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    headers
}

/// `YYYYMMDD'T'HHMMSS'Z'` for Unix seconds (UTC).
pub fn amz_date(unix_seconds: u64) -> String {
    let c = handoff_core::civil::Civil::from_unix(unix_seconds);
    let (h, m, s) = c.hms;
    format!("{:04}{:02}{:02}T{h:02}{m:02}{s:02}Z", c.year, c.month, c.day)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(amz_date(951_825_600), "20000229T120000Z");
        assert_eq!(amz_date(4_102_444_799), "20991231T235959Z");
    }
}
