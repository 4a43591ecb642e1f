//! workerd's WebCrypto as core's [`AsyncSignatureBackend`]: Ed25519 and RSASSA-PKCS1-v1_5/SHA-256 verify and
//! sign run natively in the runtime, not in wasm. Imported `CryptoKey`s are cached per isolate (they are not
//! `Send`, hence a `thread_local`), keyed by kid and checked against the key material, so a rotated key with a
//! reused kid is never confused with the old one. Also the isolate's source of random bytes.

use crate::promise::settled;
use std::cell::RefCell;

use handoff_core::{Algorithm, AsyncSignatureBackend, BackendError, Key, Material};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

/// What an imported key is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Usage {
    Verify,
    Sign,
}

struct Imported {
    key: Key,
    usage: Usage,
    crypto_key: CryptoKey,
}

thread_local! {
    static CRYPTO: Crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map(JsCast::unchecked_into)
        .expect("workerd always provides crypto");
    static KEYS: RefCell<Vec<Imported>> = const { RefCell::new(Vec::new()) };
    // Built once: every verify would otherwise cross into JS several times just to describe the algorithm.
    static SUBTLE: SubtleCrypto = CRYPTO.with(Crypto::subtle);
    static ED25519: Object = object(&[("name", "Ed25519".into())]);
    static RSASSA_SHA256: Object =
        object(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", "SHA-256".into())]);
}

/// Most imported keys kept per isolate (signing keys, older verification keys, the pool's keys).
const MAX_CACHED_KEYS: usize = 32;

fn subtle() -> SubtleCrypto {
    SUBTLE.with(Clone::clone)
}

/// Maps a rejected WebCrypto call to `error`: the thrown JS value says no more than which call failed.
fn js_err(error: BackendError) -> impl Fn(JsValue) -> BackendError {
    move |_| error.clone()
}

fn cannot_sign(key: &Key) -> BackendError {
    BackendError::NoPrivateKey {
        kid: key.kid().to_owned(),
    }
}

/// `n` cryptographically random bytes from `crypto.getRandomValues`.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], BackendError> {
    let mut bytes = [0u8; N];
    CRYPTO
        .with(|c| c.get_random_values_with_u8_array(&mut bytes))
        .map_err(js_err(BackendError::Randomness))?;
    Ok(bytes)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object
}

fn algorithm(alg: Algorithm) -> Object {
    match alg {
        Algorithm::EdDSA => ED25519.with(Clone::clone),
        Algorithm::RS256 => RSASSA_SHA256.with(Clone::clone),
    }
}

async fn import(key: &Key, usage: Usage) -> Result<CryptoKey, BackendError> {
    let usages = Array::of1(&JsValue::from_str(if usage == Usage::Sign {
        "sign"
    } else {
        "verify"
    }));
    let alg = algorithm(key.algorithm());
    let import_failed = || js_err(BackendError::KeyImport(key.algorithm()));
    let promise = match (usage, key.material()) {
        (Usage::Verify, _) => {
            let spki = Uint8Array::from(key.spki_der().as_slice());
            subtle().import_key_with_object("spki", &spki, &alg, false, &usages)
        }
        (Usage::Sign, Material::Ed25519 { .. }) => {
            let der = key.private_der().ok_or_else(|| cannot_sign(key))?;
            let pkcs8 = Uint8Array::from(der.expose());
            subtle().import_key_with_object("pkcs8", &pkcs8, &alg, false, &usages)
        }
        (Usage::Sign, Material::Rsa { .. }) => {
            // WebCrypto imports RSA private keys as PKCS#8 or JWK, not PKCS#1: the JWK is at hand.
            let jwk = key.private_jwk_json().ok_or_else(|| cannot_sign(key))?;
            let jwk = js_sys::JSON::parse(&jwk).map_err(import_failed())?;
            subtle().import_key_with_object("jwk", jwk.unchecked_ref(), &alg, false, &usages)
        }
    }
    .map_err(import_failed())?;
    let crypto_key = settled(&promise).await.map_err(import_failed())?;
    Ok(crypto_key.unchecked_into())
}

/// The cached `CryptoKey` for `key` and `usage`, importing it on first use.
async fn crypto_key(key: &Key, usage: Usage) -> Result<CryptoKey, BackendError> {
    let cached = KEYS.with_borrow(|keys| {
        keys.iter()
            .find(|i| i.usage == usage && i.key == *key)
            .map(|i| i.crypto_key.clone())
    });
    if let Some(crypto_key) = cached {
        return Ok(crypto_key);
    }
    let crypto_key = import(key, usage).await?;
    KEYS.with_borrow_mut(|keys| {
        keys.retain(|i| !(i.usage == usage && i.key.kid() == key.kid()));
        if keys.len() >= MAX_CACHED_KEYS {
            keys.remove(0);
        }
        keys.push(Imported {
            key: key.clone(),
            usage,
            crypto_key: crypto_key.clone(),
        });
    });
    Ok(crypto_key)
}

/// Signature crypto through workerd's `crypto.subtle`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebCrypto;

impl AsyncSignatureBackend for WebCrypto {
    async fn verify(&self, key: &Key, message: &[u8], signature: &[u8]) -> Result<bool, BackendError> {
        let crypto_key = crypto_key(key, Usage::Verify).await?;
        let promise = subtle()
            .verify_with_object_and_u8_array_and_u8_array(
                &algorithm(key.algorithm()),
                &crypto_key,
                signature,
                message,
            )
            .map_err(js_err(BackendError::Verify(key.algorithm())))?;
        let verdict = settled(&promise)
            .await
            .map_err(js_err(BackendError::Verify(key.algorithm())))?;
        Ok(verdict.as_bool() == Some(true))
    }

    async fn sign(&self, key: &Key, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        let crypto_key = crypto_key(key, Usage::Sign).await?;
        let promise = subtle()
            .sign_with_object_and_u8_array(&algorithm(key.algorithm()), &crypto_key, message)
            .map_err(js_err(BackendError::Sign(key.algorithm())))?;
        let signature = settled(&promise)
            .await
            .map_err(js_err(BackendError::Sign(key.algorithm())))?;
        Ok(Uint8Array::new(&signature).to_vec())
    }
}
