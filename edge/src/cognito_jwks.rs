//! The user pool's public keys: parsed from its JWK Set, cached per isolate, refetched at most once per
//! [`REFETCH_INTERVAL_SECS`] when an access token names a key the cache lacks (key rotation), so a flood of
//! tokens with made-up `kid`s cannot turn into a flood of fetches.

use handoff_core::{Algorithm, Key, KeyError, KeySet};
use serde_json::Value;

/// Least time between two fetches of the pool's JWK Set, in seconds.
pub const REFETCH_INTERVAL_SECS: u64 = 60;

/// Parses the pool's JWK Set, keeping the RSA signature keys (Cognito's) and skipping anything else.
pub fn parse_pool_jwks(json: &str) -> Result<KeySet, KeyError> {
    let value: Value = serde_json::from_str(json).map_err(|_| KeyError("pool JWKS is not JSON".into()))?;
    let Some(Value::Array(items)) = value.get("keys") else {
        return Err(KeyError("pool JWKS has no keys array".into()));
    };
    let keys: Vec<Key> = items
        .iter()
        .filter_map(|item| Key::from_jwk_value(item).ok())
        .filter(|key| key.algorithm() == Algorithm::RS256)
        .map(|key| key.to_public())
        .collect();
    if keys.is_empty() {
        return Err(KeyError("pool JWKS holds no usable RSA key".into()));
    }
    KeySet::new(keys)
}

/// Whether a fetch may happen now, given when the last one happened.
pub fn may_fetch(last_fetch: Option<u64>, now: u64) -> bool {
    last_fetch.is_none_or(|last| now >= last.saturating_add(REFETCH_INTERVAL_SECS) || now < last)
}

#[cfg(target_arch = "wasm32")]
pub use cache::pool_keys;

#[cfg(target_arch = "wasm32")]
mod cache {
    use std::cell::RefCell;
    use std::rc::Rc;

    use handoff_core::KeySet;

    use super::{may_fetch, parse_pool_jwks};

    struct Cached {
        url: String,
        keys: Option<Rc<KeySet>>,
        last_fetch: Option<u64>,
    }

    thread_local! {
        static CACHE: RefCell<Cached> = const { RefCell::new(Cached { url: String::new(), keys: None, last_fetch: None }) };
    }

    /// The pool's keys: cached, or fetched when there are none yet or when `refresh` is asked and the last
    /// fetch is old enough. Returns the cached set (possibly stale) when a refresh is not allowed yet.
    pub async fn pool_keys(url: &str, now: u64, refresh: bool) -> Result<Rc<KeySet>, String> {
        let (cached, allowed) = CACHE.with_borrow(|c| {
            let keys = if c.url == url { c.keys.clone() } else { None };
            let last = if c.url == url { c.last_fetch } else { None };
            (keys, may_fetch(last, now))
        });
        match cached {
            Some(keys) if !refresh || !allowed => return Ok(keys),
            None if !allowed => return Err("pool JWKS fetch failed recently; waiting before the next".into()),
            _ => {}
        }
        CACHE.with_borrow_mut(|c| {
            if c.url != url {
                *c = Cached {
                    url: url.to_string(),
                    keys: None,
                    last_fetch: None,
                };
            }
            c.last_fetch = Some(now);
        });
        let fetched = fetch(url).await;
        let keys = Rc::new(parse_pool_jwks(&fetched?).map_err(|e| e.0)?);
        CACHE.with_borrow_mut(|c| {
            if c.url == url {
                c.keys = Some(keys.clone());
            }
        });
        Ok(keys)
    }

    async fn fetch(url: &str) -> Result<String, String> {
        // A request from the URL string: parsing it with the `url` crate would pull IDNA tables into the wasm.
        let request = worker::Request::new(url, worker::Method::Get)
            .map_err(|_| "pool JWKS URL is invalid".to_string())?;
        let mut response = worker::Fetch::Request(request)
            .send()
            .await
            .map_err(|_| "pool JWKS fetch failed".to_string())?;
        if response.status_code() != 200 {
            return Err(format!("pool JWKS answered {}", response.status_code()));
        }
        response
            .text()
            .await
            .map_err(|_| "pool JWKS body unreadable".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cognito_shaped_sets_keep_their_rsa_keys_only() {
        let public = include_str!("../../tests/fixtures/keys/test-only.public.jwks.json");
        let mut value: Value = serde_json::from_str(public).unwrap();
        value["keys"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"kty": "EC", "kid": "ec", "crv": "P-256"}));
        let keys = parse_pool_jwks(&value.to_string()).unwrap();
        assert_eq!(keys.keys().len(), 1);
        assert_eq!(keys.keys()[0].algorithm(), Algorithm::RS256);
        assert!(parse_pool_jwks("{\"keys\": []}").is_err());
        assert!(parse_pool_jwks("not json").is_err());
    }

    #[test]
    fn fetches_are_spaced_by_the_interval() {
        assert!(may_fetch(None, 1000));
        assert!(!may_fetch(Some(1000), 1059));
        assert!(may_fetch(Some(1000), 1060));
        assert!(
            may_fetch(Some(1000), 999),
            "a clock that went back does not block fetches forever"
        );
    }
}
