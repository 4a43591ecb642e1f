//! Keys and key sets: Ed25519 and RSA keys, each with a `kid`, loaded from JWK, JWK Set or PEM, printed as a
//! public JWK Set. Private material is redacted from `Debug`. Which algorithm a key may verify is fixed by its type.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::der::{self, Reader};
use crate::{Algorithm, b64};

/// Smallest RSA modulus accepted, in bytes (2048 bits).
pub const MIN_RSA_MODULUS_BYTES: usize = 256;
/// Longest `kid` accepted.
pub const MAX_KID_LEN: usize = 128;

/// A key could not be loaded or used. Always an operator's configuration problem (reason `misconfigured`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key error: {0}")]
pub struct KeyError(pub String);

fn key_err<T>(msg: impl Into<String>) -> Result<T, KeyError> {
    Err(KeyError(msg.into()))
}

/// Secret bytes: zeroed on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }
    /// The secret bytes. Handle with care.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort; the optimiser may elide this, it is hygiene, not a guarantee.
        self.0.iter_mut().for_each(|b| *b = 0);
    }
}

/// The private half of an RSA key (RFC 7518 section 6.3.2 members).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RsaPrivate {
    /// Private exponent.
    pub d: Secret,
    /// First prime factor.
    pub p: Secret,
    /// Second prime factor.
    pub q: Secret,
    /// First factor CRT exponent.
    pub dp: Secret,
    /// Second factor CRT exponent.
    pub dq: Secret,
    /// First CRT coefficient.
    pub qi: Secret,
}

/// Key material by type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Material {
    /// An Ed25519 key: the 32-byte public key, and the 32-byte private seed when this key can sign.
    Ed25519 {
        /// Public key bytes (JWK `x`).
        x: [u8; 32],
        /// Private seed (JWK `d`).
        d: Option<Secret>,
    },
    /// An RSA key: modulus and public exponent (big-endian), and the private parts when this key can sign.
    Rsa {
        /// Modulus (JWK `n`).
        n: Vec<u8>,
        /// Public exponent (JWK `e`).
        e: Vec<u8>,
        /// Private parts.
        private: Option<Box<RsaPrivate>>,
    },
}

/// One key with its id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Key {
    kid: String,
    material: Material,
}

#[derive(Deserialize)]
struct JwkFields {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    d: Option<String>,
    n: Option<String>,
    e: Option<String>,
    p: Option<String>,
    q: Option<String>,
    dp: Option<String>,
    dq: Option<String>,
    qi: Option<String>,
}

fn field(value: Option<String>, name: &str) -> Result<Vec<u8>, KeyError> {
    let Some(text) = value else {
        return key_err(format!("JWK member {name:?} is missing"));
    };
    b64::decode(&text).ok_or_else(|| KeyError(format!("JWK member {name:?} is not base64url")))
}

fn check_kid(kid: &str) -> Result<(), KeyError> {
    if kid.is_empty() || kid.len() > MAX_KID_LEN || !kid.bytes().all(|b| b.is_ascii_graphic()) {
        return key_err(format!("kid must be 1-{MAX_KID_LEN} printable ASCII characters"));
    }
    Ok(())
}

fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

impl Key {
    /// A key from its parts. Checks the `kid` and, for RSA, the modulus size.
    pub fn new(kid: impl Into<String>, material: Material) -> Result<Key, KeyError> {
        let kid = kid.into();
        check_kid(&kid)?;
        if let Material::Rsa { n, e, .. } = &material {
            if strip_zeros(n).len() < MIN_RSA_MODULUS_BYTES {
                return key_err(format!("RSA key {kid:?} is shorter than 2048 bits"));
            }
            if strip_zeros(e).is_empty() {
                return key_err(format!("RSA key {kid:?} has a zero exponent"));
            }
        }
        Ok(Key { kid, material })
    }

