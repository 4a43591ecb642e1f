//! Request validation that needs no runtime: routing, `Authorization` and `Content-Type` parsing, the body
//! cap, and JSON bodies with unknown fields rejected. Error messages are fixed strings: serde's own messages
//! can quote input, so they never reach an answer.

use handoff_core::Reason;
use handoff_core::json::FromObject;
use handoff_core::wire;
use handoff_core::wire::{
    BIND_PATH, HEALTH_PATH, ISSUE_PATH, JWKS_PATH, MAX_BODY_BYTES, REDEEM_PATH, REVOKE_PATH,
};

use crate::error::ApiError;

/// Path of the benchmark route (compiled in only with the `bench` feature: never in a production build).
#[cfg(feature = "bench")]
pub const BENCH_VERIFY_PATH: &str = "/bench/verify";
/// Longest bearer credential accepted (access tokens grow with group membership).
pub const MAX_BEARER_BYTES: usize = 16 * 1024;

/// The routes this worker serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/handoffs`
    Issue,
    /// `POST /v1/redeem`
    Redeem,
    /// `POST /v1/revoke`
    Revoke,
    /// `GET /.well-known/jwks.json`
    Jwks,
    /// `GET /healthz`
    Health,
    /// `POST /v1/bind` (the landing page, cross-origin)
    Bind,
    /// `OPTIONS /v1/bind` (a CORS preflight, should a client send one)
    BindPreflight,
    /// `POST /bench/verify` (benchmark builds only)
    #[cfg(feature = "bench")]
    BenchVerify,
}

impl Route {
    /// Short name for logs.
    pub const fn name(self) -> &'static str {
        match self {
            Route::Issue => "issue",
            Route::Redeem => "redeem",
            Route::Revoke => "revoke",
            Route::Jwks => "jwks",
            Route::Health => "health",
            Route::Bind => "bind",
            Route::BindPreflight => "bind_preflight",
            #[cfg(feature = "bench")]
            Route::BenchVerify => "bench_verify",
        }
    }
}

const ROUTES: &[(&str, &str, Route)] = &[
    (ISSUE_PATH, "POST", Route::Issue),
    (REDEEM_PATH, "POST", Route::Redeem),
    (REVOKE_PATH, "POST", Route::Revoke),
    (JWKS_PATH, "GET", Route::Jwks),
    (HEALTH_PATH, "GET", Route::Health),
    (BIND_PATH, "POST", Route::Bind),
    #[cfg(feature = "bench")]
    (BENCH_VERIFY_PATH, "POST", Route::BenchVerify),
];

/// Finds the route for `method` and `path`: 404 for an unknown path, 405 with `Allow` for a known path.
/// `HEAD` takes the route of `GET` (RFC 9110: the same answer, whose body the worker then drops).
pub fn route(method: &str, path: &str) -> Result<Route, ApiError> {
    if path == BIND_PATH && method == "OPTIONS" {
        return Ok(Route::BindPreflight);
    }
    let Some(&(_, allowed, route)) = ROUTES.iter().find(|(p, _, _)| *p == path) else {
        return Err(not_found());
    };
    let get = allowed == "GET";
    if method != allowed && !(get && method == "HEAD") {
        let mut refused = ApiError::new(Reason::MethodNotAllowed, "this path does not accept this method");
        refused.allow = Some(if get { "GET, HEAD" } else { allowed });
        return Err(refused);
    }
    Ok(route)
}

/// The path of a request's URL as the runtime serialises it (`https://host/path?query`): from the first `/` after
/// the host up to `?` or `#`, which the serialised path never holds unescaped. Read from the text, without a URL
/// parser: the runtime has already parsed and normalised it.
pub fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    // The authority ends at the first `/`, `?` or `#`; only a `/` there starts a path.
    let rest = &url[after_scheme..];
    let path = match rest.find(['/', '?', '#']) {
        Some(start) if rest[start..].starts_with('/') => &rest[start..],
        _ => return "/",
    };
    &path[..path.find(['?', '#']).unwrap_or(path.len())]
}

/// The 404 answer.
pub const fn not_found() -> ApiError {
    ApiError::new(Reason::NotFound, "no such path")
}

/// The credential of an `Authorization: Bearer <credential>` header (scheme case-insensitive, RFC 6750
/// token68 syntax).
pub fn bearer(header: Option<&str>) -> Result<&str, ApiError> {
    const MISSING: ApiError = ApiError::new(
        Reason::Unauthorized,
        "an Authorization: Bearer header is required",
    );
    let header = header.ok_or(MISSING)?;
    let (scheme, credential) = header.split_once(' ').ok_or(MISSING)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(MISSING);
    }
    let credential = credential.trim_start_matches(' ');
    let body = credential.trim_end_matches('=');
    let token68 = !body.is_empty()
        && credential.len() <= MAX_BEARER_BYTES
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !token68 {
        return Err(ApiError::new(
            Reason::Unauthorized,
            "the Authorization header is garbled",
        ));
    }
    Ok(credential)
}

