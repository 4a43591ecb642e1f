//! The edge's pure request handling (`handoff_edge::request`), the redeem-secret check, and the key sets it
//! parses (the user pool's JWKS, its own signing keys).
//!
//! First byte mod 6 picks what the rest (fields split on 0xFF) feeds:
//! 0. `route(method, path)`: only the six routes answer (and the bind route's CORS preflight, and HEAD on a GET
//!    path), a known path with another method is 405 with `Allow` (`GET, HEAD` for a GET path); and `path_of`:
//!    any text's path is `/` or a `/`-led slice of it without `?` or `#`, and a serialised URL's is its path;
//! 1. `bearer(header)` and the secret check: a credential is non-empty RFC 6750 token68 text within the limit, and
//!    `matches_any` is plain equality;
//! 2. `json_content_type(header)` and `declared_length(header)`;
//! 3. `json_body` for the wire request types: only JSON objects parse, as serde's derive reads them (but for the
//!    reader's deliberate differences), and what parses re-serializes to a body
//!    that parses to the same value;
//! 4. the body cap over a chunked read: a body never grows past `MAX_BODY_BYTES`, and only the chunk that would
//!    cross it is refused;
//! 5. a JWK Set as the pool's (`parse_pool_jwks`) and as the edge's own (`KeySet::from_jwks`): what loads is
//!    RS256-only and public for the pool, and every loaded set survives its own JWKS printout unchanged.
#![no_main]

use handoff_core::wire::{
    BIND_PATH, HEALTH_PATH, ISSUE_PATH, IssueRequest, JWKS_PATH, MAX_BODY_BYTES, REDEEM_PATH, REVOKE_PATH,
    RedeemRequest,
};
use handoff_core::{Algorithm, KeySet, MAX_KID_LEN, MIN_RSA_MODULUS_BYTES, Material, Reason, Secret};
use handoff_edge::cognito_jwks::parse_pool_jwks;
use handoff_edge::request::{
    MAX_BEARER_BYTES, append_chunk, bearer, declared_length, json_body, json_content_type, path_of, route,
};
use handoff_edge::secret::matches_any;
use handoff_fuzz::fields;
use libfuzzer_sys::fuzz_target;
use handoff_core::json::FromObject;
use serde::Serialize;
use serde::de::DeserializeOwned;

const ROUTES: &[(&str, &str, &str)] = &[
    (ISSUE_PATH, "POST", "issue"),
    (BIND_PATH, "POST", "bind"),
    (REDEEM_PATH, "POST", "redeem"),
    (REVOKE_PATH, "POST", "revoke"),
    (JWKS_PATH, "GET", "jwks"),
    (HEALTH_PATH, "GET", "health"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fields(rest);
    let field = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
    match mode % 6 {
        0 => {
            routes(field(0), field(1));
            url_path(field(1), field(2));
        }
        1 => credentials(field(0), &f[1..]),
        2 => content_type(field(0)),
        3 => {
            let empty_ok = rest.first().is_some_and(|b| b % 2 == 0);
            body::<IssueRequest>(rest, empty_ok);
            body::<RedeemRequest>(rest, empty_ok);
        }
        4 => chunks(rest),
        _ => jwks(field(0)),
    }
});

fn routes(method: &str, path: &str) {
    let known = ROUTES.iter().find(|(p, _, _)| *p == path);
    match (route(method, path), known) {
        // The bind route's CORS preflight.
        (Ok(r), Some(_)) if path == BIND_PATH && method == "OPTIONS" => {
            assert_eq!(r.name(), "bind_preflight")
        }
        (Ok(r), Some(&(_, m, name))) => {
            // HEAD on a GET path answers as GET without the body.
            assert!(method == m || (m == "GET" && method == "HEAD"), "{method} routed to {name}");
            assert_eq!(r.name(), name);
        }
        (Ok(r), None) => panic!("{method} {path:?} routed to {r:?}"),
        (Err(e), Some(&(_, m, _))) => {
            assert_ne!(method, m, "a known route refused");
            let allow = if m == "GET" { "GET, HEAD" } else { m };
            assert_eq!((e.status(), e.allow), (405, Some(allow)));
        }
        (Err(e), None) => assert_eq!((e.status(), e.reason), (404, Reason::NotFound)),
    }
}

fn url_path(text: &str, query: &str) {
    let path = path_of(text);
    assert!(path.starts_with('/') && !path.contains(['?', '#']), "{text:?} gave {path:?}");
    assert!(path == "/" || text.contains(path), "{path:?} is not from {text:?}");
    // As the runtime serialises a request's URL: the path comes back exactly, whatever the query holds.
    if text.starts_with('/') && !text.contains(['?', '#']) {
        assert_eq!(path_of(&format!("https://edge.example.com{text}?{query}")), text);
    }
}

