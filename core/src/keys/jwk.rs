//! Keys as JWKs (RFC 7517 / 7518 / 8037): reading one (`kty` OKP/Ed25519 or RSA, `use` and `alg` checked) and
//! writing the public or private JWK of a key.

use super::{Key, KeyError, KeyProblem, Material, RsaPrivate, Secret, key_err};
use crate::{b64, json};

/// The members of a JWK that Handoff reads; any other member is ignored.
struct JwkFields {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
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

impl JwkFields {
    /// Reads them as serde's derive did: `kty` a string that must be there, the rest strings when present and
    /// not `null`.
    fn read(value: &json::Value) -> Result<JwkFields, KeyError> {
        let object = value
            .as_object()
            .ok_or_else(|| KeyProblem::BadMember("a JWK must be a JSON object".into()))?;
        let read = || -> Result<JwkFields, json::Mismatch> {
            Ok(JwkFields {
                kty: object.req_str("kty")?,
                kid: object.opt_str("kid")?,
                alg: object.opt_str("alg")?,
                use_: object.opt_str("use")?,
                crv: object.opt_str("crv")?,
                x: object.opt_str("x")?,
                d: object.opt_str("d")?,
                n: object.opt_str("n")?,
                e: object.opt_str("e")?,
                p: object.opt_str("p")?,
                q: object.opt_str("q")?,
                dp: object.opt_str("dp")?,
                dq: object.opt_str("dq")?,
                qi: object.opt_str("qi")?,
            })
        };
        read().map_err(|mismatch| KeyProblem::BadMember(mismatch.to_string()).into())
    }
}

fn field(value: Option<String>, name: &'static str) -> Result<Vec<u8>, KeyError> {
    let Some(text) = value else {
        return key_err(KeyProblem::MissingMember(name));
    };
    b64::decode(&text).ok_or_else(|| KeyProblem::NotBase64Url(name).into())
}

impl Key {
    /// Parses one JWK (JSON text). `kty` must be `OKP` (crv `Ed25519`) or `RSA`; `alg`, if present, must match.
    pub fn from_jwk(text: &str) -> Result<Key, KeyError> {
        let value = json::parse(text).map_err(|e| KeyProblem::JwkNotJson(e.to_string()))?;
        Key::from_json(&value)
    }

    /// Like [`Key::from_jwk`], from serde_json's reading (the CLI's); the edge reads with [`Key::from_json`].
    pub fn from_jwk_value(value: &serde_json::Value) -> Result<Key, KeyError> {
        Key::from_jwk(&value.to_string())
    }

    /// Like [`Key::from_jwk`], from [`json::parse`]'s reading.
    pub fn from_json(value: &json::Value) -> Result<Key, KeyError> {
        let f = JwkFields::read(value)?;
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

    /// Writes the JWK, public or (`private`, when this key can sign) with its private members, as an object with
    /// its members in name order (as serde_json's default map writes them).
    pub fn write_jwk(&self, out: &mut String, private: bool) {
        let text = |bytes: &[u8]| Some(b64::encode(bytes));
        let none = || None;
        let (crv, x, n, e) = match &self.material {
            Material::Ed25519 { x, .. } => (Some("Ed25519".to_owned()), text(x), none(), none()),
            Material::Rsa { n, e, .. } => (none(), none(), text(n), text(e)),
        };
        let [mut d, mut p, mut q, mut dp, mut dq, mut qi] = [none(), none(), none(), none(), none(), none()];
        if private {
            match &self.material {
                Material::Ed25519 { d: Some(seed), .. } => d = text(seed.expose()),
                Material::Rsa {
                    private: Some(rsa), ..
                } => {
                    [d, p, q, dp, dq, qi] =
                        [&rsa.d, &rsa.p, &rsa.q, &rsa.dp, &rsa.dq, &rsa.qi].map(|s| text(s.expose()));
                }
                _ => {}
            }
        }
        let kty = match self.material {
            Material::Ed25519 { .. } => "OKP",
            Material::Rsa { .. } => "RSA",
        };
        let mut w = json::ObjectWriter::new(out);
        w.str("alg", self.algorithm().as_str())
            .opt_str("crv", crv.as_deref())
            .opt_str("d", d.as_deref())
            .opt_str("dp", dp.as_deref())
            .opt_str("dq", dq.as_deref())
            .opt_str("e", e.as_deref())
            .str("kid", &self.kid)
            .str("kty", kty)
            .opt_str("n", n.as_deref())
            .opt_str("p", p.as_deref())
            .opt_str("q", q.as_deref())
            .opt_str("qi", qi.as_deref())
            .str("use", "sig")
            .opt_str("x", x.as_deref());
        w.end();
    }

    /// The public JWK (`kty`, `crv`/`n`/`e`, `x`, `kid`, `alg`, `use`).
    pub fn public_jwk(&self) -> serde_json::Value {
        let mut out = String::new();
        self.write_jwk(&mut out, false);
        serde_json::from_str(&out).unwrap_or_default()
    }

    /// The private JWK, if this key can sign. Secret: write it only to protected storage.
    pub fn private_jwk(&self) -> Option<serde_json::Value> {
        self.private_jwk_json()
            .and_then(|text| serde_json::from_str(&text).ok())
    }

    /// The private JWK as JSON text, if this key can sign. Secret: write it only to protected storage.
    pub fn private_jwk_json(&self) -> Option<String> {
        self.can_sign().then(|| {
            let mut out = String::new();
            self.write_jwk(&mut out, true);
            out
        })
    }
}
