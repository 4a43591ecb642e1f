//! Keys as PEM and DER: SPKI public keys, PKCS#8 private keys, PKCS#1 RSA keys, read and written with the small
//! DER reader/writer of [`crate::der`].

use super::{DerStructure, Key, KeyError, KeyHalf, KeyProblem, Material, RsaPrivate, Secret, key_err};
use crate::der::{self, Reader};

impl Key {
    /// Parses a PEM key: `PUBLIC KEY` (SPKI), `PRIVATE KEY` (PKCS#8), `RSA PUBLIC KEY` / `RSA PRIVATE KEY`
    /// (PKCS#1). An Ed25519 private key needs the `rust-crypto` feature to derive its public half.
    pub fn from_pem(pem: &str, kid: impl Into<String>) -> Result<Key, KeyError> {
        let (label, der) = crate::pem::decode(pem)?;
        let material = match label.as_str() {
            "PUBLIC KEY" => parse_spki(&der)?,
            "PRIVATE KEY" => parse_pkcs8(&der)?,
            "RSA PUBLIC KEY" => parse_pkcs1_public(&der)?,
            "RSA PRIVATE KEY" => parse_pkcs1_private(&der)?,
            other => return key_err(KeyProblem::UnsupportedPemLabel(other.to_owned())),
        };
        match material {
            Parsed::Ready(material) => Key::new(kid, material),
            Parsed::Ed25519Seed(seed) => ed25519_from_seed_for_pem(kid.into(), seed),
        }
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
    key_err(KeyProblem::Ed25519PemNeedsRustCrypto)
}

fn bad(structure: DerStructure) -> KeyError {
    KeyProblem::BadDer(structure).into()
}

fn parse_spki(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut spki = outer
        .sequence()
        .ok_or_else(|| bad(DerStructure::SubjectPublicKeyInfo))?;
    let mut alg = spki
        .sequence()
        .ok_or_else(|| bad(DerStructure::SubjectPublicKeyInfo))?;
    let oid = alg
        .read(der::OID)
        .ok_or_else(|| bad(DerStructure::SubjectPublicKeyInfo))?;
    let bits = spki
        .read(der::BIT_STRING)
        .ok_or_else(|| bad(DerStructure::SubjectPublicKeyInfo))?;
    if !outer.is_empty() || !spki.is_empty() {
        return Err(bad(DerStructure::SubjectPublicKeyInfo));
    }
    let Some((&0, key)) = bits.split_first() else {
        return Err(bad(DerStructure::SubjectPublicKeyInfo));
    };
    if oid == der::OID_ED25519 {
        let x: [u8; 32] = key
            .try_into()
            .map_err(|_| KeyProblem::WrongEd25519Length(KeyHalf::Public))?;
        Ok(Parsed::Ready(Material::Ed25519 { x, d: None }))
    } else if oid == der::OID_RSA {
        parse_pkcs1_public(key)
    } else {
        key_err(KeyProblem::UnsupportedAlgorithm(KeyHalf::Public))
    }
}

fn parse_pkcs1_public(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut seq = outer.sequence().ok_or_else(|| bad(DerStructure::RsaPublicKey))?;
    let n = seq
        .read_uint()
        .ok_or_else(|| bad(DerStructure::RsaPublicKey))?
        .to_vec();
    let e = seq
        .read_uint()
        .ok_or_else(|| bad(DerStructure::RsaPublicKey))?
        .to_vec();
    if !outer.is_empty() || !seq.is_empty() {
        return Err(bad(DerStructure::RsaPublicKey));
    }
    Ok(Parsed::Ready(Material::Rsa { n, e, private: None }))
}

fn parse_pkcs1_private(der: &[u8]) -> Result<Parsed, KeyError> {
    let mut outer = Reader::new(der);
    let mut seq = outer.sequence().ok_or_else(|| bad(DerStructure::RsaPrivateKey))?;
    let mut next = || {
        seq.read_uint()
            .map(<[u8]>::to_vec)
            .ok_or_else(|| bad(DerStructure::RsaPrivateKey))
    };
    let version = next()?;
    if version != [0] {
        return key_err(KeyProblem::MultiPrimeRsa);
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
    let mut seq = outer.sequence().ok_or_else(|| bad(DerStructure::Pkcs8))?;
    let version = seq.read_uint().ok_or_else(|| bad(DerStructure::Pkcs8))?;
    if version != [0] && version != [1] {
        return Err(bad(DerStructure::Pkcs8));
    }
    let mut alg = seq.sequence().ok_or_else(|| bad(DerStructure::Pkcs8))?;
    let oid = alg.read(der::OID).ok_or_else(|| bad(DerStructure::Pkcs8))?;
    let inner = seq
        .read(der::OCTET_STRING)
        .ok_or_else(|| bad(DerStructure::Pkcs8))?;
    if oid == der::OID_ED25519 {
        let seed = Reader::new(inner)
            .read(der::OCTET_STRING)
            .ok_or_else(|| bad(DerStructure::Ed25519PrivateKey))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| KeyProblem::WrongEd25519Length(KeyHalf::Private))?;
        Ok(Parsed::Ed25519Seed(seed))
    } else if oid == der::OID_RSA {
        parse_pkcs1_private(inner)
    } else {
        key_err(KeyProblem::UnsupportedAlgorithm(KeyHalf::Private))
    }
}
