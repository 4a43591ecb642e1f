//! Keys as JWKs (RFC 7517 / 7518 / 8037): reading one (`kty` OKP/Ed25519 or RSA, `use` and `alg` checked) and
//! writing the public or private JWK of a key.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Key, KeyError, KeyProblem, Material, RsaPrivate, Secret, key_err};
use crate::b64;

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

fn field(value: Option<String>, name: &'static str) -> Result<Vec<u8>, KeyError> {
    let Some(text) = value else {
        return key_err(KeyProblem::MissingMember(name));
    };
    b64::decode(&text).ok_or_else(|| KeyProblem::NotBase64Url(name).into())
}

impl Key {
    /// Parses one JWK (JSON text). `kty` must be `OKP` (crv `Ed25519`) or `RSA`; `alg`, if present, must match.
    pub fn from_jwk(json: &str) -> Result<Key, KeyError> {
        let value: Value = serde_json::from_str(json).map_err(|e| KeyProblem::JwkNotJson(e.to_string()))?;
        Key::from_jwk_value(&value)
    }

    /// Like [`Key::from_jwk`], from parsed JSON.
    pub fn from_jwk_value(value: &Value) -> Result<Key, KeyError> {
        let f = JwkFields::deserialize(value).map_err(|e| KeyProblem::BadMember(e.to_string()))?;
        let Some(kid) = f.kid else {
            return key_err(KeyProblem::NoKid);
        };
        if f.use_.as_deref().is_some_and(|u| u != "sig") {
            return key_err(KeyProblem::NotSignatureKey { kid });
        }
        let material = match f.kty.as_str() {
            "OKP" => {
                if f.crv.as_deref() != Some("Ed25519") {
                    return key_err(KeyProblem::UnsupportedCurve { kid });
                }
                let x: [u8; 32] = field(f.x, "x")?
                    .try_into()
                    .map_err(|_| KeyProblem::WrongMemberLength {
                        kid: kid.clone(),
                        member: "x",
                    })?;
                let d = match f.d {
                    None => None,
                    Some(d) => {
                        let d = field(Some(d), "d")?;
                        if d.len() != 32 {
                            return key_err(KeyProblem::WrongMemberLength { kid, member: "d" });
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
            other => {
                return key_err(KeyProblem::UnsupportedKeyType {
                    kid,
                    kty: other.to_owned(),
                });
            }
        };
        let key = Key::new(kid, material)?;
        if let Some(alg) = f.alg
            && alg != key.algorithm().as_str()
        {
            return key_err(KeyProblem::AlgorithmMismatch { kid: key.kid, alg });
        }
        Ok(key)
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
}
