//! Amplify's cookie layout: the same keys as in localStorage, one cookie each, written the way Amplify v6's
//! `CookieStorage` writes them (js-cookie's encoding; `path`, `domain`, `expires`, `secure`, `sameSite`), so an app
//! configured with `Amplify.configure(config, { ssr: true })` (Next.js and other server-rendered apps) finds the
//! session, refreshes it and signs out leaving nothing behind. Plain functions over strings; the browser glue
//! reads and writes `document.cookie`.

use handoff_core::json::{Mismatch, Object, Value};

/// `SameSite`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SameSite {
    /// Amplify's `ssr: true` default.
    #[default]
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent everywhere; needs `secure`.
    None,
}

impl SameSite {
    const fn attribute(self) -> &'static str {
        match self {
            SameSite::Lax => "lax",
            SameSite::Strict => "strict",
            SameSite::None => "none",
        }
    }
}

/// The cookies' attributes (`cookie` in the page's configuration): the members and defaults of Amplify's
/// `CookieStorage`, so the same values go to both.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieOptions {
    /// `Domain` (absent: this host only).
    pub domain: Option<String>,
    /// `Path` (default `/`).
    pub path: String,
    /// Lifetime in days (default 365, Amplify's); `null` makes session cookies.
    pub expires: Option<f64>,
    /// `Secure` (default true, Amplify's; browsers accept it on `http://localhost` too).
    pub secure: bool,
    /// `SameSite` (default `lax`).
    pub same_site: SameSite,
}

impl CookieOptions {
    /// Reads the `cookie` member's object (camelCase names, Amplify's defaults for what it leaves out).
    pub fn read(cookie: &Object) -> Result<CookieOptions, Mismatch> {
        let defaults = CookieOptions::default();
        let mismatch = |member: &str, expected| Mismatch {
            member: member.into(),
            expected,
        };
        let expires = match cookie.get("expires") {
            None => defaults.expires,
            Some(Value::Null) => None,
            Some(days) => Some(
                days.as_f64()
                    .ok_or_else(|| mismatch("expires", "a number of days or null"))?,
            ),
        };
        let same_site = match cookie.get("sameSite").map(Value::as_str) {
            None => defaults.same_site,
            Some(Some("lax")) => SameSite::Lax,
            Some(Some("strict")) => SameSite::Strict,
            Some(Some("none")) => SameSite::None,
            Some(_) => return Err(mismatch("sameSite", "\"lax\", \"strict\" or \"none\"")),
        };
        Ok(CookieOptions {
            domain: cookie.opt_str("domain")?,
            path: match cookie.get("path") {
                None => defaults.path,
                Some(path) => path
                    .as_str()
                    .ok_or_else(|| mismatch("path", "a string"))?
                    .to_owned(),
            },
            expires,
            secure: cookie.opt_bool("secure")?.unwrap_or(defaults.secure),
            same_site,
        })
    }
}

impl Default for CookieOptions {
    fn default() -> Self {
        CookieOptions {
            domain: None,
            path: "/".into(),
            expires: Some(365.0),
            secure: true,
            same_site: SameSite::Lax,
        }
    }
}

impl CookieOptions {
    /// Why these attributes cannot work, if they cannot (the page then refuses its configuration).
    pub fn problem(&self) -> Option<&'static str> {
        let domain_ok = self.domain.as_deref().is_none_or(|d| {
            let d = d.strip_prefix('.').unwrap_or(d);
            !d.is_empty()
                && d.len() <= 253
                && d.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
        });
        if !domain_ok {
            return Some("`cookie.domain` must be a host name");
        }
        if !self.path.starts_with('/') || !self.path.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b';')
        {
            return Some("`cookie.path` must be a path starting with `/`");
        }
        if self.expires.is_some_and(|days| !days.is_finite() || days <= 0.0) {
            return Some("`cookie.expires` must be a positive number of days, or null");
        }
        if self.same_site == SameSite::None && !self.secure {
            return Some("`cookie.sameSite` \"none\" needs `cookie.secure`");
        }
        None
    }

    /// The `document.cookie` assignment that sets `name` to `value`; `expires` is the date `expires` days from now
    /// as the browser writes it (`Date.prototype.toUTCString`), computed by the caller.
    pub fn set(&self, name: &str, value: &str, expires: Option<&str>) -> String {
        let mut cookie = encode(name, NAME_KEEP) + "=";
        cookie.push_str(&encode(value, VALUE_KEEP));
        self.attributes(&mut cookie, expires.filter(|_| self.expires.is_some()));
        cookie
    }

    /// The `document.cookie` assignment that removes `name` (same path and domain, a date in the past).
    pub fn remove(&self, name: &str) -> String {
        let mut cookie = encode(name, NAME_KEEP) + "=";
        self.attributes(&mut cookie, Some("Thu, 01 Jan 1970 00:00:00 GMT"));
        cookie
    }

    fn attributes(&self, cookie: &mut String, expires: Option<&str>) {
        cookie.push_str("; path=");
        cookie.push_str(&self.path);
        if let Some(expires) = expires {
            cookie.push_str("; expires=");
            cookie.push_str(expires);
        }
        if let Some(domain) = &self.domain {
            cookie.push_str("; domain=");
            cookie.push_str(domain);
        }
        if self.secure {
            cookie.push_str("; secure");
        }
        cookie.push_str("; sameSite=");
        cookie.push_str(self.same_site.attribute());
    }
}

