//! Signing-key rotation that never breaks a live link: three steps, each deployed before the next.
//!
//! 1. **stage**: a new key joins the set as verify-only (appended: the edge signs with the first private key),
//!    so every edge instance can verify it before any instance signs with it.
//! 2. **promote**: once the staged set is deployed, the new key moves to the front and signs; the old keys stay
//!    for verification, because links they signed are still live.
//! 3. **retire**: the old keys leave the set, no sooner than the longest token lifetime plus the clock leeway
//!    after the promotion, when every link they signed has expired.
//!
//! The steps' times live in the key set file itself, in a `handoff_rotation` member that JWK Set readers ignore
//! (RFC 7517 section 5: unknown members are ignored). Pure: the time is passed in.

use handoff_core::{HARD_MAX_TTL_SECS, Key, KeySet};
use serde_json::{Value, json};

/// The JWK Set member that records the rotation in progress.
pub const MEMBER: &str = "handoff_rotation";
/// Clock leeway the edge allows on `exp` (core's policy default), added to the wait before retiring.
pub const LEEWAY_SECS: u64 = 5;

/// A key set file: the keys and the rotation in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    /// The keys, the active signer first.
    pub keys: KeySet,
    /// The rotation in progress.
    pub rotation: Rotation,
}

/// Where a rotation stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rotation {
    /// A staged (verify-only) key and when it was staged.
    pub staged: Option<(String, u64)>,
    /// The last promotion: when, and the keys it left to retire.
    pub promoted: Option<Promotion>,
}

/// A promotion whose old keys are not retired yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The key that signs since the promotion.
    pub kid: String,
    /// When it was promoted (Unix seconds).
    pub at: u64,
    /// The keys that signed before it, to retire.
    pub retiring: Vec<String>,
}

