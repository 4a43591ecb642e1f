//! The session hand-off: the localStorage entries under which Amplify v6 (and amazon-cognito-identity-js) look
//! for a signed-in user, so a web app on the same origin finds the user signed in without knowing Handoff.

use handoff_core::dangerous::insecure_payload;
use handoff_core::json::{self, Out};

use crate::cognito::Tokens;

/// The key prefix Amplify uses (followed by `.<clientId>`).
pub const KEY_PREFIX: &str = "CognitoIdentityServiceProvider";

/// The largest stored Cognito token read for its claims (access tokens with many groups run to a few KB).
const MAX_STORED_TOKEN_BYTES: usize = 16 * 1024;

/// Amplify's `signInDetails.authFlowType` for a custom-auth sign-in without SRP.
pub const AUTH_FLOW_TYPE: &str = "CUSTOM_WITHOUT_SRP";

/// A device the pool now remembers (after `ConfirmDevice`): what Amplify keeps so that a refresh names it.
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    /// `NewDeviceMetadata.DeviceKey`.
    pub key: String,
    /// `NewDeviceMetadata.DeviceGroupKey`.
    pub group_key: String,
    /// The random password behind the device's SRP verifier (Amplify's `randomPasswordKey`).
    pub random_password: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("key", &self.key)
            .field("group_key", &self.group_key)
            .finish_non_exhaustive()
    }
}

/// The `(key, value)` pairs to store, in order (`LastAuthUser` last, so a reader never sees it before the tokens).
/// `username` is Cognito's canonical username (`ChallengeParameters.USERNAME`, else the one sent); `now_ms` is
/// the page's clock, for Amplify's `clockDrift` (`iat * 1000 - now`); `device` a device confirmed during the
/// sign-in.
pub fn storage_entries(
    client_id: &str,
    username: &str,
    tokens: &Tokens,
    now_ms: f64,
    device: Option<&Device>,
) -> Vec<(String, String)> {
    // Keys are joined with `concat`, not `format!`: the sign-in's wasm carries no formatting code (docs/web.md).
    let user = user_prefix(client_id, username);
    let key = |name: &str| [&user, ".", name].concat();
    let mut entries = vec![(key("accessToken"), tokens.access_token.clone())];
    if let Some(id) = &tokens.id_token {
        entries.push((key("idToken"), id.clone()));
    }
    if let Some(refresh) = &tokens.refresh_token {
        entries.push((key("refreshToken"), refresh.clone()));
    }
    let drift = clock_drift(&tokens.access_token, now_ms);
    let mut drift_text = String::from(if drift < 0 { "-" } else { "" });
    json::write_u64(&mut drift_text, drift.unsigned_abs());
    entries.push((key("clockDrift"), drift_text));
    if let Some(device) = device {
        entries.push((key("deviceKey"), device.key.clone()));
        entries.push((key("deviceGroupKey"), device.group_key.clone()));
        entries.push((key("randomPasswordKey"), device.random_password.clone()));
    }
    // Amplify's `signInDetails` value.
    let details = json::object(&[
        ("loginId", Out::Str(username)),
        ("authFlowType", Out::Str(AUTH_FLOW_TYPE)),
    ]);
    entries.push((key("signInDetails"), details));
    entries.push((last_user_key(client_id), username.to_owned()));
    entries
}

/// The keys a previous user of this client left behind (removed before storing a different user).
pub fn user_keys(client_id: &str, username: &str) -> Vec<String> {
    [
        "accessToken",
        "idToken",
        "refreshToken",
        "clockDrift",
        "signInDetails",
    ]
    .iter()
    .map(|k| [&user_prefix(client_id, username), ".", k].concat())
    .collect()
}

