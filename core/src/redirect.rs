//! Redirect targets: where the web app lands after sign-in. Only same-origin absolute paths inside an allowlist
//! of prefixes pass. The check is purely syntactic and deliberately conservative: it never decodes or normalises,
//! it rejects anything a browser or server might interpret differently (backslashes, encoded separators, dot
//! segments, path parameters, controls, non-ASCII). Used by the edge when issuing and by the landing page before navigating.

/// Longest accepted redirect target, in bytes.
pub const MAX_REDIRECT_LEN: usize = 1024;

/// Why a redirect target was refused. Every variant has the public reason `bad_redirect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectError {
    /// Empty or longer than [`MAX_REDIRECT_LEN`].
    #[error("the redirect target is empty or too long")]
    Length,
    /// A byte outside printable ASCII (controls, space, tab, newline, NUL, non-ASCII look-alikes).
    #[error("the redirect target contains a character that is not printable ASCII")]
    Character,
    /// Not a path starting with exactly one `/` (schemes, `//host`, `/\host`, relative paths).
    #[error("the redirect target is not a same-origin absolute path")]
    NotAPath,
    /// A backslash anywhere.
    #[error("the redirect target contains a backslash")]
    Backslash,
    /// A percent-encoded `/`, `\`, `.` or control byte, or a malformed percent escape.
    #[error("the redirect target contains an encoded separator or a bad percent escape")]
    Encoding,
    /// A `.` or `..` path segment.
    #[error("the redirect target contains a dot segment")]
    DotSegment,
    /// A `;` in the path (path parameters): Java servers (Tomcat, Spring) resolve `/orders/..;/admin` to `/admin`,
    /// so a prefix check on the raw path would not hold there.
    #[error("the redirect target contains a path parameter (;)")]
    PathParameter,
    /// The path is not under any allowed prefix.
    #[error("the redirect target is outside the allowed paths")]
    NotAllowed,
}

/// Syntax rules shared by targets and allowlist entries; returns the path part (before `?` or `#`).
fn check_syntax(target: &str) -> Result<&str, RedirectError> {
    let bytes = target.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_REDIRECT_LEN {
        return Err(RedirectError::Length);
    }
    if !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(RedirectError::Character);
    }
    if bytes.contains(&b'\\') {
        return Err(RedirectError::Backslash);
    }
    if bytes[0] != b'/' || bytes.get(1) == Some(&b'/') {
        return Err(RedirectError::NotAPath);
    }
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'%') {
        let at = i + offset;
        let decoded = match (
            bytes.get(at + 1).copied().and_then(crate::hex::digit),
            bytes.get(at + 2).copied().and_then(crate::hex::digit),
        ) {
            (Some(h), Some(l)) => h * 16 + l,
            _ => return Err(RedirectError::Encoding),
        };
        if matches!(decoded, b'/' | b'\\' | b'.' | b'%' | b';') || decoded < 0x20 || decoded == 0x7f {
            return Err(RedirectError::Encoding);
        }
        i = at + 3;
    }
    // Byte searches: these bytes are ASCII, and the target is printable ASCII by now.
    let end = bytes
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(bytes.len());
    let path = &target[..end];
    if path.as_bytes().contains(&b';') {
        return Err(RedirectError::PathParameter);
    }
    if path.split('/').any(|segment| segment == "." || segment == "..") {
        return Err(RedirectError::DotSegment);
    }
    Ok(path)
}

fn under_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || prefix.ends_with('/') || rest.starts_with('/'),
        None => false,
    }
}

/// Accepts `target` if it is a same-origin absolute path under one of `allowlist`'s prefixes (`/orders` allows
/// `/orders`, `/orders/42` and `/orders?x`, not `/orders42`; `/` allows every path). Invalid allowlist entries
/// never match. Returns the target unchanged.
pub fn check_redirect<'a, S: AsRef<str>>(target: &'a str, allowlist: &[S]) -> Result<&'a str, RedirectError> {
    let path = check_syntax(target)?;
    let allowed = allowlist
        .iter()
        .map(AsRef::as_ref)
        .any(|prefix| matches!(check_syntax(prefix), Ok(p) if p == prefix) && under_prefix(path, prefix));
    if allowed {
        Ok(target)
    } else {
        Err(RedirectError::NotAllowed)
    }
}

/// Checks an allowlist entry on its own (for configuration loading): a plain path, no query or fragment.
pub fn check_allowlist_entry(prefix: &str) -> Result<(), RedirectError> {
    match check_syntax(prefix) {
        Ok(path) if path == prefix => Ok(()),
        Ok(_) => Err(RedirectError::NotAPath),
        Err(e) => Err(e),
    }
}
