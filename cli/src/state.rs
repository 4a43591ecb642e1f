//! The signed-in "mobile app" session: the Cognito tokens from `login`, kept in `session.json` (mode 0600).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cognito::Tokens;
use crate::files;

/// File name under the state directory.
pub const FILE: &str = "session.json";

/// What `login` stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The Cognito username signed in.
    pub username: String,
    /// The mobile app client the tokens belong to.
    pub client_id: String,
    /// The Cognito endpoint they came from.
    pub endpoint: String,
    /// The tokens.
    pub tokens: Tokens,
}

/// The session file in `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Saves the session (0600; a directory it creates is 0700).
pub fn save(dir: &Path, session: &Session) -> Result<PathBuf, String> {
    files::create_private_dir(dir)?;
    let path = path(dir);
    let json = serde_json::to_vec_pretty(session).map_err(|e| e.to_string())?;
    files::write_private(&path, &json)?;
    Ok(path)
}

/// Loads the session, with a hint to log in when there is none.
pub fn load(dir: &Path) -> Result<Session, String> {
    let path = path(dir);
    if !path.exists() {
        return Err(format!(
            "not signed in ({} does not exist): run `handoff login` first (or pass --access-token-stdin)",
            path.display()
        ));
    }
    serde_json::from_str(&files::read_text(&path)?).map_err(|e| format!("{} is damaged: {e}", path.display()))
}

/// Seconds until the JWT's `exp` (negative when expired); `None` if it has no readable `exp`.
pub fn seconds_left(jwt: &str, now: u64) -> Option<i64> {
    let exp = crate::landing::unverified_claims(jwt)?.get("exp")?.as_u64()?;
    Some(exp as i64 - now as i64)
}