/// Requires `application/json` (parameters allowed; a charset, if given, must be UTF-8).
pub fn json_content_type(header: Option<&str>) -> Result<(), ApiError> {
    const WRONG: ApiError = ApiError::new(Reason::UnsupportedMediaType, "the body must be application/json");
    let header = header.ok_or(WRONG)?;
    let mut parts = header.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
    {
        return Err(WRONG);
    }
    for parameter in parts {
        if let Some((name, value)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(WRONG);
        }
    }
    Ok(())
}

/// The 413 answer.
pub const fn too_large() -> ApiError {
    ApiError::new(Reason::PayloadTooLarge, "the body is larger than 8 KiB")
}

/// Checks a declared `Content-Length` early: over the cap is refused at once; a well-formed length within it is
/// returned (the runtime delivers exactly that many bytes, so the body can be read in one call). `None` for no
/// header or one that is not a number (the streamed read enforces the cap whatever the header says).
pub fn declared_length(header: Option<&str>) -> Result<Option<usize>, ApiError> {
    match header.map(|h| h.trim().parse::<u64>()) {
        Some(Ok(n)) if n > MAX_BODY_BYTES as u64 => Err(too_large()),
        // Within the cap, so it fits a usize.
        Some(Ok(n)) => Ok(usize::try_from(n).ok()),
        _ => Ok(None),
    }
}

/// Appends a chunk to a body being read, failing once it exceeds [`MAX_BODY_BYTES`].
pub fn append_chunk(body: &mut Vec<u8>, chunk: &[u8]) -> Result<(), ApiError> {
    if body.len() + chunk.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    body.extend_from_slice(chunk);
    Ok(())
}

/// Parses a JSON body into `T` (whose reader rejects unknown fields). An empty body parses as `{}` when
/// `empty_ok` is set.
pub fn json_body<T: FromObject>(body: &[u8], empty_ok: bool) -> Result<T, ApiError> {
    let body: &[u8] = if empty_ok && body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(
            Reason::BadRequest,
            "the body must be a JSON object",
        ));
    }
    let not_json = || ApiError::new(Reason::BadRequest, "the body is not valid JSON");
    let text = std::str::from_utf8(body).map_err(|_| not_json())?;
    wire::read_body(text).map_err(|wrong| match wrong {
        Some(_) => ApiError::new(
            Reason::BadRequest,
            "the body has unknown, missing or mistyped fields",
        ),
        None => not_json(),
    })
}