/// What to do about a user already signed in to this web client when a link for `link_user` arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Switch {
    /// Nobody is signed in (or only leftovers without a refresh token): go ahead.
    Proceed,
    /// The same user is signed in: go ahead, the new session replaces theirs.
    SameUser,
    /// Someone else is signed in: ask first (a link from another site must never swap the user silently: login
    /// CSRF). On "continue" their session is ended (RevokeToken, then their keys removed); on "cancel" nothing
    /// changes and the link is not spent.
    Ask {
        /// Who is signed in now.
        current: String,
        /// Their refresh token, revoked if the person continues.
        refresh_token: Option<String>,
    },
}

/// Decides [`Switch`] from what the page reads in storage: `LastAuthUser`, and `read(key)` for that user's keys.
/// The same person is the same username, or the same `sub` (`link_sub`, against the stored access token's
/// unverified `sub`: a username alias in the link must not ask someone whether to switch to themselves).
pub fn switch(
    client_id: &str,
    link_user: &str,
    link_sub: Option<&str>,
    read: impl Fn(&str) -> Option<String>,
) -> Switch {
    let Some(current) = read(&last_user_key(client_id)).filter(|u| !u.is_empty()) else {
        return Switch::Proceed;
    };
    let user = user_prefix(client_id, &current);
    let access = read(&[&user, ".accessToken"].concat()).filter(|t| !t.is_empty());
    let refresh = read(&[&user, ".refreshToken"].concat()).filter(|t| !t.is_empty());
    if access.is_none() && refresh.is_none() {
        return Switch::Proceed;
    }
    // Cognito's canonical usernames on both sides (the token's claim and what the page stored): compared exactly.
    let stored_sub = access
        .as_deref()
        .and_then(|t| insecure_payload(t, MAX_STORED_TOKEN_BYTES).ok())
        .and_then(|p| p.sub);
    if current == link_user || (link_sub.is_some() && stored_sub.as_deref() == link_sub) {
        return Switch::SameUser;
    }
    Switch::Ask {
        current,
        refresh_token: refresh,
    }
}

/// `CognitoIdentityServiceProvider.<clientId>`: the prefix of every key of a client.
pub fn client_prefix(client_id: &str) -> String {
    [KEY_PREFIX, ".", client_id].concat()
}

/// `CognitoIdentityServiceProvider.<clientId>.<username>`: the prefix of every key of a user of a client.
fn user_prefix(client_id: &str, username: &str) -> String {
    [KEY_PREFIX, ".", client_id, ".", username].concat()
}

/// The `LastAuthUser` key of a client.
pub fn last_user_key(client_id: &str) -> String {
    [KEY_PREFIX, ".", client_id, ".LastAuthUser"].concat()
}

