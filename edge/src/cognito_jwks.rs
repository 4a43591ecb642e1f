//! The user pool's public keys: parsed from its JWK Set, cached per isolate, refetched at most once per
//! [`REFETCH_INTERVAL_SECS`] when an access token names a key the cache lacks (key rotation), so a flood of
//! tokens with made-up `kid`s cannot turn into a flood of fetches.

use handoff_core::json::{self, Value};
use handoff_core::{Algorithm, Key, KeyError, KeySet};

/// Least time between two refreshes of a cached JWK Set (on an unknown `kid`), in seconds.
pub const REFETCH_INTERVAL_SECS: u64 = 60;
/// Longest wait between two attempts while NO key is cached (a failed first fetch), in seconds: an instance
/// without keys can issue nothing, so it retries soon (1, 2, 4, 8, then every 10 s), not once a minute.
pub const MAX_RETRY_SECS: u64 = 10;
/// Longest a fetch of the JWK Set may take, in milliseconds (Cognito answers in tens of milliseconds).
pub const FETCH_TIMEOUT_MS: u64 = 2_000;

/// Why the pool's JWK Set cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolJwksError {
    /// The answer is not JSON.
    NotJson,
    /// The answer has no `keys` array.
    NoKeysArray,
    /// No key of the set is an RSA signature key.
    NoRsaKey,
    /// The RSA keys do not form a key set (two share a `kid`).
    Keys(KeyError),
}

impl std::fmt::Display for PoolJwksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoolJwksError::NotJson => f.write_str("pool JWKS is not JSON"),
            PoolJwksError::NoKeysArray => f.write_str("pool JWKS has no keys array"),
            PoolJwksError::NoRsaKey => f.write_str("pool JWKS holds no usable RSA key"),
            PoolJwksError::Keys(e) => write!(f, "pool JWKS: {e}"),
        }
    }
}

impl std::error::Error for PoolJwksError {}

/// Parses the pool's JWK Set, keeping the RSA signature keys (Cognito's) and skipping anything else.
pub fn parse_pool_jwks(text: &str) -> Result<KeySet, PoolJwksError> {
    let value = json::parse(text).map_err(|_| PoolJwksError::NotJson)?;
    let Some(Value::Array(items)) = value.as_object().and_then(|o| o.get("keys")) else {
        return Err(PoolJwksError::NoKeysArray);
    };
    let keys: Vec<Key> = items
        .iter()
        .filter_map(|item| Key::from_json(item).ok())
        .filter(|key| key.algorithm() == Algorithm::RS256)
        .map(|key| key.to_public())
        .collect();
    if keys.is_empty() {
        return Err(PoolJwksError::NoRsaKey);
    }
    KeySet::new(keys).map_err(PoolJwksError::Keys)
}

/// What the cache knows when a request needs the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheState {
    /// Keys are cached.
    pub has_keys: bool,
    /// When the last fetch started (Unix seconds).
    pub last_attempt: Option<u64>,
    /// Failed fetches in a row.
    pub failures: u32,
}

/// What to do for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Use the cached keys.
    UseCached,
    /// Fetch (or join the fetch already in flight).
    Fetch,
    /// No keys and too soon to try again: answer `unavailable`.
    Wait,
}

