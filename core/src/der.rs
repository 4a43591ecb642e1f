//! Just enough DER to read and write the key structures Handoff accepts: SubjectPublicKeyInfo and PKCS#8 for
//! Ed25519 and RSA, PKCS#1 for RSA. Strict: definite lengths, no trailing bytes.

/// OID 1.3.101.112 (Ed25519), DER content bytes.
pub(crate) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// OID 1.2.840.113549.1.1.1 (rsaEncryption), DER content bytes.
pub(crate) const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;

/// A cursor over DER bytes.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads one element with the expected tag and returns its content.
    pub(crate) fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&t, rest) = self.rest.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let mut len = 0usize;
            for &b in &rest[..n] {
                len = (len << 8) | usize::from(b);
            }
            rest = &rest[n..];
            // Minimal encoding only.
            if len < 0x80 || (n > 1 && rest.is_empty()) {
                return None;
            }
            len
        };
        if rest.len() < len {
            return None;
        }
        let (content, rest) = rest.split_at(len);
        self.rest = rest;
        Some(content)
    }

    /// Reads a non-negative INTEGER and returns its big-endian magnitude without leading zeros.
    pub(crate) fn read_uint(&mut self) -> Option<&'a [u8]> {
        let content = self.read(INTEGER)?;
        if content.is_empty() || content[0] & 0x80 != 0 {
            return None;
        }
        let start = content.iter().position(|&b| b != 0).unwrap_or(content.len() - 1);
        Some(&content[start..])
    }

    /// Reads a SEQUENCE and returns a reader over its content.
    pub(crate) fn sequence(&mut self) -> Option<Reader<'a>> {
        self.read(SEQUENCE).map(Reader::new)
    }
}

/// Encodes one element.
pub(crate) fn write(tag: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// Encodes a non-negative INTEGER from a big-endian magnitude.
pub(crate) fn write_uint(magnitude: &[u8], out: &mut Vec<u8>) {
    let start = magnitude.iter().position(|&b| b != 0).unwrap_or(magnitude.len());
    let trimmed = &magnitude[start..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    write(INTEGER, &content, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_with_sign_padding() {
        for magnitude in [&[0x01][..], &[0x80], &[0x00, 0x00, 0xff, 0x01], &[]] {
            let mut out = Vec::new();
            write_uint(magnitude, &mut out);
            let got = Reader::new(&out).read_uint().unwrap();
            let want: Vec<u8> = magnitude.iter().copied().skip_while(|&b| b == 0).collect();
            let want = if want.is_empty() { vec![0] } else { want };
            assert_eq!(got, &want[..]);
        }
    }

    #[test]
    fn long_lengths_round_trip_and_non_minimal_lengths_are_rejected() {
        let content = vec![7u8; 300];
        let mut out = Vec::new();
        write(OCTET_STRING, &content, &mut out);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(Reader::new(&out).read(OCTET_STRING).unwrap(), &content[..]);
        // Length 5 written in long form is not DER.
        assert!(
            Reader::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5])
                .read(OCTET_STRING)
                .is_none()
        );
        // Truncated content.
        assert!(Reader::new(&[0x04, 0x05, 1, 2]).read(OCTET_STRING).is_none());
        // Negative integers are not key material.
        assert!(Reader::new(&[0x02, 0x01, 0x80]).read_uint().is_none());
    }
}
