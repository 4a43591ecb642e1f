//! A small strict JSON reader and writer (RFC 8259) for the two programs that ship as wasm over the network: the
//! landing page, whose wasm is on the critical path of a sign-in on a phone, and the edge worker. serde's derived
//! visitors and serde_json's reader and error messages were a fifth of the page's code and nearly a quarter of the
//! worker's. The page's readers ([`crate::cognito_api::AuthAnswer::parse`], [`crate::dangerous::insecure_payload`],
//! its configuration and words) and everything the edge reads and writes (token headers and claims, JWKs, the API
//! bodies of [`crate::wire`], its ledger) go through [`parse`], [`ObjectWriter`] and [`ToJson`]; the triggers and
//! the CLI keep serde, and tests compare the two readings and writings.
//!
//! Stricter than serde_json where a difference could be read two ways: an object with a repeated member name is
//! refused (serde_json keeps the last one for a map), and so is nesting deeper than [`MAX_DEPTH`]. Numbers keep
//! their text: the page reads whole numbers ([`Value::as_u64`]) and, for one setting, a decimal ([`Value::as_f64`]),
//! without the float parser's tables.

use std::fmt;

/// Deepest nesting of arrays and objects the reader accepts (serde_json's limit is 128).
pub const MAX_DEPTH: usize = 64;

/// A JSON value. Object members keep their order; their names are unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its (valid) text.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Object),
}

/// A JSON object: its members in order, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object(Vec<(String, Value)>);

/// Why a text is not JSON: what was wrong, and at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the reader expected or refused.
    pub what: &'static str,
    /// The byte offset where it noticed.
    pub at: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for SyntaxError {}

/// A member that is present but not of the expected kind: "`name` must be `expected`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The member's name (dotted for nested members: `brand.theme`).
    pub member: String,
    /// What it must be ("a string", "an object of strings").
    pub expected: &'static str,
}

impl Mismatch {
    /// The same mismatch, one level further out (`theme` inside `brand` becomes `brand.theme`).
    pub fn inside(mut self, outer: &str) -> Mismatch {
        self.member = [outer, ".", &self.member].concat();
        self
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` must be {}", self.member, self.expected)
    }
}

impl std::error::Error for Mismatch {}

/// Reads one JSON value that makes up the whole of `text` (blanks around it allowed).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.blanks();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("trailing characters"));
    }
    Ok(value)
}

/// Reads `text` as a JSON object; `None` for anything else (not JSON, or another kind of value).
pub fn parse_object(text: &str) -> Option<Object> {
    match parse(text) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

/// Reads `bytes` as UTF-8 JSON text that is an object (a token's decoded header or payload, a fetched answer);
/// `None` for anything else.
pub fn parse_object_bytes(bytes: &[u8]) -> Option<Object> {
    parse_object(std::str::from_utf8(bytes).ok()?)
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// A whole number from 0 to `u64::MAX` written without fraction or exponent (`60`, not `60.0`, `6e1` or `-0`),
    /// as serde reads a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        let Value::Number(text) = self else {
            return None;
        };
        text.bytes().try_fold(0u64, |n, b| {
            b.is_ascii_digit()
                .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
                .flatten()
        })
    }

    /// Any number, as the nearest `f64` within a few units in the last place (digits times a power of ten): for
    /// settings such as a cookie's lifetime in days, not for values that must round exactly.
    pub fn as_f64(&self) -> Option<f64> {
        let Value::Number(text) = self else {
            return None;
        };
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (mantissa_text, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (whole, fraction) = mantissa_text.split_once('.').unwrap_or((mantissa_text, ""));
        let mut digits = 0f64;
        for b in whole.bytes().chain(fraction.bytes()) {
            digits = digits * 10.0 + f64::from(b - b'0');
        }
        let scale = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
        let magnitude = digits * 10f64.powi(scale);
        Some(if negative { -magnitude } else { magnitude })
    }
}

impl Object {
    /// The member `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The member `name` when it is present and not `null` (as serde reads an `Option` member).
    pub fn present(&self, name: &str) -> Option<&Value> {
        self.get(name).filter(|v| **v != Value::Null)
    }

    /// An optional string member: absent or `null` is `None`.
    pub fn opt_str(&self, name: &str) -> Result<Option<String>, Mismatch> {
        self.present(name)
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| mismatch(name, "a string"))
            })
            .transpose()
    }

    /// A string member that must be there.
    pub fn req_str(&self, name: &str) -> Result<String, Mismatch> {
        self.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| mismatch(name, "a string"))
    }

    /// An optional whole-number member ([`Value::as_u64`]): absent or `null` is `None`.
    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, Mismatch> {
        self.present(name)
            .map(|v| v.as_u64().ok_or_else(|| mismatch(name, "a whole number")))
            .transpose()
    }

    /// An optional boolean member.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, Mismatch> {
        self.get(name)
            .map(|v| match v {
                Value::Bool(b) => Ok(*b),
                _ => Err(mismatch(name, "true or false")),
            })
            .transpose()
    }

    /// An optional object member (absent is `None`; `null` is a mismatch, as for a serde struct member).
    pub fn opt_object(&self, name: &str) -> Result<Option<&Object>, Mismatch> {
        self.get(name)
            .map(|v| v.as_object().ok_or_else(|| mismatch(name, "an object")))
            .transpose()
    }

    /// An optional member that is an array of strings (absent is empty).
    pub fn str_list(&self, name: &str) -> Result<Vec<String>, Mismatch> {
        let Some(value) = self.get(name) else {
            return Ok(Vec::new());
        };
        let wrong = || mismatch(name, "an array of strings");
        let Value::Array(items) = value else {
            return Err(wrong());
        };
        items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect()
    }
}