/// Decides, purely, whether a request fetches. `refresh`: the cached keys lack the token's `kid`.
pub fn decide(state: CacheState, now: u64, refresh: bool) -> Decision {
    let since = |secs: u64| {
        state
            .last_attempt
            // A clock that went back does not block fetches forever.
            .is_none_or(|last| now >= last.saturating_add(secs) || now < last)
    };
    match (state.has_keys, refresh) {
        (true, false) => Decision::UseCached,
        (true, true) if since(REFETCH_INTERVAL_SECS) => Decision::Fetch,
        (true, true) => Decision::UseCached,
        (false, _) => {
            let backoff = match state.failures {
                0 => 0,
                n => (1u64 << (n - 1).min(4)).min(MAX_RETRY_SECS),
            };
            if since(backoff) {
                Decision::Fetch
            } else {
                Decision::Wait
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use cache::pool_keys;

#[cfg(target_arch = "wasm32")]
mod cache {
    //! The per-isolate cache, with ONE fetch in flight at a time: requests that need the keys while a fetch runs
    //! wait for its result instead of failing (a cold instance used to answer 503 to all but the first), and the
    //! fetch gives up after [`FETCH_TIMEOUT_MS`].

    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use handoff_core::KeySet;

    use super::{CacheState, Decision, FETCH_TIMEOUT_MS, decide, parse_pool_jwks};

    type Outcome = Result<Rc<KeySet>, String>;

    /// A fetch in flight, shared by every request that waits for it.
    #[derive(Default)]
    struct Flight {
        outcome: Option<Outcome>,
    }

    /// How often a waiting request looks whether the flight landed, in milliseconds.
    const JOIN_POLL_MS: u64 = 5;

    /// Waits for the flight to land. Each waiter polls on its own timer: workerd ties a promise to the request
    /// that created it, so a request may not be woken from another request's context (its I/O would then run
    /// under the wrong request, and fail once that one has answered).
    async fn join(flight: Rc<RefCell<Flight>>) -> Outcome {
        let rounds = FETCH_TIMEOUT_MS / JOIN_POLL_MS + 2;
        for _ in 0..rounds {
            if let Some(outcome) = flight.borrow().outcome.clone() {
                return outcome;
            }
            worker::Delay::from(Duration::from_millis(JOIN_POLL_MS)).await;
        }
        Err("pool JWKS fetch in another request did not finish".into())
    }

    #[derive(Default)]
    struct Cached {
        url: String,
        keys: Option<Rc<KeySet>>,
        last_attempt: Option<u64>,
        failures: u32,
        in_flight: Option<Rc<RefCell<Flight>>>,
    }

    thread_local! {
        static CACHE: RefCell<Cached> = RefCell::new(Cached::default());
    }

    /// The pool's keys: cached, or fetched when there are none yet (with a short backoff after failures) or
    /// when `refresh` is asked and the last fetch is old enough. Joins a fetch already in flight.
    pub async fn pool_keys(url: &str, now: u64, refresh: bool) -> Result<Rc<KeySet>, String> {
        let step = CACHE.with_borrow_mut(|c| {
            if c.url != url {
                *c = Cached {
                    url: url.to_owned(),
                    ..Cached::default()
                };
            }
            if let Some(flight) = &c.in_flight {
                return Err(flight.clone());
            }
            let state = CacheState {
                has_keys: c.keys.is_some(),
                last_attempt: c.last_attempt,
                failures: c.failures,
            };
            Ok(match decide(state, now, refresh) {
                Decision::UseCached => Step::Use(c.keys.clone()),
                Decision::Wait => Step::Wait,
                Decision::Fetch => {
                    let flight = Rc::new(RefCell::new(Flight::default()));
                    c.in_flight = Some(flight.clone());
                    c.last_attempt = Some(now);
                    Step::Lead(flight)
                }
            })
        });
        let flight = match step {
            Err(flight) => return join(flight).await,
            Ok(Step::Use(Some(keys))) => return Ok(keys),
            Ok(Step::Use(None)) | Ok(Step::Wait) => {
                return Err("pool JWKS fetch failed recently; retrying shortly".into());
            }
            Ok(Step::Lead(flight)) => flight,
        };
        let outcome: Outcome = fetch_with_timeout(url)
            .await
            .and_then(|text| parse_pool_jwks(&text).map(Rc::new).map_err(|e| e.to_string()));
        CACHE.with_borrow_mut(|c| {
            if c.url == url {
                c.in_flight = None;
                match &outcome {
                    Ok(keys) => {
                        c.keys = Some(keys.clone());
                        c.failures = 0;
                    }
                    // A failed refresh keeps serving the keys already cached.
                    Err(_) => c.failures = c.failures.saturating_add(1),
                }
            }
        });
        flight.borrow_mut().outcome = Some(outcome.clone());
        match outcome {
            // A refresh that failed still leaves the cached keys usable.
            Err(e) => CACHE.with_borrow(|c| c.keys.clone()).filter(|_| refresh).ok_or(e),
            ok => ok,
        }
    }

    enum Step {
        Use(Option<Rc<KeySet>>),
        Wait,
        Lead(Rc<RefCell<Flight>>),
    }

    async fn fetch_with_timeout(url: &str) -> Result<String, String> {
        crate::outgoing::within(FETCH_TIMEOUT_MS, fetch(url))
            .await
            .unwrap_or_else(|| Err(format!("pool JWKS fetch timed out after {FETCH_TIMEOUT_MS} ms")))
    }

    async fn fetch(url: &str) -> Result<String, String> {
        // A request from the URL string: parsing it with the `url` crate would pull IDNA tables into the wasm.
        let request =
            crate::outgoing::request(url, None).ok_or_else(|| "pool JWKS URL is invalid".to_string())?;
        let response = crate::outgoing::fetch(&request)
            .await
            .map_err(|_| "pool JWKS fetch failed".to_string())?;
        if response.status() != 200 {
            return Err(format!("pool JWKS answered {}", response.status()));
        }
        crate::outgoing::text(&response)
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
        let mut value: serde_json::Value = serde_json::from_str(public).unwrap();
        value["keys"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"kty": "EC", "kid": "ec", "crv": "P-256"}));
        let keys = parse_pool_jwks(&value.to_string()).unwrap();
        assert_eq!(keys.keys().len(), 1);
        assert_eq!(keys.keys()[0].algorithm(), Algorithm::RS256);
        assert_eq!(parse_pool_jwks("{\"keys\": []}"), Err(PoolJwksError::NoRsaKey));
        assert_eq!(parse_pool_jwks("{}"), Err(PoolJwksError::NoKeysArray));
        assert_eq!(parse_pool_jwks("not json"), Err(PoolJwksError::NotJson));
    }

    fn state(has_keys: bool, last_attempt: Option<u64>, failures: u32) -> CacheState {
        CacheState {
            has_keys,
            last_attempt,
            failures,
        }
    }

    #[test]
    fn refreshes_of_cached_keys_are_spaced_by_the_interval() {
        assert_eq!(
            decide(state(true, Some(1000), 0), 1001, false),
            Decision::UseCached
        );
        assert_eq!(
            decide(state(true, Some(1000), 0), 1059, true),
            Decision::UseCached
        );
        assert_eq!(decide(state(true, Some(1000), 0), 1060, true), Decision::Fetch);
        assert_eq!(
            decide(state(true, Some(1000), 0), 999, true),
            Decision::Fetch,
            "a clock that went back does not block fetches forever"
        );
    }

    #[test]
    fn without_keys_a_failed_fetch_is_retried_within_seconds_not_a_minute() {
        assert_eq!(decide(state(false, None, 0), 1000, false), Decision::Fetch);
        assert_eq!(decide(state(false, Some(1000), 1), 1000, false), Decision::Wait);
        assert_eq!(decide(state(false, Some(1000), 1), 1001, false), Decision::Fetch);
        assert_eq!(decide(state(false, Some(1000), 2), 1001, false), Decision::Wait);
        assert_eq!(decide(state(false, Some(1000), 2), 1002, false), Decision::Fetch);
        assert_eq!(decide(state(false, Some(1000), 4), 1008, false), Decision::Fetch);
        assert_eq!(decide(state(false, Some(1000), 40), 1009, false), Decision::Wait);
        assert_eq!(
            decide(state(false, Some(1000), 40), 1000 + MAX_RETRY_SECS, false),
            Decision::Fetch
        );
    }
}
