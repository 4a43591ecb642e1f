//! Where defaults come from, first hit wins:
//!
//! 1. a flag;
//! 2. the process environment (`EDGE_URL=... handoff link`);
//! 3. a local stack's env file, only when one is named explicitly (`--stack-env FILE` or `HANDOFF_STACK_ENV`;
//!    `cargo xtask stack up` writes `.stack/env`): the demo and the stack tests use it;
//! 4. the user's settings file, `config` in the CLI's directory: `$HANDOFF_HOME`, else `$XDG_CONFIG_HOME/handoff`,
//!    else `~/.config/handoff` (never inside a checkout).
//!
//! Both files are `KEY=VALUE` lines with the environment's names (`COGNITO_ENDPOINT`, `AWS_REGION`,
//! `USER_POOL_ID`, `MOBILE_CLIENT_ID`, `WEB_CLIENT_ID`, `EDGE_URL`, `HANDOFF_USERNAME`). The signed-in session
//! (`session.json`, mode 0600) lives in the same directory, or next to the stack's env file when one is named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The settings file's name inside [`dir`].
pub const CONFIG_FILE: &str = "config";

/// The parsed sources.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    stack_file: Option<PathBuf>,
    stack: BTreeMap<String, String>,
    config_file: Option<PathBuf>,
    config: BTreeMap<String, String>,
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

/// The nearest `.stack/env` from `start` upwards (for tests and tools that look for the local stack on purpose;
/// the CLI itself never reads one it was not given).
pub fn find_stack_env(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(".stack").join("env"))
        .find(|p| p.is_file())
}

/// The CLI's own directory: `$HANDOFF_HOME`, else `$XDG_CONFIG_HOME/handoff` (an absolute path only, as the XDG
/// spec says), else `$HOME/.config/handoff`. `None` without any of them.
pub fn dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(home) = var("HANDOFF_HOME") {
        return Some(home);
    }
    if let Some(xdg) = var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("handoff"));
    }
    var("HOME").map(|home| home.join(".config").join("handoff"))
}

fn read_env_file(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(parse_env(&text))
}

impl Settings {
    /// The user's settings file (if it exists; an unreadable one is an error) and `stack_env` when given (it must
    /// be readable).
    pub fn load(stack_env: Option<&Path>) -> Result<Settings, String> {
        let config_file = dir().map(|d| d.join(CONFIG_FILE));
        let config = match &config_file {
            Some(path) if path.exists() => read_env_file(path)?,
            _ => BTreeMap::new(),
        };
        let stack = match stack_env {
            Some(path) => read_env_file(path)?,
            None => BTreeMap::new(),
        };
        Ok(Settings {
            stack_file: stack_env.map(Path::to_path_buf),
            stack,
            config_file,
            config,
        })
    }

    /// Settings from given values, as if read from the settings file (tests).
    pub fn from_values(values: BTreeMap<String, String>) -> Settings {
        Settings {
            config: values,
            ..Settings::default()
        }
    }

    /// The stack env file in use, if one was named.
    pub fn stack_file(&self) -> Option<&Path> {
        self.stack_file.as_deref()
    }

    /// `flag`, else the environment variable `key`, else the stack file's `key`, else the settings file's.
    pub fn pick(&self, flag: Option<&str>, key: &str) -> Option<String> {
        let nonempty = |v: Option<&String>| v.filter(|v| !v.is_empty()).cloned();
        flag.map(str::to_owned)
            .or_else(|| std::env::var(key).ok().filter(|v| !v.is_empty()))
            .or_else(|| nonempty(self.stack.get(key)))
            .or_else(|| nonempty(self.config.get(key)))
    }

    /// A value only the named stack file provides (its demo user), never the environment or the settings file.
    pub fn stack_value(&self, key: &str) -> Option<String> {
        self.stack.get(key).filter(|v| !v.is_empty()).cloned()
    }

    /// Like [`Settings::pick`], or an error naming the flag, the key and where it may be set.
    pub fn require(&self, flag: Option<&str>, key: &str, flag_name: &str) -> Result<String, String> {
        self.pick(flag, key).ok_or_else(|| {
            let file = match &self.config_file {
                Some(f) => format!(", or as {key}=... in {}", f.display()),
                None => String::new(),
            };
            format!("{key} is not configured: pass {flag_name} or set {key} in the environment{file}")
        })
    }

    /// The directory for the signed-in session: `$HANDOFF_HOME`, else the named stack file's directory (a local
    /// stack's session goes with it, and `cargo xtask stack down` removes it), else [`dir`].
    pub fn state_dir(&self) -> Result<PathBuf, String> {
        if let Some(home) = std::env::var_os("HANDOFF_HOME").filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(home));
        }
        if let Some(parent) = self.stack_file.as_ref().and_then(|f| f.parent()) {
            return Ok(if parent.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                parent.to_path_buf()
            });
        }
        dir().ok_or_else(|| {
            "no directory for the session: set HOME, XDG_CONFIG_HOME or HANDOFF_HOME".to_owned()
        })
    }
}