/// Milliseconds between the access token's `iat` (Cognito's clock) and the page's clock; 0 if unreadable.
fn clock_drift(access_token: &str, now_ms: f64) -> i64 {
    match insecure_payload(access_token, MAX_STORED_TOKEN_BYTES)
        .ok()
        .and_then(|p| p.iat)
    {
        Some(iat) => (iat as f64 * 1000.0 - now_ms).round() as i64,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff_core::base64url;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            base64url::encode(b"{}"),
            base64url::encode(payload.as_bytes())
        )
    }

    #[test]
    fn another_signed_in_user_is_asked_about_never_replaced_silently() {
        fn store<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        }
        let switch = |client: &str, user: &str, read| switch(client, user, None, read);
        assert_eq!(switch("web", "bob", store(&[])), Switch::Proceed);
        let alice = [
            ("CognitoIdentityServiceProvider.web.LastAuthUser", "alice"),
            ("CognitoIdentityServiceProvider.web.alice.accessToken", "at"),
            ("CognitoIdentityServiceProvider.web.alice.refreshToken", "rt"),
        ];
        assert_eq!(
            switch("web", "bob", store(&alice)),
            Switch::Ask {
                current: "alice".into(),
                refresh_token: Some("rt".into())
            }
        );
        assert_eq!(switch("web", "alice", store(&alice)), Switch::SameUser);
        // The same person under another username (an alias in the link): the same `sub`.
        let access = jwt(r#"{"sub":"sub-1","username":"u-1"}"#);
        let aliased = [
            ("CognitoIdentityServiceProvider.web.LastAuthUser", "u-1"),
            (
                "CognitoIdentityServiceProvider.web.u-1.accessToken",
                access.as_str(),
            ),
        ];
        assert_eq!(
            super::switch("web", "alice", Some("sub-1"), store(&aliased)),
            Switch::SameUser
        );
        assert!(matches!(
            super::switch("web", "alice", Some("sub-2"), store(&aliased)),
            Switch::Ask { .. }
        ));
        // Another web client's session is not this page's business.
        assert_eq!(switch("other", "bob", store(&alice)), Switch::Proceed);
        // Leftovers without tokens are nobody.
        let leftover = [("CognitoIdentityServiceProvider.web.LastAuthUser", "alice")];
        assert_eq!(switch("web", "bob", store(&leftover)), Switch::Proceed);
        // Case matters: Cognito usernames are canonical here, and "Alice" may be another user.
        assert!(matches!(
            switch("web", "Alice", store(&alice)),
            Switch::Ask { .. }
        ));
    }

    #[test]
    fn entries_are_amplifys_keys() {
        let tokens = Tokens {
            access_token: jwt(r#"{"iat":1800000000,"username":"alice"}"#),
            id_token: Some("ID".into()),
            refresh_token: Some("RT".into()),
            expires_in: Some(3600),
            ..Tokens::default()
        };
        let entries = storage_entries("web", "alice", &tokens, 1_800_000_000_250.0, None);
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "CognitoIdentityServiceProvider.web.alice.accessToken",
                "CognitoIdentityServiceProvider.web.alice.idToken",
                "CognitoIdentityServiceProvider.web.alice.refreshToken",
                "CognitoIdentityServiceProvider.web.alice.clockDrift",
                "CognitoIdentityServiceProvider.web.alice.signInDetails",
                "CognitoIdentityServiceProvider.web.LastAuthUser",
            ]
        );
        assert_eq!(entries[0].1, tokens.access_token);
        assert_eq!(entries[3].1, "-250");
        for (now, drift) in [(1_799_999_999_000.0, "1000"), (1_800_000_000_000.0, "0")] {
            assert_eq!(storage_entries("web", "alice", &tokens, now, None)[3].1, drift);
        }
        let details: serde_json::Value = serde_json::from_str(&entries[4].1).unwrap();
        assert_eq!(
            details,
            serde_json::json!({"loginId": "alice", "authFlowType": "CUSTOM_WITHOUT_SRP"})
        );
        assert_eq!(entries[5].1, "alice");
    }

    #[test]
    fn optional_tokens_and_unreadable_iat() {
        let tokens = Tokens {
            access_token: "opaque".into(),
            ..Tokens::default()
        };
        let entries = storage_entries("web", "bob", &tokens, 5.0, None);
        assert_eq!(entries.len(), 4);
        assert_eq!(
            entries[1],
            (
                "CognitoIdentityServiceProvider.web.bob.clockDrift".into(),
                "0".into()
            )
        );
        assert_eq!(user_keys("web", "bob").len(), 5);
        // A confirmed device: Amplify's three keys, before signInDetails and LastAuthUser.
        let device = Device {
            key: "us-east-1_dk".into(),
            group_key: "gk".into(),
            random_password: "pw".into(),
        };
        let entries = storage_entries("web", "bob", &tokens, 5.0, Some(&device));
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys[2..5],
            [
                "CognitoIdentityServiceProvider.web.bob.deviceKey",
                "CognitoIdentityServiceProvider.web.bob.deviceGroupKey",
                "CognitoIdentityServiceProvider.web.bob.randomPasswordKey",
            ]
        );
        assert_eq!(entries[4].1, "pw");
        assert!(!format!("{device:?}").contains("pw"));
        assert_eq!(
            last_user_key("web"),
            "CognitoIdentityServiceProvider.web.LastAuthUser"
        );
    }
}