    /// An Ed25519 key from a 32-byte seed, deriving the public key.
    #[cfg(feature = "rust-crypto")]
    pub fn ed25519_from_seed(kid: impl Into<String>, seed: [u8; 32]) -> Result<Key, KeyError> {
        let x = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        Key::new(
            kid,
            Material::Ed25519 {
                x,
                d: Some(Secret::new(seed.to_vec())),
            },
        )
    }

    /// Parses one JWK (JSON text). `kty` must be `OKP` (crv `Ed25519`) or `RSA`; `alg`, if present, must match.
    pub fn from_jwk(json: &str) -> Result<Key, KeyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| KeyError(format!("JWK is not JSON: {e}")))?;
        Key::from_jwk_value(&value)
    }

    /// Like [`Key::from_jwk`], from parsed JSON.
    pub fn from_jwk_value(value: &Value) -> Result<Key, KeyError> {
        let f = JwkFields::deserialize(value).map_err(|e| KeyError(format!("JWK has a bad member: {e}")))?;
        let Some(kid) = f.kid else {
            return key_err("JWK has no kid");
        };
        if f.use_.as_deref().is_some_and(|u| u != "sig") {
            return key_err(format!("JWK {kid:?} is not a signature key (use != sig)"));
        }
        let material = match f.kty.as_str() {
            "OKP" => {
                if f.crv.as_deref() != Some("Ed25519") {
                    return key_err(format!("JWK {kid:?}: only the Ed25519 curve is supported"));
                }
                let x: [u8; 32] = field(f.x, "x")?
                    .try_into()
                    .map_err(|_| KeyError(format!("JWK {kid:?}: x must be 32 bytes")))?;
                let d = match f.d {
                    None => None,
                    Some(d) => {
                        let d = field(Some(d), "d")?;
                        if d.len() != 32 {
                            return key_err(format!("JWK {kid:?}: d must be 32 bytes"));
                        }
                        Some(Secret::new(d))
                    }
                };
                Material::Ed25519 { x, d }
            }
            "RSA" => {
                let private = match f.d {
                    None => None,
                    Some(d) => Some(Box::new(RsaPrivate {
                        d: Secret::new(field(Some(d), "d")?),
                        p: Secret::new(field(f.p, "p")?),
                        q: Secret::new(field(f.q, "q")?),
                        dp: Secret::new(field(f.dp, "dp")?),
                        dq: Secret::new(field(f.dq, "dq")?),
                        qi: Secret::new(field(f.qi, "qi")?),
                    })),
                };
                Material::Rsa {
                    n: field(f.n, "n")?,
                    e: field(f.e, "e")?,
                    private,
                }
            }
            other => return key_err(format!("JWK {kid:?}: key type {other:?} is not supported")),
        };
        let key = Key::new(kid, material)?;
        if let Some(alg) = f.alg
            && alg != key.algorithm().as_str()
        {
            return key_err(format!(
                "JWK {:?}: alg {alg:?} does not match its key type",
                key.kid
            ));
        }
        Ok(key)
    }

    /// Parses a PEM key: `PUBLIC KEY` (SPKI), `PRIVATE KEY` (PKCS#8), `RSA PUBLIC KEY` / `RSA PRIVATE KEY`
    /// (PKCS#1). An Ed25519 private key needs the `rust-crypto` feature to derive its public half.
    pub fn from_pem(pem: &str, kid: impl Into<String>) -> Result<Key, KeyError> {
        let (label, der) = crate::pem::decode(pem)?;
        let material = match label.as_str() {
            "PUBLIC KEY" => parse_spki(&der)?,
            "PRIVATE KEY" => parse_pkcs8(&der)?,
            "RSA PUBLIC KEY" => parse_pkcs1_public(&der)?,
            "RSA PRIVATE KEY" => parse_pkcs1_private(&der)?,
            other => return key_err(format!("PEM label {other:?} is not a supported key")),
        };
        match material {
            Parsed::Ready(material) => Key::new(kid, material),
            Parsed::Ed25519Seed(seed) => ed25519_from_seed_for_pem(kid.into(), seed),
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key material.
    pub fn material(&self) -> &Material {
        &self.material
    }

    /// The one algorithm this key signs and verifies with.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            Material::Ed25519 { .. } => Algorithm::EdDSA,
            Material::Rsa { .. } => Algorithm::RS256,
        }
    }

    /// Whether this key holds private material and can sign.
    pub fn can_sign(&self) -> bool {
        match &self.material {
            Material::Ed25519 { d, .. } => d.is_some(),
            Material::Rsa { private, .. } => private.is_some(),
        }
    }

    /// The public JWK (`kty`, `crv`/`n`/`e`, `x`, `kid`, `alg`, `use`).
    pub fn public_jwk(&self) -> Value {
        let mut jwk = match &self.material {
            Material::Ed25519 { x, .. } => json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(x)}),
            Material::Rsa { n, e, .. } => json!({"kty": "RSA", "n": b64::encode(n), "e": b64::encode(e)}),
        };
        if let Value::Object(map) = &mut jwk {
            map.insert("kid".into(), self.kid.clone().into());
            map.insert("alg".into(), self.algorithm().as_str().into());
            map.insert("use".into(), "sig".into());
        }
        jwk
    }

    /// The private JWK, if this key can sign. Secret: write it only to protected storage.
    pub fn private_jwk(&self) -> Option<Value> {
        let mut jwk = self.public_jwk();
        let map: &mut Map<String, Value> = jwk.as_object_mut()?;
        match &self.material {
            Material::Ed25519 { d: Some(d), .. } => {
                map.insert("d".into(), b64::encode(d.expose()).into());
            }
            Material::Rsa { private: Some(p), .. } => {
                for (name, part) in [
                    ("d", &p.d),
                    ("p", &p.p),
                    ("q", &p.q),
                    ("dp", &p.dp),
                    ("dq", &p.dq),
                    ("qi", &p.qi),
                ] {
                    map.insert(name.into(), b64::encode(part.expose()).into());
                }
            }
            _ => return None,
        }
        Some(jwk)
    }

    /// DER SubjectPublicKeyInfo of the public key (what WebCrypto's `spki` import takes).
    pub fn spki_der(&self) -> Vec<u8> {
        let mut alg = Vec::new();
        let mut bits = vec![0u8];
        match &self.material {
            Material::Ed25519 { x, .. } => {
                der::write(der::OID, der::OID_ED25519, &mut alg);
                bits.extend_from_slice(x);
            }
            Material::Rsa { n, e, .. } => {
                der::write(der::OID, der::OID_RSA, &mut alg);
                der::write(der::NULL, &[], &mut alg);
                bits.extend_from_slice(&rsa_public_pkcs1(n, e));
            }
        }
        let mut content = Vec::new();
        der::write(der::SEQUENCE, &alg, &mut content);
        der::write(der::BIT_STRING, &bits, &mut content);
        let mut out = Vec::new();
        der::write(der::SEQUENCE, &content, &mut out);
        out
    }

    /// DER of the private key for signing backends: PKCS#8 for Ed25519, PKCS#1 for RSA. `None` for public keys.
    pub fn private_der(&self) -> Option<Secret> {
        match &self.material {
            Material::Ed25519 { d: Some(d), .. } => {
                let mut seed = Vec::new();
                der::write(der::OCTET_STRING, d.expose(), &mut seed);
                let mut alg = Vec::new();
                der::write(der::OID, der::OID_ED25519, &mut alg);
                let mut content = Vec::new();
                der::write_uint(&[0], &mut content);
                der::write(der::SEQUENCE, &alg, &mut content);
                der::write(der::OCTET_STRING, &seed, &mut content);
                let mut out = Vec::new();
                der::write(der::SEQUENCE, &content, &mut out);
                Some(Secret::new(out))
            }
            Material::Rsa {
                n,
                e,
                private: Some(p),
            } => {
                let mut content = Vec::new();
                der::write_uint(&[0], &mut content);
                for part in [&n[..], e, p.d.expose(), p.p.expose(), p.q.expose()] {
                    der::write_uint(part, &mut content);
                }
                for part in [&p.dp, &p.dq, &p.qi] {
                    der::write_uint(part.expose(), &mut content);
                }
                let mut out = Vec::new();
                der::write(der::SEQUENCE, &content, &mut out);
                Some(Secret::new(out))
            }
            _ => None,
        }
    }

    /// This key without its private material.
    pub fn to_public(&self) -> Key {
        let material = match &self.material {
            Material::Ed25519 { x, .. } => Material::Ed25519 { x: *x, d: None },
            Material::Rsa { n, e, .. } => Material::Rsa {
                n: n.clone(),
                e: e.clone(),
                private: None,
            },
        };
        Key {
            kid: self.kid.clone(),
            material,
        }
    }
}

