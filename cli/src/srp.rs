//! Cognito's SRP-6a password proof (`USER_SRP_AUTH`, then `PASSWORD_VERIFIER`), computed as Cognito and its
//! client SDKs (amazon-cognito-identity-js, Amplify v6) do, so the password never leaves the device:
//!
//! - the 3072-bit group of RFC 5054 with g = 2; `k = H(pad(N) || pad(g))`;
//! - `A = g^a mod N` with 1024 random bits of `a`, sent as `SRP_A` (lowercase hex);
//! - `u = H(pad(A) || pad(B))`, `x = H(pad(salt) || H(poolName || userId || ":" || password))`,
//!   `S = (B - k * g^x)^(a + u * x) mod N`;
//! - the key: HKDF-SHA256 with salt `pad(u)`, input `pad(S)`, info `"Caldera Derived Key"`, 16 bytes;
//! - `PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName || userId || SECRET_BLOCK || TIMESTAMP))`, the
//!   timestamp formatted `Sun Nov 8 09:05:03 UTC 2026` (day of month without a leading zero).
//!
//! `pad(n)` is the big-endian bytes of `n` with a zero byte in front when the top bit is set (Java's
//! `BigInteger.toByteArray`, which Cognito's side uses). `poolName` is the user pool id after its `_`; `userId` is
//! `USER_ID_FOR_SRP` from the challenge. Pure: the secret `a` and the time come in as arguments.
//!
//! Checked against Amplify's own code: `cli/tests/fixtures/srp/` (generator and vectors).

use handoff_core::civil::{Civil, MONTHS, WEEKDAYS_FROM_THURSDAY};
use handoff_core::named::Named;
use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use num_bigint_dig::BigUint;
use sha2::{Digest, Sha256};

/// The group's prime (RFC 5054, 3072 bits), as every Cognito SDK spells it.
pub const N_HEX: &str = "\
FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B\
E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510\
15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7\
ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C\
BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
/// The generator.
pub const G: u32 = 2;
/// Bytes of randomness in `a` (Amplify's choice: 1024 bits).
pub const A_BYTES: usize = 128;
/// HKDF info of the password key.
const KEY_INFO: &[u8] = b"Caldera Derived Key";

/// Why no password proof could be computed: a challenge parameter is missing or unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unusable SRP challenge: {}", self.0)
    }
}

impl std::error::Error for Error {}

fn bad(message: impl Into<String>) -> Error {
    Error(message.into())
}

/// The group prime.
pub fn n() -> BigUint {
    BigUint::from_bytes_be(&hex_bytes(N_HEX).unwrap_or_default())
}

/// `k = H(pad(N) || pad(g))`.
pub fn k() -> BigUint {
    hash_int(&[&pad(&n()), &pad(&BigUint::from(G))])
}

/// The user pool's name as SRP uses it: the id after its `_` (`eu-west-1_AbC` -> `AbC`).
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or("", |(_, name)| name)
}

/// One client side of an exchange: the secret `a` and the public `A`. `Debug` shows neither.
pub struct Srp {
    a: BigUint,
    big_a: BigUint,
}

impl fmt::Debug for Srp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Srp { .. }")
    }
}

impl Srp {
    /// An exchange with a fresh random `a`.
    pub fn random() -> Result<Srp, String> {
        let mut bytes = [0u8; A_BYTES];
        getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
        let srp = Srp::from_secret(&bytes);
        bytes.fill(0);
        srp.map_err(|e| e.to_string())
    }

    /// An exchange with the given `a` (big-endian bytes; tests use fixed ones).
    pub fn from_secret(a: &[u8]) -> Result<Srp, Error> {
        let n = n();
        let a = BigUint::from_bytes_be(a);
        let big_a = BigUint::from(G).modpow(&a, &n);
        if is_zero(&(&big_a % &n)) {
            return Err(bad("A mod N is 0"));
        }
        Ok(Srp { a, big_a })
    }

    /// `SRP_A`: `A` in lowercase hex, without leading zeros.
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The 16-byte password key for the server's `SRP_B` and `SALT` (hex).
    pub fn password_key(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
    ) -> Result<[u8; 16], Error> {
        let n = n();
        let big_b = parse_hex("SRP_B", srp_b_hex)?;
        if is_zero(&(&big_b % &n)) {
            return Err(bad("SRP_B mod N is 0"));
        }
        // The salt is read as a number, as the SDKs do: leading zero bytes of SALT do not count.
        let salt = parse_hex("SALT", salt_hex)?;
        let u = hash_int(&[&pad(&self.big_a), &pad(&big_b)]);
        if is_zero(&u) {
            return Err(bad("u is 0"));
        }
        let inner = Sha256::digest(format!("{pool_name}{user_id}:{password}").as_bytes());
        let x = hash_int(&[&pad(&salt), &inner]);
        let g = BigUint::from(G);
        // B - k * g^x, kept in [0, N): the same value mod N as the SDKs' signed arithmetic.
        let kv = (k() * g.modpow(&x, &n)) % &n;
        let base = ((&big_b % &n) + &n - kv) % &n;
        let s = base.modpow(&(&self.a + &u * &x), &n);
        let hkdf = hkdf::Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&s));
        let mut key = [0u8; 16];
        hkdf.expand(KEY_INFO, &mut key)
            .map_err(|_| bad("HKDF refused a 16-byte key"))?;
        Ok(key)
    }

    /// The `PASSWORD_VERIFIER` challenge responses for the challenge's parameters (`SALT`, `SRP_B`,
    /// `SECRET_BLOCK`, `USER_ID_FOR_SRP`) at `now` (Unix seconds): `USERNAME`, `PASSWORD_CLAIM_SECRET_BLOCK`,
    /// `TIMESTAMP`, `PASSWORD_CLAIM_SIGNATURE`.
    pub fn answer(
        &self,
        pool_id: &str,
        password: &str,
        parameters: &Named<String>,
        now: u64,
    ) -> Result<BTreeMap<&'static str, String>, Error> {
        let get = |key: &str| {
            parameters
                .get(key)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| bad(format!("no {key}")))
        };
        let user_id = get("USER_ID_FOR_SRP")?;
        let secret_block = get("SECRET_BLOCK")?;
        let pool_name = pool_name(pool_id);
        let key = self.password_key(pool_name, user_id, password, get("SALT")?, get("SRP_B")?)?;
        let timestamp = timestamp(now);
        let signature = claim_signature(&key, pool_name, user_id, secret_block, &timestamp)?;
        Ok(BTreeMap::from([
            ("USERNAME", user_id.clone()),
            ("PASSWORD_CLAIM_SECRET_BLOCK", secret_block.clone()),
            ("TIMESTAMP", timestamp),
            ("PASSWORD_CLAIM_SIGNATURE", signature),
        ]))
    }
}