impl Object {
    /// A whole-number member that must be there ([`Value::as_u64`]).
    pub fn req_u64(&self, name: &str) -> Result<u64, Mismatch> {
        self.get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| mismatch(name, "a whole number"))
    }

    /// An object member that must be there.
    pub fn req_object(&self, name: &str) -> Result<&Object, Mismatch> {
        self.get(name)
            .and_then(Value::as_object)
            .ok_or_else(|| mismatch(name, "an object"))
    }

    /// A boolean member that must be there.
    pub fn req_bool(&self, name: &str) -> Result<bool, Mismatch> {
        match self.get(name) {
            Some(Value::Bool(b)) => Ok(*b),
            _ => Err(mismatch(name, "true or false")),
        }
    }

    /// `Ok` when every member's name is in `known` (serde's `deny_unknown_fields`), else the first other one.
    pub fn only(&self, known: &[&str]) -> Result<(), Mismatch> {
        match self.unknown_member(known) {
            Some(name) => Err(mismatch(name, "absent (not a known member)")),
            None => Ok(()),
        }
    }

    /// The first member whose name is not in `known` (serde's `deny_unknown_fields`), if any.
    pub fn unknown_member(&self, known: &[&str]) -> Option<&str> {
        self.0
            .iter()
            .map(|(n, _)| n.as_str())
            .find(|n| !known.contains(n))
    }

    /// The only member of a one-member object, as serde reads an externally tagged enum variant with data:
    /// `{"variant": value}`.
    pub fn single(&self) -> Option<(&str, &Value)> {
        match self.0.as_slice() {
            [(name, value)] => Some((name, value)),
            _ => None,
        }
    }
}

/// A value with a hand-written JSON form (byte for byte what its serde form was).
pub trait ToJson {
    /// Appends the value as JSON.
    fn write_json(&self, out: &mut String);