fn rsa_public_pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut content = Vec::new();
    der::write_uint(n, &mut content);
    der::write_uint(e, &mut content);
    let mut out = Vec::new();
    der::write(der::SEQUENCE, &content, &mut out);
    out
}

enum Parsed {
    Ready(Material),
    Ed25519Seed([u8; 32]),
}

#[cfg(feature = "rust-crypto")]
fn ed25519_from_seed_for_pem(kid: String, seed: [u8; 32]) -> Result<Key, KeyError> {
    Key::ed25519_from_seed(kid, seed)
}

#[cfg(not(feature = "rust-crypto"))]
fn ed25519_from_seed_for_pem(_kid: String, _seed: [u8; 32]) -> Result<Key, KeyError> {
    key_err(
        "an Ed25519 private key in PEM needs the rust-crypto feature; load it as a JWK with x and d instead",
    )
}

fn bad(what: &str) -> KeyError {
    KeyError(format!("{what} is not valid DER"))
}

fn parse_spki(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut spki = outer.sequence().ok_or_else(|| bad("SubjectPublicKeyInfo"))?;
    let mut alg = spki.sequence().ok_or_else(|| bad("SubjectPublicKeyInfo"))?;
    let oid = alg.read(der::OID).ok_or_else(|| bad("SubjectPublicKeyInfo"))?;
    let bits = spki
        .read(der::BIT_STRING)
        .ok_or_else(|| bad("SubjectPublicKeyInfo"))?;
    if !outer.is_empty() || !spki.is_empty() {
        return Err(bad("SubjectPublicKeyInfo"));
    }
    let Some((&0, key)) = bits.split_first() else {
        return Err(bad("SubjectPublicKeyInfo"));
    };
    if oid == der::OID_ED25519 {
        let x: [u8; 32] = key
            .try_into()
            .map_err(|_| KeyError("Ed25519 public key must be 32 bytes".into()))?;
        Ok(Parsed::Ready(Material::Ed25519 { x, d: None }))
    } else if oid == der::OID_RSA {
        parse_pkcs1_public(key)
    } else {
        key_err("public key algorithm is neither Ed25519 nor RSA")
    }
}

