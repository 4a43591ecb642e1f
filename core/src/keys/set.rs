//! Key sets: several keys by `kid`, one of them the signing key; read from a JWK Set, printed as one.

use serde_json::Value;

use crate::json;

use super::{Key, KeyError, KeyProblem, key_err};

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
                return key_err(KeyProblem::DuplicateKid(key.kid.clone()));
            }
        }
        let signing = keys.iter().position(Key::can_sign);
        Ok(KeySet { keys, signing })
    }

    /// Parses a JWK Set (`{"keys": [...]}`) or a single JWK.
    pub fn from_jwks(text: &str) -> Result<KeySet, KeyError> {
        let value = json::parse(text).map_err(|e| KeyProblem::SetNotJson(e.to_string()))?;
        let keys = match value.as_object().and_then(|o| o.get("keys")) {
            Some(json::Value::Array(items)) => {
                items.iter().map(Key::from_json).collect::<Result<Vec<_>, _>>()?
            }
            Some(_) => return key_err(KeyProblem::KeysNotArray),
            None => vec![Key::from_json(&value)?],
        };
        if keys.is_empty() {
            return key_err(KeyProblem::EmptySet);
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
            Some(_) => key_err(KeyProblem::NoPrivateMaterial(kid.to_owned())),
            None => key_err(KeyProblem::NoSuchKid(kid.to_owned())),
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
        serde_json::from_str(&self.jwks_json(false)).unwrap_or_default()
    }

    /// The full JWK Set with private members. Secret: write it only to protected storage.
    pub fn private_jwks(&self) -> Value {
        serde_json::from_str(&self.jwks_json(true)).unwrap_or_default()
    }

    /// The JWK Set as JSON text (`{"keys":[...]}`, each key as [`Key::write_jwk`] writes it): public, or with
    /// the private members of the keys that can sign. The edge serves the public one.
    pub fn jwks_json(&self, private: bool) -> String {
        let mut out = String::new();
        let mut set = json::ObjectWriter::new(&mut out);
        let mut keys = json::ArrayWriter::new(set.member("keys"));
        for key in &self.keys {
            key.write_jwk(keys.item(), private);
        }
        keys.end();
        set.end();
        out
    }
}
