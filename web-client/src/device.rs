//! Device tracking: when the pool remembers devices, the sign-in's answer carries `NewDeviceMetadata`, and the
//! page does what Amplify does (`getNewDeviceMetadata`): it makes a random password for the device, sends
//! `ConfirmDevice` with the SRP verifier of `DeviceGroupKey + DeviceKey + ":" + password`, and stores the device's
//! three keys beside the tokens, so Amplify's later refresh names the device (a refresh that names none fails on
//! such pools). The verifier is `g^x mod N` (RFC 5054's 3072-bit group, g = 2) with
//! `x = SHA-256(salt || SHA-256(group_key + device_key + ":" + password))`; the browser computes it with `BigInt`
//! and WebCrypto, so the page carries no big-number code.

/// What `ConfirmDevice` sends, and the password kept for the device.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceSecret {
    /// 40 random bytes, base64 (Amplify's `randomPasswordKey`).
    pub random_password: String,
    /// The salt, base64 of its padded-hex bytes.
    pub salt: String,
    /// The verifier, base64 of its padded-hex bytes.
    pub verifier: String,
    /// `DeviceName` (the browser's user agent, as Amplify sends it).
    pub device_name: String,
}

impl std::fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSecret")
            .field("device_name", &self.device_name)
            .finish_non_exhaustive()
    }
}

/// RFC 5054's 3072-bit prime, Cognito's SRP modulus, in hex.
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

/// The hex of a non-negative number as Amplify's `getPaddedHex` writes it: even length, and a `00` byte in front
/// when the first bit is set (Java's `BigInteger.toByteArray`). `hex` is lowercase or uppercase, without `0x`.
pub fn pad_hex(hex: &str) -> String {
    let digits = hex.as_bytes();
    let digits = &digits[digits.iter().position(|&b| b != b'0').unwrap_or(digits.len())..];
    if digits.is_empty() {
        return "00".into();
    }
    let odd = !digits.len().is_multiple_of(2);
    let mut out = String::with_capacity(digits.len() + 3);
    if odd {
        out.push('0');
    } else if handoff_core::hex::digit(digits[0]).is_some_and(|d| d >= 8) {
        out.push_str("00");
    }
    out.extend(digits.iter().map(|&b| char::from(b.to_ascii_lowercase())));
    out
}

/// The text hashed for the verifier's inner hash.
pub fn password_text(group_key: &str, device_key: &str, random_password: &str) -> String {
    [group_key, device_key, ":", random_password].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_like_amplify() {
        // Amplify's own examples (getPaddedHex.mjs), for positive numbers.
        assert_eq!(pad_hex("14"), "14");
        assert_eq!(pad_hex("ec"), "00ec");
        assert_eq!(pad_hex("C8"), "00c8");
        assert_eq!(pad_hex("38"), "38");
        assert_eq!(pad_hex("abc"), "0abc");
        assert_eq!(pad_hex("0000ff"), "00ff");
        assert_eq!(pad_hex("0"), "00");
        assert_eq!(pad_hex(&N_HEX[..4]), "00ffff");
    }

    #[test]
    fn modulus_is_rfc_5054s_3072_bit_group() {
        assert_eq!(N_HEX.len(), 768);
        assert!(N_HEX.starts_with("FFFFFFFFFFFFFFFFC90FDAA2") && N_HEX.ends_with("FFFFFFFFFFFFFFFF"));
        assert_eq!(password_text("g", "d", "p"), "gd:p");
    }
}
