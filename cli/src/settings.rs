//! Where defaults come from: a flag wins, then the process environment, then the stack's `.stack/env`
//! (`KEY=VALUE` lines written by `cargo xtask stack up`, see DESIGN "Local stack").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The stack's env file, parsed.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    file: Option<PathBuf>,
    values: BTreeMap<String, String>,
}

/// Parses `KEY=VALUE` lines; blank lines and `#` comments are skipped, surrounding quotes removed.
pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

/// The nearest `.stack/env` from `start` upwards.
pub fn find_stack_env(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(".stack").join("env"))
        .find(|p| p.is_file())
}

impl Settings {
    /// Loads `explicit` (an error if unreadable) or the nearest `.stack/env` (none is fine).
    pub fn load(explicit: Option<&Path>) -> Result<Settings, String> {
        let file = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => std::env::current_dir().ok().and_then(|d| find_stack_env(&d)),
        };
        let values = match &file {
            Some(path) => parse_env(
                &std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            ),
            None => BTreeMap::new(),
        };
        Ok(Settings { file, values })
    }

    /// Settings from given values (tests).
    pub fn from_values(values: BTreeMap<String, String>) -> Settings {
        Settings { file: None, values }
    }

    /// The env file in use.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// `flag`, else the environment variable `key`, else the file's `key`.
    pub fn pick(&self, flag: Option<&str>, key: &str) -> Option<String> {
        flag.map(str::to_owned)
            .or_else(|| std::env::var(key).ok().filter(|v| !v.is_empty()))
            .or_else(|| self.values.get(key).cloned().filter(|v| !v.is_empty()))
    }

    /// Like [`Settings::pick`], or an error naming the flag and the key.
    pub fn require(&self, flag: Option<&str>, key: &str, flag_name: &str) -> Result<String, String> {
        self.pick(flag, key).ok_or_else(|| {
            let hint = match &self.file {
                Some(f) => format!("not in {}", f.display()),
                None => "no .stack/env found (is the stack up? `cargo xtask stack up`)".into(),
            };
            format!("{key} is not configured: pass {flag_name} or set {key} ({hint})")
        })
    }

    /// The directory for the CLI's own state: `$HANDOFF_HOME`, else the stack's `.stack/`, else `./.stack/`.
    pub fn state_dir(&self) -> PathBuf {
        if let Some(home) = std::env::var_os("HANDOFF_HOME").filter(|h| !h.is_empty()) {
            return PathBuf::from(home);
        }
        match self.file.as_ref().and_then(|f| f.parent()) {
            Some(dir) => dir.to_path_buf(),
            None => PathBuf::from(".stack"),
        }
    }
}
