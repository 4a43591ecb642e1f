//! Key sets: several keys by `kid`, one of them the signing key; read from a JWK Set, printed as one.

use serde_json::{Value, json};

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
    pub fn from_jwks(json: &str) -> Result<KeySet, KeyError> {
        let value: Value = serde_json::from_str(json).map_err(|e| KeyProblem::SetNotJson(e.to_string()))?;
        let keys = match value.get("keys") {
            Some(Value::Array(items)) => items
                .iter()
                .map(Key::from_jwk_value)
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return key_err(KeyProblem::KeysNotArray),
            None => vec![Key::from_jwk_value(&value)?],
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