    /// The value as JSON text.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// A value read from a JSON object with serde's rules for its type (required and optional members, unknown ones
/// refused where serde's `deny_unknown_fields` refused them).
pub trait FromObject: Sized {
    /// Reads it, or names the first member that is wrong.
    fn from_object(object: &Object) -> Result<Self, Mismatch>;
}

/// A whole number as JSON (what serde_json writes for an integer).
pub fn write_u64(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Writes one JSON object member by member, compact and escaped as serde_json writes it. [`ObjectWriter::end`]
/// closes it.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut String) -> ObjectWriter<'a> {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    /// Starts the member `name`; its value is to be written next into the returned string (one whole JSON value).
    pub fn member(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_str(self.out, name);
        self.out.push(':');
        self.out
    }

    /// A string member.
    pub fn str(&mut self, name: &str, value: &str) -> &mut Self {
        write_str(self.member(name), value);
        self
    }

    /// A string member written only when there is one (serde's `skip_serializing_if = "Option::is_none"`).
    pub fn opt_str(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.str(name, value);
        }
        self
    }

    /// A whole-number member.
    pub fn u64(&mut self, name: &str, value: u64) -> &mut Self {
        write_u64(self.member(name), value);
        self
    }

    /// A boolean member.
    pub fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        self.member(name).push_str(if value { "true" } else { "false" });
        self
    }

    /// A `null` member.
    pub fn null(&mut self, name: &str) -> &mut Self {
        self.member(name).push_str("null");
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// Writes one JSON array item by item; [`ArrayWriter::end`] closes it.
pub struct ArrayWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ArrayWriter<'a> {
    /// Opens an array at the end of `out`.
    pub fn new(out: &'a mut String) -> ArrayWriter<'a> {
        out.push('[');
        ArrayWriter { out, empty: true }
    }

    /// Starts the next item; its value is to be written next into the returned string.
    pub fn item(&mut self) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        self.out
    }

    /// Closes the array.
    pub fn end(self) {
        self.out.push(']');
    }
}