fn parse_pkcs1_public(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut seq = outer.sequence().ok_or_else(|| bad("RSAPublicKey"))?;
    let n = seq.read_uint().ok_or_else(|| bad("RSAPublicKey"))?.to_vec();
    let e = seq.read_uint().ok_or_else(|| bad("RSAPublicKey"))?.to_vec();
    if !outer.is_empty() || !seq.is_empty() {
        return Err(bad("RSAPublicKey"));
    }
    Ok(Parsed::Ready(Material::Rsa { n, e, private: None }))
}

fn parse_pkcs1_private(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut seq = outer.sequence().ok_or_else(|| bad("RSAPrivateKey"))?;
    let mut next = || {
        seq.read_uint()
            .map(<[u8]>::to_vec)
            .ok_or_else(|| bad("RSAPrivateKey"))
    };
    let version = next()?;
    if version != [0] {
        return key_err("only two-prime RSA private keys (version 0) are supported");
    }
    let (n, e) = (next()?, next()?);
    let (d, p, q, dp, dq, qi) = (next()?, next()?, next()?, next()?, next()?, next()?);
    let private = RsaPrivate {
        d: Secret::new(d),
        p: Secret::new(p),
        q: Secret::new(q),
        dp: Secret::new(dp),
        dq: Secret::new(dq),
        qi: Secret::new(qi),
    };
    Ok(Parsed::Ready(Material::Rsa {
        n,
        e,
        private: Some(Box::new(private)),
    }))
}

