//! Signing the mobile app in with a password: SRP (`USER_SRP_AUTH`, then `PASSWORD_VERIFIER`; the password never
//! leaves the device, and many mobile app clients allow nothing else) or `USER_PASSWORD_AUTH`.
//!
//! Which one: `--auth-flow srp|password`. Without it SRP is tried first, and when the app client does not allow
//! SRP (Cognito: `InvalidParameterException`, "... not enabled for the client") the sign-in says so and falls back
//! to `USER_PASSWORD_AUTH`. A flow named explicitly is never replaced by another.

use crate::cognito::{self, Client, ErrorKind, PASSWORD_VERIFIER, Tokens, Transport};
use crate::srp::{self, Srp};

/// How the password is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthFlow {
    /// USER_SRP_AUTH + PASSWORD_VERIFIER: an SRP-6a proof; the password is never sent.
    Srp,
    /// USER_PASSWORD_AUTH: the password goes to Cognito (over TLS).
    Password,
}

impl AuthFlow {
    /// Cognito's name of the flow.
    pub fn cognito_name(self) -> &'static str {
        match self {
            AuthFlow::Srp => "USER_SRP_AUTH",
            AuthFlow::Password => "USER_PASSWORD_AUTH",
        }
    }
}

/// Who signs in where.
pub struct Credentials<'a> {
    /// The app client id.
    pub client_id: &'a str,
    /// The user pool id (`region_name`); SRP needs it, the password flow does not.
    pub pool_id: Option<&'a str>,
    /// The username (or an alias Cognito accepts).
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
}

/// Why no tokens.
#[derive(Debug)]
pub enum SignInError {
    /// Cognito said no, or could not be reached.
    Cognito(cognito::Error),
    /// The SRP challenge could not be answered (a parameter missing or unusable).
    Srp(srp::Error),
    /// SRP was asked for without the user pool id.
    NoPoolId,
    /// Cognito asked for a step this client does not take (MFA, a new password, device confirmation).
    Challenge(String),
}

impl std::fmt::Display for SignInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignInError::Cognito(e) => e.fmt(f),
            SignInError::Srp(e) => e.fmt(f),
            SignInError::NoPoolId => f.write_str(
                "SRP sign-in needs the user pool id: pass --user-pool or set USER_POOL_ID (or use --auth-flow \
                 password)",
            ),
            SignInError::Challenge(name) => {
                write!(f, "Cognito asked for a challenge ({name}) this client cannot answer")
            }
        }
    }
}

impl From<cognito::Error> for SignInError {
    fn from(e: cognito::Error) -> Self {
        SignInError::Cognito(e)
    }
}

/// Whether Cognito refused a flow because the app client does not allow it (real Cognito: "USER_SRP_AUTH is not
/// enabled for the client.", "Auth flow not enabled for this client"; both `InvalidParameterException`).
pub fn flow_not_enabled(e: &cognito::Error) -> bool {
    match e {
        cognito::Error::Service {
            kind: ErrorKind::InvalidParameter,
            message,
            ..
        } => message.to_ascii_lowercase().contains("not enabled"),
        _ => false,
    }
}

/// Signs in with `flow` (`None`: SRP, falling back to the password flow when the client does not allow SRP).
/// `srp` is the exchange's secret (fresh for each sign-in), `now` the Unix time for the proof's timestamp.
/// Returns the flow that signed in and the tokens.
pub fn sign_in<T: Transport>(
    client: &Client<T>,
    flow: Option<AuthFlow>,
    credentials: &Credentials<'_>,
    srp: &Srp,
    now: u64,
    progress: &mut dyn FnMut(&str),
) -> Result<(AuthFlow, Tokens), SignInError> {
    match flow {
        Some(AuthFlow::Password) => Ok((AuthFlow::Password, password(client, credentials, progress)?)),
        Some(AuthFlow::Srp) => Ok((
            AuthFlow::Srp,
            srp_sign_in(client, credentials, srp, now, progress)?,
        )),
        None => match srp_sign_in(client, credentials, srp, now, progress) {
            Err(SignInError::Cognito(e)) if flow_not_enabled(&e) => {
                progress(&format!(
                    "the app client does not allow USER_SRP_AUTH ({e}); falling back to USER_PASSWORD_AUTH \
                     (`--auth-flow password` skips the SRP attempt)"
                ));
                Ok((AuthFlow::Password, password(client, credentials, progress)?))
            }
            other => other.map(|tokens| (AuthFlow::Srp, tokens)),
        },
    }
}

fn password<T: Transport>(
    client: &Client<T>,
    c: &Credentials<'_>,
    progress: &mut dyn FnMut(&str),
) -> Result<Tokens, SignInError> {
    progress(&format!("signing in as {:?} (USER_PASSWORD_AUTH)", c.username));
    let answer = client.password_auth(c.client_id, c.username, c.password)?;
    answer
        .authentication_result
        .ok_or_else(|| SignInError::Challenge(answer.challenge_name.unwrap_or_default()))
}

fn srp_sign_in<T: Transport>(
    client: &Client<T>,
    c: &Credentials<'_>,
    srp: &Srp,
    now: u64,
    progress: &mut dyn FnMut(&str),
) -> Result<Tokens, SignInError> {
    let pool_id = c.pool_id.ok_or(SignInError::NoPoolId)?;
    progress(&format!("signing in as {:?} (USER_SRP_AUTH)", c.username));
    let started = client.srp_auth(c.client_id, c.username, &srp.srp_a())?;
    if started.challenge_name.as_deref() != Some(PASSWORD_VERIFIER) {
        return Err(SignInError::Challenge(
            started.challenge_name.unwrap_or_else(|| "none".into()),
        ));
    }
    let responses = srp
        .answer(pool_id, c.password, &started.challenge_parameters, now)
        .map_err(SignInError::Srp)?;
    progress("answering PASSWORD_VERIFIER with the password proof");
    let answered = client.answer_password_verifier(c.client_id, started.session.as_deref(), &responses)?;
    answered
        .authentication_result
        .ok_or_else(|| SignInError::Challenge(answered.challenge_name.unwrap_or_default()))
}
