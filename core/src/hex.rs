//! Lowercase hex without Rust's formatting machinery (`format!("{b:02x}")`), which the landing page's sign-in
//! wasm does not carry (docs/web.md).

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `bytes` as lowercase hex, two digits each.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The value of one hex digit, either case.
pub fn digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The bytes `text` spells in hex (either case); `None` for an odd length or a character that is not a hex digit.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let mut bytes = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        bytes.push(digit(pair[0])? << 4 | digit(pair[1])?);
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_lowercase_digits_per_byte() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0, 1, 0x0a, 0xab, 0xff]), "00010aabff");
        let all: Vec<u8> = (0..=255).collect();
        let formatted: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(encode(&all), formatted);
        assert_eq!(decode(&formatted), Some(all));
    }

    #[test]
    fn decodes_either_case_and_refuses_anything_else() {
        assert_eq!(decode(""), Some(vec![]));
        assert_eq!(decode("00aBfF"), Some(vec![0, 0xab, 0xff]));
        for bad in ["0", "abc", "0g", "+1", " 1", "é1"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
        assert_eq!(digit(b'F'), Some(15));
        assert_eq!(digit(b'g'), None);
    }
}
