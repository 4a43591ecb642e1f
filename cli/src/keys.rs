//! Signing keys for the edge: generate a key or a JWK Set, print the public set. Rotation is
//! [`crate::rotation`]. Ed25519 seeds come from the OS; RSA keys from `openssl genpkey`.

use std::process::Command;

use handoff_core::Key;

/// Which algorithm a new key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Alg {
    /// Ed25519 (EdDSA): the default; short signatures, cheap signing.
    Eddsa,
    /// RSA-2048 with SHA-256 (RS256).
    Rs256,
}

/// A fresh key id: `<alg>-<16 random hex digits>`.
pub fn new_kid(alg: Alg) -> Result<String, String> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{hex}",
        if alg == Alg::Eddsa { "ed25519" } else { "rsa" }
    ))
}

/// A new private key.
pub fn generate(alg: Alg, kid: Option<&str>) -> Result<Key, String> {
    let kid = match kid {
        Some(k) => k.to_owned(),
        None => new_kid(alg)?,
    };
    match alg {
        Alg::Eddsa => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness: {e}"))?;
            let key = Key::ed25519_from_seed(kid, seed).map_err(|e| e.to_string());
            seed.fill(0);
            key
        }
        Alg::Rs256 => {
            let out = Command::new("openssl")
                .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
                .output()
                .map_err(|e| {
                    format!("RS256 keys are generated with `openssl genpkey`, which did not run: {e}")
                })?;
            if !out.status.success() {
                return Err(format!(
                    "openssl genpkey failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let pem =
                String::from_utf8(out.stdout).map_err(|_| "openssl printed a non-UTF-8 key".to_owned())?;
            Key::from_pem(&pem, kid).map_err(|e| e.to_string())
        }
    }
}

/// Pretty JSON text with a final newline.
pub fn to_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