impl KeyFile {
    /// Parses a private JWK Set file, with or without a rotation record.
    pub fn parse(text: &str) -> Result<KeyFile, String> {
        let keys = KeySet::from_jwks(text).map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let record = &value[MEMBER];
        let bad = || format!("the {MEMBER:?} record is malformed");
        let staged = match &record["staged"] {
            Value::Null => None,
            v => Some((
                v["kid"].as_str().ok_or_else(bad)?.to_owned(),
                v["at"].as_u64().ok_or_else(bad)?,
            )),
        };
        let promoted = match &record["promoted"] {
            Value::Null => None,
            v => Some(Promotion {
                kid: v["kid"].as_str().ok_or_else(bad)?.to_owned(),
                at: v["at"].as_u64().ok_or_else(bad)?,
                retiring: v["retiring"]
                    .as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|k| k.as_str().map(str::to_owned).ok_or_else(bad))
                    .collect::<Result<_, _>>()?,
            }),
        };
        Ok(KeyFile {
            keys,
            rotation: Rotation { staged, promoted },
        })
    }

    /// The file's text: the private JWK Set plus the rotation record when one is in progress.
    pub fn to_text(&self) -> String {
        let mut value = self.keys.private_jwks();
        let mut record = serde_json::Map::new();
        if let Some((kid, at)) = &self.rotation.staged {
            record.insert("staged".into(), json!({"kid": kid, "at": at}));
        }
        if let Some(p) = &self.rotation.promoted {
            record.insert(
                "promoted".into(),
                json!({"kid": p.kid, "at": p.at, "retiring": p.retiring}),
            );
        }
        if !record.is_empty() {
            value[MEMBER] = Value::Object(record);
        }
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }

    /// Step 1: adds `key` as a verify-only key.
    pub fn stage(&self, key: Key, now: u64) -> Result<KeyFile, String> {
        if let Some((kid, _)) = &self.rotation.staged {
            return Err(format!(
                "key {kid:?} is already staged: promote it (`handoff keys promote`) before staging another"
            ));
        }
        if !key.can_sign() {
            return Err("a staged key must be a private key".into());
        }
        if self.keys.get(key.kid()).is_some() {
            return Err(format!("the key set already has a key {:?}", key.kid()));
        }
        let kid = key.kid().to_owned();
        let mut keys = self.keys.keys().to_vec();
        keys.push(key);
        Ok(KeyFile {
            keys: KeySet::new(keys).map_err(|e| e.to_string())?,
            rotation: Rotation {
                staged: Some((kid, now)),
                promoted: self.rotation.promoted.clone(),
            },
        })
    }

    /// Step 2: the staged key becomes the signer; the other private keys are left to retire.
    pub fn promote(&self, now: u64) -> Result<KeyFile, String> {
        let Some((kid, _)) = &self.rotation.staged else {
            return Err("no key is staged: run `handoff keys stage` first".into());
        };
        let staged = self
            .keys
            .get(kid)
            .ok_or_else(|| format!("the staged key {kid:?} is not in the key set"))?
            .clone();
        let mut keys = vec![staged];
        keys.extend(self.keys.keys().iter().filter(|k| k.kid() != kid).cloned());
        // A second promotion before the first one's keys are retired would restart their clock.
        if let Some(earlier) = &self.rotation.promoted
            && !earlier.retiring.is_empty()
        {
            return Err(format!(
                "keys {:?} from the promotion at {} are not retired yet: run `handoff keys retire` first",
                earlier.retiring, earlier.at
            ));
        }
        let retiring: Vec<String> = keys[1..].iter().map(|k| k.kid().to_owned()).collect();
        Ok(KeyFile {
            keys: KeySet::new(keys).map_err(|e| e.to_string())?,
            rotation: Rotation {
                staged: None,
                promoted: Some(Promotion {
                    kid: kid.clone(),
                    at: now,
                    retiring,
                }),
            },
        })
    }

    /// When the keys left by the last promotion may go: `max_ttl` (the deployment's longest token lifetime)
    /// plus [`LEEWAY_SECS`] after the promotion. `None` when nothing waits to be retired.
    pub fn retire_after(&self, max_ttl: u64) -> Option<u64> {
        let p = self.rotation.promoted.as_ref()?;
        Some(p.at + max_ttl.min(HARD_MAX_TTL_SECS) + LEEWAY_SECS)
    }

    /// Step 3: drops the keys the last promotion left, refusing before [`KeyFile::retire_after`] unless `force`.
    pub fn retire(&self, now: u64, max_ttl: u64, force: bool) -> Result<KeyFile, String> {
        let (Some(p), Some(after)) = (&self.rotation.promoted, self.retire_after(max_ttl)) else {
            return Err("nothing to retire: no promotion is pending (`handoff keys promote` first)".into());
        };
        if now < after && !force {
            return Err(format!(
                "too early: links signed by {:?} may live until {after} (promotion at {} + {} s lifetime + {LEEWAY_SECS} s \
                 leeway); retire in {} s, or pass --force to break those links",
                p.retiring,
                p.at,
                max_ttl.min(HARD_MAX_TTL_SECS),
                after - now
            ));
        }
        let keys: Vec<Key> = self
            .keys
            .keys()
            .iter()
            .filter(|k| !p.retiring.iter().any(|r| r == k.kid()))
            .cloned()
            .collect();
        Ok(KeyFile {
            keys: KeySet::new(keys).map_err(|e| e.to_string())?,
            rotation: Rotation {
                staged: self.rotation.staged.clone(),
                promoted: None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, seed: u8) -> Key {
        Key::ed25519_from_seed(kid, [seed; 32]).unwrap()
    }

    fn start() -> KeyFile {
        KeyFile {
            keys: KeySet::new(vec![key("old", 1)]).unwrap(),
            rotation: Rotation::default(),
        }
    }

    fn signer(file: &KeyFile) -> &str {
        file.keys.signing_key().unwrap().kid()
    }

    #[test]
    fn three_steps_keep_every_live_link_verifiable() {
        let staged = start().stage(key("new", 2), 1000).unwrap();
        assert_eq!(signer(&staged), "old", "a staged key never signs");
        assert!(
            staged.keys.get("new").is_some(),
            "but it is published for verification"
        );

        let promoted = staged.promote(1100).unwrap();
        assert_eq!(signer(&promoted), "new");
        assert!(
            promoted.keys.get("old").is_some(),
            "links signed by the old key still verify"
        );
        assert_eq!(promoted.retire_after(60), Some(1100 + 60 + LEEWAY_SECS));

        let early = promoted.retire(1100 + 60, 60, false).unwrap_err();
        assert!(
            early.contains("too early") && early.contains("retire in 5 s"),
            "{early}"
        );
        let retired = promoted.retire(1100 + 65, 60, false).unwrap();
        assert_eq!(retired.keys.keys().len(), 1);
        assert_eq!(signer(&retired), "new");
        assert_eq!(retired.rotation, Rotation::default());
        assert!(
            retired
                .retire(2000, 60, false)
                .unwrap_err()
                .contains("nothing to retire")
        );
    }

    #[test]
    fn force_retires_early_and_the_lifetime_is_capped_at_the_hard_maximum() {
        let promoted = start().stage(key("new", 2), 0).unwrap().promote(10).unwrap();
        assert!(promoted.retire(11, 300, true).is_ok());
        assert_eq!(
            promoted.retire_after(86_400),
            Some(10 + HARD_MAX_TTL_SECS + LEEWAY_SECS)
        );
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        assert!(start().promote(0).unwrap_err().contains("no key is staged"));
        let staged = start().stage(key("new", 2), 0).unwrap();
        assert!(
            staged
                .stage(key("newer", 3), 1)
                .unwrap_err()
                .contains("already staged")
        );
        assert!(
            start()
                .stage(key("old", 4), 0)
                .unwrap_err()
                .contains("already has a key")
        );
        assert!(
            start()
                .stage(key("pub", 5).to_public(), 0)
                .unwrap_err()
                .contains("private")
        );
        // A second promotion before the first one's keys are retired would restart their clock.
        let promoted = staged.promote(10).unwrap();
        let again = promoted.stage(key("newer", 3), 20).unwrap();
        assert!(again.promote(30).unwrap_err().contains("not retired yet"));
    }

    #[test]
    fn the_record_survives_the_file_and_readers_ignore_it() {
        let promoted = start().stage(key("new", 2), 7).unwrap().promote(9).unwrap();
        let text = promoted.to_text();
        assert_eq!(KeyFile::parse(&text).unwrap(), promoted);
        // The edge and every JWK Set reader see only the keys.
        let plain = KeySet::from_jwks(&text).unwrap();
        assert_eq!(plain.signing_key().unwrap().kid(), "new");
        assert_eq!(plain.keys().len(), 2);
        assert!(!start().to_text().contains(MEMBER));
        let broken = text.replace("\"at\": 9", "\"at\": \"nine\"");
        assert!(KeyFile::parse(&broken).unwrap_err().contains("malformed"));
    }
}