fn credentials(header: &str, secrets: &[String]) {
    if let Ok(credential) = bearer(Some(header)) {
        assert!(
            header.len() >= 7 && header[..7].eq_ignore_ascii_case("bearer "),
            "scheme of {header:?}"
        );
        assert!(
            header.ends_with(credential),
            "the credential is the header's tail"
        );
        assert!(credential.len() <= MAX_BEARER_BYTES);
        let body = credential.trim_end_matches('=');
        assert!(!body.is_empty(), "an empty credential");
        assert!(
            body.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)),
            "not token68: {credential:?}"
        );
        let configured: Vec<Secret> = secrets
            .iter()
            .map(|s| Secret::new(s.as_bytes().to_vec()))
            .collect();
        assert_eq!(
            matches_any(credential, &configured),
            secrets.iter().any(|s| s == credential),
            "the secret check is not plain equality"
        );
    }
    assert_eq!(bearer(None).unwrap_err().status(), 401);
}

fn content_type(header: &str) {
    if json_content_type(Some(header)).is_ok() {
        let essence = header.split(';').next().unwrap_or("").trim();
        assert!(
            essence.eq_ignore_ascii_case("application/json"),
            "accepted {header:?}"
        );
    }
    match header.trim().parse::<u64>() {
        // Over the cap: refused at once; within it: the length, read in one call.
        Ok(n) if n > MAX_BODY_BYTES as u64 => assert!(declared_length(Some(header)).is_err()),
        Ok(n) => assert_eq!(declared_length(Some(header)), Ok(usize::try_from(n).ok())),
        // No usable length: the streamed read decides.
        Err(_) => assert_eq!(declared_length(Some(header)), Ok(None)),
    }
}

fn body<T: FromObject + DeserializeOwned + Serialize + PartialEq>(raw: &[u8], empty_ok: bool) {
    let ours = json_body::<T>(raw, empty_ok);
    let blank = raw.iter().all(u8::is_ascii_whitespace);
    let first = raw.iter().find(|b| !b.is_ascii_whitespace());
    // The edge's reader against serde's derive on the same object: the same value, and a refusal where serde
    // reads it only for the reader's deliberate differences (a repeated member name, deeper nesting).
    if first == Some(&b'{') {
        let serde = serde_json::from_slice::<T>(raw).ok();
        match (&ours, &serde) {
            (Ok(ours), Some(serde)) => assert!(ours == serde, "read differently from serde"),
            (Ok(_), None) => panic!("read a body serde refuses"),
            (Err(_), Some(_)) => assert!(
                std::str::from_utf8(raw).is_ok_and(|text| handoff_core::json::parse(text).is_err()),
                "refused a body serde reads"
            ),
            (Err(_), None) => {}
        }
    }
    let Ok(value) = ours else {
        return;
    };
    assert!(
        first == Some(&b'{') || (blank && empty_ok),
        "a body that is not an object parsed"
    );
    let again = serde_json::to_vec(&value).expect("wire types serialize");
    assert!(
        json_body::<T>(&again, false).is_ok_and(|v| v == value),
        "no round trip"
    );
}

fn chunks(raw: &[u8]) {
    let mut body = Vec::new();
    for chunk in raw.split(|&b| b == handoff_fuzz::SEP) {
        // Repeat short chunks so the cap is reachable from small inputs.
        let chunk = chunk.repeat(1 + usize::from(chunk.first().copied().unwrap_or(0)));
        let before = body.len();
        match append_chunk(&mut body, &chunk) {
            Ok(()) => assert!(before + chunk.len() <= MAX_BODY_BYTES && body.len() == before + chunk.len()),
            Err(e) => {
                assert_eq!(e.status(), 413);
                assert!(
                    before + chunk.len() > MAX_BODY_BYTES && body.len() == before,
                    "refused in vain"
                );
                return;
            }
        }
    }
}

fn jwks(json: &str) {
    if let Ok(pool) = parse_pool_jwks(json) {
        for key in pool.keys() {
            assert_eq!(key.algorithm(), Algorithm::RS256);
            assert!(!key.can_sign(), "the pool's key set holds private material");
            assert!(key.kid().len() <= MAX_KID_LEN);
            if let Material::Rsa { n, .. } = key.material() {
                assert!(n.iter().skip_while(|&&b| b == 0).count() >= MIN_RSA_MODULUS_BYTES);
            }
        }
        round_trip(&pool);
    }
    if let Ok(own) = KeySet::from_jwks(json) {
        round_trip(&own);
    }
}

fn round_trip(set: &KeySet) {
    let printed = set.private_jwks().to_string();
    assert_eq!(
        KeySet::from_jwks(&printed).as_ref(),
        Ok(set),
        "the JWKS printout loads differently"
    );
    let public = KeySet::from_jwks(&set.public_jwks().to_string()).expect("the public printout loads");
    assert!(public.keys().iter().all(|k| !k.can_sign()));
}