/// `base64(HMAC-SHA256(key, poolName || userId || base64decode(secretBlock) || timestamp))`.
pub fn claim_signature(
    key: &[u8],
    pool_name: &str,
    user_id: &str,
    secret_block: &str,
    timestamp: &str,
) -> Result<String, Error> {
    // Standard or URL-safe alphabet, padded or not: Amplify reads it either way.
    let lenient = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let block = lenient
        .decode(secret_block.trim().replace('-', "+").replace('_', "/"))
        .map_err(|e| bad(format!("SECRET_BLOCK is not base64: {e}")))?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| bad("empty key"))?;
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(&block);
    mac.update(timestamp.as_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `TIMESTAMP` of a password claim: `EEE MMM d HH:mm:ss UTC yyyy` in English, the day without a leading zero
/// (`Sun Nov 8 09:05:03 UTC 2026`).
pub fn timestamp(unix: u64) -> String {
    let c = Civil::from_unix(unix);
    let (h, m, s) = c.hms;
    format!(
        "{} {} {} {h:02}:{m:02}:{s:02} UTC {}",
        WEEKDAYS_FROM_THURSDAY[c.weekday as usize],
        MONTHS[(c.month - 1) as usize],
        c.day,
        c.year
    )
}

/// Big-endian bytes, with a zero byte in front when the top bit is set (and `[0]` for zero).
pub fn pad(n: &BigUint) -> Vec<u8> {
    let mut bytes = if is_zero(n) { vec![0] } else { n.to_bytes_be() };
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

fn is_zero(n: &BigUint) -> bool {
    n.bits() == 0
}

fn hash_int(parts: &[&[u8]]) -> BigUint {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    BigUint::from_bytes_be(&hash.finalize())
}

/// A hex number from a challenge parameter: hex digits only (no sign, no separators).
fn parse_hex(name: &str, text: &str) -> Result<BigUint, Error> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!("{name} is not a hex number")));
    }
    BigUint::parse_bytes(text.as_bytes(), 16).ok_or_else(|| bad(format!("{name} is not a hex number")))
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let text = if text.len() % 2 == 1 {
        format!("0{text}")
    } else {
        text.to_owned()
    };
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_adds_a_zero_byte_only_for_a_set_top_bit() {
        assert_eq!(pad(&BigUint::from(0u32)), vec![0]);
        assert_eq!(pad(&BigUint::from(0x14u32)), vec![0x14]);
        assert_eq!(pad(&BigUint::from(0xecu32)), vec![0, 0xec]);
        assert_eq!(pad(&BigUint::from(0x0100u32)), vec![1, 0]);
        assert_eq!(pad(&n()).len(), 385);
    }

    #[test]
    fn the_pool_name_is_the_id_after_the_underscore() {
        assert_eq!(pool_name("eu-west-1_AbCdEfGhI"), "AbCdEfGhI");
        assert_eq!(pool_name("no-underscore"), "");
    }

    #[test]
    fn timestamps_have_no_leading_zero_in_the_day() {
        assert_eq!(timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(timestamp(1_794_128_703), "Sun Nov 8 09:05:03 UTC 2026");
        assert_eq!(timestamp(1_709_251_199), "Thu Feb 29 23:59:59 UTC 2024");
    }

    #[test]
    fn a_server_value_of_zero_mod_n_and_garbage_hex_are_refused() {
        let srp = Srp::from_secret(&[7; 32]).unwrap();
        let zero = srp.password_key("p", "u", "pw", "ab", &N_HEX.to_lowercase());
        assert_eq!(zero.unwrap_err(), bad("SRP_B mod N is 0"));
        assert!(srp.password_key("p", "u", "pw", "ab", "0").is_err());
        assert!(srp.password_key("p", "u", "pw", "a_b", "12").is_err());
        assert!(srp.password_key("p", "u", "pw", "ab", "+12").is_err());
        assert!(srp.password_key("p", "u", "pw", "", "12").is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let srp = Srp::from_secret(&[7; 32]).unwrap();
        assert_eq!(format!("{srp:?}"), "Srp { .. }");
    }
}
