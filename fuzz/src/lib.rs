//! What the fuzz targets share: splitting one input into text fields, and the TEST-ONLY fixtures (keys, the
//! golden token corpus and its policy), embedded so a target never reads a file while it runs.

use std::sync::OnceLock;

use handoff_core::{KeySet, Policy};
use serde_json::Value;

/// Separates the fields of one input. 0xFF never occurs in UTF-8, so every field of a seed is plain text and a
/// seed file reads as `field<FF>field<FF>...` (see `fuzz/seed.sh`).
pub const SEP: u8 = 0xFF;

/// The input's fields: split on [`SEP`], each decoded as UTF-8 (invalid bytes become U+FFFD, which keeps
/// non-ASCII look-alikes and odd code points reachable).
pub fn fields(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == SEP)
        .map(|field| String::from_utf8_lossy(field).into_owned())
        .collect()
}

const CORPUS: &str = include_str!("../../tests/fixtures/tokens.json");
const PUBLIC_JWKS: &str = include_str!("../../tests/fixtures/keys/test-only.public.jwks.json");
const PRIVATE_JWKS: &str = include_str!("../../tests/fixtures/keys/test-only.private.jwks.json");

/// The golden corpus's world: its keys, policy and clock, and the tokens it says are valid.
pub struct Golden {
    /// Verification keys: public halves only, as the edge holds them.
    pub public: KeySet,
    /// The same keys with their private halves (TEST-ONLY), for tokens the harness mints itself.
    pub private: KeySet,
    /// The corpus's policy (issuer, audiences, max TTL, leeway).
    pub policy: Policy,
    /// The corpus's clock.
    pub now: u64,
    /// Every token the corpus expects to verify (`"expect": "ok"`).
    pub valid: Vec<String>,
    /// Every token of the corpus, valid or not.
    pub all: Vec<String>,
}

/// The golden world, parsed once per process.
pub fn golden() -> &'static Golden {
    static GOLDEN: OnceLock<Golden> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let corpus: Value = serde_json::from_str(CORPUS).expect("tokens.json is JSON");
        let p = &corpus["policy"];
        let mut policy = Policy::new(
            p["issuer"].as_str().expect("policy.issuer"),
            p["audiences"]
                .as_array()
                .expect("policy.audiences")
                .iter()
                .map(|a| a.as_str().expect("audience").to_owned()),
        );
        policy.max_ttl = p["max_ttl"].as_u64().expect("policy.max_ttl");
        policy.leeway = p["leeway"].as_u64().expect("policy.leeway");
        let cases = corpus["cases"].as_array().expect("cases");
        let token = |c: &Value| c["token"].as_str().expect("token").to_owned();
        Golden {
            public: KeySet::from_jwks(PUBLIC_JWKS).expect("public TEST-ONLY keys"),
            private: KeySet::from_jwks(PRIVATE_JWKS).expect("private TEST-ONLY keys"),
            policy,
            now: corpus["now"].as_u64().expect("now"),
            valid: cases.iter().filter(|c| c["expect"] == "ok").map(token).collect(),
            all: cases.iter().map(token).collect(),
        }
    })
}

/// A minimal executor for core's async API: with a blocking backend its futures never wait.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// A byte reader over control bytes that yields zeros once they run out.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    /// The next byte, or 0.
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, big-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) << 8 | u16::from(self.u8())
    }
}