/// The `jti` from a token's payload, WITHOUT verifying anything: only to find the token's KV burn record
/// before spending a signature check. Never trusted for anything else.
pub fn unverified_jti(token: &str) -> Option<String> {
    let payload = handoff_core::dangerous::insecure_payload(token, handoff_core::MAX_TOKEN_BYTES).ok()?;
    let jti = payload.jti?;
    let plausible = (1..=64).contains(&jti.len())
        && jti
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    plausible.then_some(jti)
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff_core::wire::{IssueRequest, RedeemRequest};

    /// A default (production) build has no benchmark route at all, whatever the configuration says.
    #[cfg(not(feature = "bench"))]
    #[test]
    fn the_benchmark_route_exists_only_with_the_bench_feature() {
        assert_eq!(route("POST", "/bench/verify").unwrap_err().status(), 404);
        assert!(ROUTES.iter().all(|(path, _, _)| !path.contains("bench")));
    }

    #[test]
    fn routes_answer_404_and_405_with_allow() {
        assert_eq!(route("POST", "/v1/redeem"), Ok(Route::Redeem));
        assert_eq!(route("GET", "/healthz"), Ok(Route::Health));
        let wrong = route("GET", "/v1/handoffs").unwrap_err();
        assert_eq!((wrong.status(), wrong.allow), (405, Some("POST")));
        assert_eq!(
            route("DELETE", "/.well-known/jwks.json").unwrap_err().allow,
            Some("GET, HEAD")
        );
        assert_eq!(route("OPTIONS", "/healthz").unwrap_err().status(), 405);
        for path in ["/", "/v1", "/v1/redeem/", "/V1/REDEEM", "/v1/handoffs/x"] {
            assert_eq!(route("POST", path).unwrap_err().status(), 404, "{path}");
        }
    }

    #[test]
    fn the_path_is_read_from_the_serialised_url() {
        let cases = [
            ("https://edge.example.com/v1/redeem", "/v1/redeem"),
            ("http://127.0.0.1:8787/healthz?x=1", "/healthz"),
            (
                "http://127.0.0.1:8787/.well-known/jwks.json#frag",
                "/.well-known/jwks.json",
            ),
            ("https://edge.example.com", "/"),
            ("https://edge.example.com/", "/"),
            ("https://edge.example.com?q=/v1/redeem", "/"),
            ("https://user@edge.example.com/v1/bind?a=b#c", "/v1/bind"),
            ("https://edge.example.com/v1/redeem%3Fx", "/v1/redeem%3Fx"),
            ("https://edge.example.com//v1/redeem", "//v1/redeem"),
        ];
        for (url, path) in cases {
            assert_eq!(path_of(url), path, "{url}");
        }
        // A percent-escaped or doubled path is not another spelling of a route.
        assert_eq!(
            route("POST", path_of("https://e.example/v1/redeem%3Fx"))
                .unwrap_err()
                .status(),
            404
        );
        assert_eq!(
            route("POST", path_of("https://e.example//v1/redeem"))
                .unwrap_err()
                .status(),
            404
        );
    }

    #[test]
    fn head_takes_the_route_of_get_and_only_of_get() {
        assert_eq!(route("HEAD", "/healthz"), Ok(Route::Health));
        assert_eq!(route("HEAD", "/.well-known/jwks.json"), Ok(Route::Jwks));
        let post_only = route("HEAD", "/v1/redeem").unwrap_err();
        assert_eq!((post_only.status(), post_only.allow), (405, Some("POST")));
        assert_eq!(route("HEAD", "/v1/nope").unwrap_err().status(), 404);
    }

    #[test]
    fn bearer_credentials_are_parsed_strictly() {
        assert_eq!(bearer(Some("Bearer abc.def-ghi_jkl")), Ok("abc.def-ghi_jkl"));
        assert_eq!(bearer(Some("bearer abc=")), Ok("abc="));
        for bad in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Basic abc"),
            Some("Bearerabc"),
        ] {
            assert_eq!(bearer(bad).unwrap_err().reason, Reason::Unauthorized, "{bad:?}");
        }
        for garbled in ["Bearer ", "Bearer a b", "Bearer a\"b", "Bearer =", "Bearer ä"] {
            assert_eq!(bearer(Some(garbled)).unwrap_err().status(), 401, "{garbled:?}");
        }
        assert!(bearer(Some(&format!("Bearer {}", "a".repeat(MAX_BEARER_BYTES + 1)))).is_err());
    }

    #[test]
    fn only_json_content_types_pass() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(json_content_type(Some(ok)).is_ok(), "{ok}");
        }
        for bad in [
            None,
            Some("text/plain"),
            Some("application/jsonx"),
            Some("application/json; charset=latin1"),
        ] {
            assert_eq!(json_content_type(bad).unwrap_err().status(), 415, "{bad:?}");
        }
    }

    #[test]
    fn the_body_cap_holds_whatever_the_declared_length() {
        assert_eq!(declared_length(Some("8192")), Ok(Some(8192)));
        assert_eq!(declared_length(Some(" 0 ")), Ok(Some(0)));
        assert_eq!(declared_length(Some("8193")).unwrap_err().status(), 413);
        assert_eq!(
            declared_length(Some("99999999999999999999999")),
            Ok(None),
            "not a u64: the streamed read decides"
        );
        assert_eq!(
            declared_length(Some("garbage")),
            Ok(None),
            "the streamed read decides"
        );
        assert_eq!(declared_length(Some("-1")), Ok(None));
        assert_eq!(declared_length(None), Ok(None));
        let mut body = Vec::new();
        append_chunk(&mut body, &[b'x'; 8000]).unwrap();
        append_chunk(&mut body, &[b'x'; 192]).unwrap();
        assert_eq!(
            append_chunk(&mut body, b"x").unwrap_err().reason,
            Reason::PayloadTooLarge
        );
    }

    #[test]
    fn json_bodies_reject_unknown_fields_and_never_quote_input() {
        let token = "eyJhbGciOiJFZERTQSJ9.secret-payload.sig";
        let unknown =
            format!(r#"{{"token":"{token}","sub":"s","username":"u","client_id":"c","nonce":"n","x":1}}"#);
        let err = json_body::<RedeemRequest>(unknown.as_bytes(), false).unwrap_err();
        assert_eq!((err.reason, err.status()), (Reason::BadRequest, 400));
        let mistyped = format!(r#"{{"token":"{token}","sub":1}}"#);
        let err = json_body::<RedeemRequest>(mistyped.as_bytes(), false).unwrap_err();
        assert!(!err.message.contains("secret-payload"));
        assert_eq!(
            json_body::<RedeemRequest>(b"{not json", false)
                .unwrap_err()
                .reason,
            Reason::BadRequest
        );
        assert_eq!(
            json_body::<IssueRequest>(b"", true).unwrap(),
            IssueRequest::default()
        );
        assert!(json_body::<IssueRequest>(b"", false).is_err());
        assert!(json_body::<IssueRequest>(br#"{"redirect":"/x","extra":true}"#, true).is_err());
        assert!(
            json_body::<IssueRequest>(b"[]", true).is_err(),
            "serde would accept a sequence"
        );
        assert!(json_body::<IssueRequest>(br#"["/x"]"#, true).is_err());
    }

    #[test]
    fn the_unverified_jti_is_read_only_when_plausible() {
        let payload = handoff_core::base64url::encode(br#"{"jti":"AAECAwQFBgcICQoLDA0ODw"}"#);
        assert_eq!(
            unverified_jti(&format!("h.{payload}.s")).as_deref(),
            Some("AAECAwQFBgcICQoLDA0ODw")
        );
        let weird = handoff_core::base64url::encode(br#"{"jti":"../../etc"}"#);
        assert_eq!(unverified_jti(&format!("h.{weird}.s")), None);
        assert_eq!(unverified_jti("garbage"), None);
        assert_eq!(unverified_jti("h.!!!.s"), None);
    }
}