fn mismatch(name: &str, expected: &'static str) -> Mismatch {
    Mismatch {
        member: name.to_owned(),
        expected,
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { what, at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Consumes `byte` after blanks, or fails with `what`.
    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), SyntaxError> {
        self.blanks();
        if self.peek() != Some(byte) {
            return Err(self.error(what));
        }
        self.at += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.blanks();
        match self.peek() {
            Some(b'{') => self.object(depth + 1).map(Value::Object),
            Some(b'[') => self.array(depth + 1).map(Value::Array),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn word(&mut self, word: &'static str, value: Value) -> Result<Value, SyntaxError> {
        if !self.bytes[self.at..].starts_with(word.as_bytes()) {
            return Err(self.error("expected a value"));
        }
        self.at += word.len();
        Ok(value)
    }

    fn object(&mut self, depth: usize) -> Result<Object, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.at += 1; // `{`
        let mut members: Vec<(String, Value)> = Vec::new();
        self.blanks();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Object(members));
        }
        loop {
            self.blanks();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let name_at = self.at;
            let name = self.string()?;
            if members.iter().any(|(n, _)| *n == name) {
                return Err(SyntaxError {
                    what: "repeated member name",
                    at: name_at,
                });
            }
            self.expect(b':', "expected `:`")?;
            let value = self.value(depth)?;
            members.push((name, value));
            self.blanks();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Object(members));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Value>, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.at += 1; // `[`
        let mut items = Vec::new();
        self.blanks();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(items);
        }
        loop {
            items.push(self.value(depth)?);
            self.blanks();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(items);
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        // Only ASCII digits, signs, `.` and `e` were consumed: each byte is its character.
        let text = self.bytes[start..self.at]
            .iter()
            .map(|&b| char::from(b))
            .collect();
        Ok(Value::Number(text))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .ok_or_else(|| self.error("invalid escape"))?;
        let mut n = 0;
        for &b in digits {
            let d = char::from(b)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid escape"))?;
            n = n * 16 + d;
        }
        self.at += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.at += 1; // `"`
        let mut out = Vec::new();
        loop {
            // A run of plain bytes, copied at once.
            let rest = &self.bytes[self.at..];
            let plain = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            out.extend_from_slice(&rest[..plain]);
            self.at += plain;
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.at += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.at += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => return Err(self.error("control character in string")),
            }
        }
        // The input is a `&str` and escapes add whole characters, so this is UTF-8.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }

    /// The character of a `\uXXXX` escape (the `\u` read), joining a surrogate pair; a lone surrogate is refused.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = match first {
            0xd800..=0xdbff => {
                if !self.bytes[self.at..].starts_with(b"\\u") {
                    return Err(self.error("lone surrogate in escape"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(self.error("lone surrogate in escape"));
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(self.error("lone surrogate in escape")),
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid escape"))
    }
}

/// A value to write: the page writes strings and objects only.
#[derive(Debug, Clone, Copy)]
pub enum Out<'a> {
    /// A string.
    Str(&'a str),
    /// An object with these members, in this order.
    Object(&'a [(&'a str, Out<'a>)]),
}

/// Writes an object with `members`, in order, as serde_json writes it (compact, the same escapes).
pub fn object(members: &[(&str, Out<'_>)]) -> String {
    let mut out = String::new();
    write_object(&mut out, members);
    out
}

fn write_object(out: &mut String, members: &[(&str, Out<'_>)]) {
    out.push('{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, name);
        out.push(':');
        match value {
            Out::Str(s) => write_str(out, s),
            Out::Object(inner) => write_object(out, inner),
        }
    }
    out.push('}');
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it: `"`, `\`, and control characters (`\b \f \n
/// \r \t` by name, the rest as `\u00xx`); everything else, `/` and non-ASCII included, as is.
pub fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Runs of characters that need no escape are copied at once; every escaped character is ASCII, so the runs
    // end on character boundaries.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// `s` as a JSON string (see [`write_str`]).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's reading of `text`, in this module's terms (numbers by their text), for comparison.
    fn serde_reading(text: &str) -> Option<Value> {
        fn convert(v: serde_json::Value) -> Value {
            match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => Value::Number(n.to_string()),
                serde_json::Value::String(s) => Value::String(s),
                serde_json::Value::Array(a) => Value::Array(a.into_iter().map(convert).collect()),
                serde_json::Value::Object(o) => {
                    Value::Object(Object(o.into_iter().map(|(k, v)| (k, convert(v))).collect()))
                }
            }
        }
        serde_json::from_str(text).ok().map(convert)
    }

    /// `v` with every object's members sorted by name (serde_json's map is sorted; ours keeps the text's order).
    fn sorted(v: Value) -> Value {
        match v {
            Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
            Value::Object(Object(mut members)) => {
                members.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(Object(members.into_iter().map(|(k, v)| (k, sorted(v))).collect()))
            }
            other => other,
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a":"b","n":[1,2,{"x":null}],"t":true,"f":false}"#,
            " \t\r\n{ \"spaced\" : [ ] , \"o\" : { } } \n",
            r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 é""#,
            r#"[0, 7, 123456789, 18446744073709551615]"#,
            r#"{"USERNAME":"alice","ANSWER":"a.b.c"}"#,
            "[]",
            "null",
        ] {
            let ours = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(Some(sorted(ours)), serde_reading(text), "{text}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for (text, what) in [
            ("", "unexpected end of input"),
            ("{", "expected a member name"),
            (r#"{"a" 1}"#, "expected `:`"),
            (r#"{"a":1,}"#, "expected a member name"),
            ("[1,]", "expected a value"),
            ("[1 2]", "expected `,` or `]`"),
            (r#"{"a":1 "b":2}"#, "expected `,` or `}`"),
            ("01", "trailing characters"),
            ("1.", "invalid number"),
            ("-", "invalid number"),
            ("1e", "invalid number"),
            ("+1", "expected a value"),
            (".5", "expected a value"),
            ("tru", "expected a value"),
            ("nul", "expected a value"),
            ("\"a", "unterminated string"),
            ("\"a\tb\"", "control character in string"),
            (r#""\x""#, "invalid escape"),
            (r#""\u12""#, "invalid escape"),
            (r#""\ud800""#, "lone surrogate in escape"),
            (r#""\ud800\u0041""#, "lone surrogate in escape"),
            (r#""\udc00""#, "lone surrogate in escape"),
            ("{} {}", "trailing characters"),
            ("'a'", "expected a value"),
            ("NaN", "expected a value"),
        ] {
            assert_eq!(parse(text).map_err(|e| e.what), Err(what), "{text}");
            assert_eq!(serde_reading(text), None, "serde_json reads {text}");
        }
    }

    #[test]
    fn refuses_a_repeated_member_name_which_serde_json_would_read_as_the_last() {
        let text = r#"{"username":"alice","username":"mallory"}"#;
        assert_eq!(
            parse(text),
            Err(SyntaxError {
                what: "repeated member name",
                at: 20
            })
        );
        // The difference is deliberate: a reader that takes the first and one that takes the last disagree.
        let serde: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde["username"], "mallory");
        // The same name in different objects is fine.
        assert!(parse(r#"{"a":{"a":1},"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn refuses_nesting_deeper_than_the_limit_without_overflowing_the_stack() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(
            parse(&deep(MAX_DEPTH + 1)).map_err(|e| e.what),
            Err("nested too deeply")
        );
        let objects = format!(
            "{}1{}",
            "{\"a\":".repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(parse(&objects).map_err(|e| e.what), Err("nested too deeply"));
        assert_eq!(
            parse(&deep(100_000)).map_err(|e| e.what),
            Err("nested too deeply")
        );
    }

    #[test]
    fn whole_numbers_read_as_serde_reads_a_u64() {
        let n = |t: &str| parse(t).unwrap().as_u64();
        assert_eq!(n("0"), Some(0));
        assert_eq!(n("1700000060"), Some(1_700_000_060));
        assert_eq!(n("18446744073709551615"), Some(u64::MAX));
        for text in [
            "18446744073709551616",
            "-1",
            "-0",
            "60.0",
            "6e1",
            "\"60\"",
            "null",
        ] {
            assert_eq!(n(text), None, "{text}");
            assert!(serde_json::from_str::<u64>(text).is_err(), "serde reads {text}");
        }
    }

    #[test]
    fn decimals_read_to_the_nearest_double_for_settings() {
        let f = |t: &str| parse(t).unwrap().as_f64().unwrap();
        assert_eq!(f("365"), 365.0);
        assert_eq!(f("0.5"), 0.5);
        assert_eq!(f("-2"), -2.0);
        assert_eq!(f("1e2"), 100.0);
        assert_eq!(f("2.5E-1"), 0.25);
        assert!((f("0.1") - 0.1).abs() < 1e-15);
        assert_eq!(parse("\"1\"").unwrap().as_f64(), None);
    }

    #[test]
    fn members_read_as_serde_reads_optional_and_required_fields() {
        let o = parse_object(r#"{"s":"x","n":null,"u":7,"b":true,"l":["a"],"m":{"k":"v"},"bad":1}"#).unwrap();
        assert_eq!(o.opt_str("s"), Ok(Some("x".into())));
        assert_eq!(o.opt_str("n"), Ok(None));
        assert_eq!(o.opt_str("absent"), Ok(None));
        assert_eq!(
            o.opt_str("bad").unwrap_err().to_string(),
            "`bad` must be a string"
        );
        assert_eq!(
            o.req_str("absent").unwrap_err().to_string(),
            "`absent` must be a string"
        );
        assert_eq!(o.req_str("n").unwrap_err().to_string(), "`n` must be a string");
        assert_eq!(o.opt_u64("u"), Ok(Some(7)));
        assert_eq!(
            o.opt_u64("s").unwrap_err().to_string(),
            "`s` must be a whole number"
        );
        assert_eq!(o.opt_bool("b"), Ok(Some(true)));
        assert_eq!(
            o.opt_bool("n").unwrap_err().to_string(),
            "`n` must be true or false"
        );
        assert_eq!(o.str_list("l"), Ok(vec!["a".to_owned()]));
        assert_eq!(o.str_list("absent"), Ok(vec![]));
        assert_eq!(
            o.str_list("m").unwrap_err().to_string(),
            "`m` must be an array of strings"
        );
        assert_eq!(
            o.opt_object("n").unwrap_err().to_string(),
            "`n` must be an object"
        );
        assert_eq!(
            o.opt_object("bad").unwrap_err().inside("brand").to_string(),
            "`brand.bad` must be an object"
        );
        assert_eq!(parse_object("[1]"), None);
        assert_eq!(parse_object("{"), None);
    }

    #[test]
    fn writes_strings_and_objects_byte_for_byte_as_serde_json() {
        let odd: String = (0u8..0x80).map(char::from).chain("é\u{2028}😀".chars()).collect();
        for s in [
            "",
            "plain",
            "quote \" backslash \\ slash /",
            "\u{7f}",
            odd.as_str(),
        ] {
            assert_eq!(string(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
        let inner = [("USERNAME", Out::Str("al\"ice")), ("ANSWER", Out::Str("t\n"))];
        let written = object(&[
            ("ClientId", Out::Str("web")),
            ("ChallengeResponses", Out::Object(&inner)),
        ]);
        assert_eq!(
            written,
            r#"{"ClientId":"web","ChallengeResponses":{"USERNAME":"al\"ice","ANSWER":"t\n"}}"#
        );
        assert_eq!(object(&[]), "{}");
    }

    #[test]
    fn the_member_writer_writes_numbers_booleans_nesting_and_arrays_as_serde_json() {
        for n in [0, 7, 10, 59, 1_700_000_000, u64::MAX] {
            let mut out = String::new();
            write_u64(&mut out, n);
            assert_eq!(out, serde_json::to_string(&n).unwrap());
        }
        let mut out = String::new();
        let mut w = ObjectWriter::new(&mut out);
        w.str("a", "x\"y")
            .u64("n", 42)
            .bool("t", true)
            .bool("f", false)
            .null("z");
        w.opt_str("skipped", None).opt_str("kept", Some("k"));
        let mut items = ArrayWriter::new(w.member("list"));
        write_u64(items.item(), 1);
        ObjectWriter::new(items.item()).end();
        items.end();
        ObjectWriter::new(w.member("empty")).end();
        ArrayWriter::new(w.member("none")).end();
        w.end();
        let expected = serde_json::json!({
            "a": "x\"y", "n": 42, "t": true, "f": false, "z": null, "kept": "k", "list": [1, {}], "empty": {}, "none": []
        });
        // serde_json's `json!` map is sorted; compare as values, then the compact form of the same order.
        assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), expected);
        assert_eq!(
            out,
            r#"{"a":"x\"y","n":42,"t":true,"f":false,"z":null,"kept":"k","list":[1,{}],"empty":{},"none":[]}"#
        );
    }

    #[test]
    fn required_members_unknown_members_and_single_member_objects_read_as_serde_reads_them() {
        let o = parse_object(r#"{"n":5,"o":{},"b":false,"s":"x"}"#).unwrap();
        assert_eq!(o.req_u64("n"), Ok(5));
        assert_eq!(
            o.req_u64("s").unwrap_err().to_string(),
            "`s` must be a whole number"
        );
        assert_eq!(o.req_u64("missing").unwrap_err().expected, "a whole number");
        assert!(o.req_object("o").is_ok());
        assert_eq!(o.req_bool("b"), Ok(false));
        assert!(o.req_bool("n").is_err());
        assert_eq!(o.unknown_member(&["n", "o", "b", "s"]), None);
        assert_eq!(o.unknown_member(&["n", "b"]), Some("o"));
        assert_eq!(o.single(), None);
        let one = parse_object(r#"{"redeem":{"result":"burned"}}"#).unwrap();
        assert_eq!(one.single().map(|(n, _)| n), Some("redeem"));
        assert_eq!(parse_object("{}").unwrap().single(), None);
    }
}