fn parse_pkcs8(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut seq = outer.sequence().ok_or_else(|| bad("PKCS#8"))?;
    let version = seq.read_uint().ok_or_else(|| bad("PKCS#8"))?;
    if version != [0] && version != [1] {
        return Err(bad("PKCS#8"));
    }
    let mut alg = seq.sequence().ok_or_else(|| bad("PKCS#8"))?;
    let oid = alg.read(der::OID).ok_or_else(|| bad("PKCS#8"))?;
    let inner = seq.read(der::OCTET_STRING).ok_or_else(|| bad("PKCS#8"))?;
    if oid == der::OID_ED25519 {
        let seed = Reader::new(inner)
            .read(der::OCTET_STRING)
            .ok_or_else(|| bad("Ed25519 private key"))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| KeyError("Ed25519 private key must be 32 bytes".into()))?;
        Ok(Parsed::Ed25519Seed(seed))
    } else if oid == der::OID_RSA {
        parse_pkcs1_private(inner)
    } else {
        key_err("private key algorithm is neither Ed25519 nor RSA")
    }
}

/// A set of keys: one active signing key (optional for verify-only sets) and any number of verification keys
/// (older keys kept at least a max TTL after rotation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Key>,
    signing: Option<usize>,
}

impl KeySet {
    /// A key set; the first key that can sign is the active signing key. `kid`s must be unique.
    pub fn new(keys: Vec<Key>) -> Result<KeySet, KeyError> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.kid == key.kid) {
                return key_err(format!("kid {:?} appears twice in the key set", key.kid));
            }
        }
        let signing = keys.iter().position(Key::can_sign);
        Ok(KeySet { keys, signing })
    }

    /// Parses a JWK Set (`{"keys": [...]}`) or a single JWK.
    pub fn from_jwks(json: &str) -> Result<KeySet, KeyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| KeyError(format!("key set is not JSON: {e}")))?;
        let keys = match value.get("keys") {
            Some(Value::Array(items)) => items
                .iter()
                .map(Key::from_jwk_value)
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return key_err("\"keys\" must be an array"),
            None => vec![Key::from_jwk_value(&value)?],
        };
        if keys.is_empty() {
            return key_err("the key set is empty");
        }
        KeySet::new(keys)
    }

    /// Chooses the active signing key by `kid`.
    pub fn with_signing_kid(mut self, kid: &str) -> Result<KeySet, KeyError> {
        match self.keys.iter().position(|k| k.kid == kid) {
            Some(i) if self.keys[i].can_sign() => {
                self.signing = Some(i);
                Ok(self)
            }
            Some(_) => key_err(format!("key {kid:?} has no private material")),
            None => key_err(format!("no key {kid:?} in the key set")),
        }
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The active signing key, if any.
    pub fn signing_key(&self) -> Option<&Key> {
        self.signing.map(|i| &self.keys[i])
    }

    /// All keys, in order.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The public JWK Set, as served at `/.well-known/jwks.json`.
    pub fn public_jwks(&self) -> Value {
        json!({"keys": self.keys.iter().map(Key::public_jwk).collect::<Vec<_>>()})
    }

    /// The full JWK Set with private members. Secret: write it only to protected storage.
    pub fn private_jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| k.private_jwk().unwrap_or_else(|| k.public_jwk()))
            .collect();
        json!({"keys": keys})
    }
}