/// Reads `name` from `document.cookie` (`a=1; b=2`), decoding as js-cookie does.
pub fn read(cookies: &str, name: &str) -> Option<String> {
    // `document.cookie` separates pairs with "; " (js-cookie splits on that string) and no pair holds a `;`:
    // splitting on the character is the same, without a substring searcher's code in the page's wasm.
    cookies.split(';').find_map(|pair| {
        let pair = pair.strip_prefix(' ').unwrap_or(pair);
        let (key, value) = pair.split_once('=')?;
        (decode(key) == name).then(|| {
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            decode(value)
        })
    })
}

/// The ASCII bytes js-cookie leaves as they are in a name (besides letters and digits).
const NAME_KEEP: &[u8] = b"-_.!~*'#$&+^`|";
/// ... and in a value.
const VALUE_KEEP: &[u8] = b"-_.!~*'()#$&+/:<=>?@[]^`{|}";

/// `encodeURIComponent`, then js-cookie's exceptions (`keep`).
fn encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// Percent-decoding of UTF-8 (what js-cookie's reader does); a malformed escape stays as it is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_amplifys_cookie_storage_writes() {
        // Amplify's `ssr: true` storage: `new CookieStorage({ sameSite: 'lax' })` (path /, 365 days, secure).
        let options = CookieOptions::default();
        assert_eq!(
            options.set(
                "CognitoIdentityServiceProvider.web.alice@example.com.signInDetails",
                r#"{"loginId":"alice","authFlowType":"CUSTOM_WITHOUT_SRP"}"#,
                Some("Sun, 28 Nov 2027 12:00:00 GMT")
            ),
            "CognitoIdentityServiceProvider.web.alice%40example.com.signInDetails=\
             {%22loginId%22:%22alice%22%2C%22authFlowType%22:%22CUSTOM_WITHOUT_SRP%22}; path=/; \
             expires=Sun, 28 Nov 2027 12:00:00 GMT; secure; sameSite=lax"
        );
        let scoped = CookieOptions {
            domain: Some(".example.com".into()),
            path: "/app".into(),
            expires: None,
            secure: false,
            same_site: SameSite::Strict,
        };
        assert_eq!(
            scoped.set("a b", "x;y", Some("ignored: session cookie")),
            "a%20b=x%3By; path=/app; domain=.example.com; sameSite=strict"
        );
        assert_eq!(
            scoped.remove("k"),
            "k=; path=/app; expires=Thu, 01 Jan 1970 00:00:00 GMT; domain=.example.com; sameSite=strict"
        );
    }

    #[test]
    fn reads_back_what_it_wrote_and_what_js_cookie_wrote() {
        let jar = "other=1; CognitoIdentityServiceProvider.web.alice%40example.com.LastAuthUser=alice%40example.com; \
                   q=\"quoted%20value\"; bad=%zz%";
        assert_eq!(
            read(
                jar,
                "CognitoIdentityServiceProvider.web.alice@example.com.LastAuthUser"
            )
            .as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(read(jar, "q").as_deref(), Some("quoted value"));
        assert_eq!(read(jar, "bad").as_deref(), Some("%zz%"));
        assert_eq!(read(jar, "missing"), None);
        // Pairs as `document.cookie` writes them; a value's own leading space stays.
        assert_eq!(read("a=1; b=2; d= 4", "b").as_deref(), Some("2"));
        assert_eq!(read("a=1; b=2; d= 4", "d").as_deref(), Some(" 4"));
        assert_eq!(read("", "x"), None);
        let value = "é;\u{1F600} \"x\"";
        let written = CookieOptions::default().set("n", value, None);
        let pair = written.split("; ").next().unwrap();
        assert_eq!(read(pair, "n").as_deref(), Some(value));
    }

    #[test]
    fn refuses_attributes_that_cannot_work() {
        let with = |f: fn(&mut CookieOptions)| {
            let mut o = CookieOptions::default();
            f(&mut o);
            o.problem()
        };
        assert_eq!(with(|_| {}), None);
        assert!(with(|o| o.domain = Some("exa mple.com".into())).is_some());
        assert!(with(|o| o.domain = Some(String::new())).is_some());
        assert!(with(|o| o.path = "app".into()).is_some());
        assert!(with(|o| o.path = "/a;domain=evil".into()).is_some());
        assert!(with(|o| o.expires = Some(0.0)).is_some());
        assert!(with(|o| o.expires = Some(f64::NAN)).is_some());
        assert!(
            with(|o| {
                o.same_site = SameSite::None;
                o.secure = false;
            })
            .is_some()
        );
        let read = |text: &str| CookieOptions::read(&handoff_core::json::parse_object(text).unwrap());
        let parsed = read(r#"{"domain":"example.com","expires":null,"sameSite":"none"}"#).unwrap();
        assert_eq!(parsed.expires, None);
        assert_eq!(parsed.path, "/");
        assert!(parsed.secure);
        assert_eq!(parsed.same_site, SameSite::None);
        assert_eq!(read("{}"), Ok(CookieOptions::default()));
        let parsed = read(r#"{"path":"/app","expires":0.5,"secure":false,"sameSite":"strict"}"#).unwrap();
        assert_eq!(
            (
                parsed.path.as_str(),
                parsed.expires,
                parsed.secure,
                parsed.same_site
            ),
            ("/app", Some(0.5), false, SameSite::Strict)
        );
        for (text, problem) in [
            (
                r#"{"expires":"365"}"#,
                "`expires` must be a number of days or null",
            ),
            (
                r#"{"sameSite":"Lax"}"#,
                r#"`sameSite` must be "lax", "strict" or "none""#,
            ),
            (r#"{"secure":null}"#, "`secure` must be true or false"),
            (r#"{"path":null}"#, "`path` must be a string"),
            (r#"{"domain":1}"#, "`domain` must be a string"),
        ] {
            assert_eq!(read(text).unwrap_err().to_string(), problem, "{text}");
        }
    }
}
