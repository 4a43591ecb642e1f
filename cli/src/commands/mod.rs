//! The commands, one file each, and what they share: the global flags, the context (settings, progress lines),
//! exit codes and failures, reading secrets from stdin, the access token a command acts with.

pub mod keys;
pub mod link;
pub mod login;
pub mod provision;
pub mod revoke;
pub mod sign_in_link;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use handoff_cli::cognito::{self, Client, ErrorKind, HttpTransport};
use handoff_cli::edge::{Edge, EdgeError};
use handoff_cli::settings::Settings;
use handoff_cli::state::{self, Session};
use handoff_cli::{http, landing, url};

/// How `handoff` exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Success = 0,
    /// Cognito or the edge said no (wrong password, a used link, a refused token).
    Refused = 1,
    /// Usage or configuration error (also clap's own usage errors).
    Usage = 2,
    /// A service could not be reached or failed.
    Unavailable = 3,
    /// A local file could not be read or written.
    LocalFile = 4,
}

impl Exit {
    /// Every code, in order.
    pub const ALL: [Exit; 5] = [
        Exit::Success,
        Exit::Refused,
        Exit::Usage,
        Exit::Unavailable,
        Exit::LocalFile,
    ];

    /// What the code means, for `--help`.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Refused => "refused (Cognito or the edge said no)",
            Exit::Usage => "usage or configuration error",
            Exit::Unavailable => "a service could not be reached or failed",
            Exit::LocalFile => "a local file could not be read or written",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// What to tell the user (never a token).
    pub message: String,
}

impl Failure {
    /// A failure exiting with `exit`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
        }
    }
}

/// A usage or configuration error.
pub fn usage(message: impl Into<String>) -> Failure {
    Failure::new(Exit::Usage, message)
}

/// A local file error.
pub fn file_error(message: impl Into<String>) -> Failure {
    Failure::new(Exit::LocalFile, message)
}

/// A Cognito error, by kind.
pub fn from_cognito(e: &cognito::Error) -> Failure {
    // A trigger failed (Cognito: UserLambdaValidationException; emulators: InvalidLambdaResponseException): for
    // Handoff that is the Verify trigger without a verdict, the edge down or set up wrong. Not the link's fault.
    if e.kind().is_some_and(ErrorKind::trigger_failed) {
        return Failure::new(
            Exit::Unavailable,
            format!("the sign-in service could not check the link (it was not used; try again later): {e}"),
        );
    }
    let exit = match e.kind() {
        Some(k) if k.retryable() => Exit::Unavailable,
        Some(
            ErrorKind::ResourceNotFound
            | ErrorKind::InvalidParameter
            | ErrorKind::InvalidUserPoolConfiguration,
        ) => Exit::Usage,
        Some(_) => Exit::Refused,
        None => Exit::Unavailable,
    };
    Failure::new(exit, e.to_string())
}

/// An edge error: a refusal exits 1, anything else 3.
pub fn from_edge(e: &EdgeError) -> Failure {
    let exit = match e {
        EdgeError::Refused { .. } => Exit::Refused,
        EdgeError::Network(_) | EdgeError::Unexpected(_) => Exit::Unavailable,
    };
    Failure::new(exit, e.to_string())
}

/// Flags every command takes.
#[derive(clap::Args)]
pub struct Global {
    /// A local stack's env file to take settings and its demo user from (`cargo xtask stack up` writes
    /// .stack/env) [default: HANDOFF_STACK_ENV; none otherwise]
    #[arg(long, global = true, value_name = "FILE")]
    pub stack_env: Option<PathBuf>,
    /// Cognito endpoint [default: COGNITO_ENDPOINT, else the public endpoint of the region]
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// AWS region [default: AWS_REGION, else the user pool id's]
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// The user pool id, e.g. eu-west-1_AbC123 (SRP sign-in needs it) [default: USER_POOL_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub user_pool: Option<String>,
    /// Edge base URL [default: EDGE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub edge: Option<String>,
    /// The mobile app client id [default: MOBILE_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub mobile_client: Option<String>,
    /// The web app client id [default: WEB_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub web_client: Option<String>,
    /// No progress lines on stderr
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// What every command runs with.
pub struct Ctx {
    /// The global flags.
    pub global: Global,
    /// Settings from the environment and the files.
    pub settings: Settings,
}

impl Ctx {
    /// Loads the settings (the stack file only when named: `--stack-env` or `HANDOFF_STACK_ENV`).
    pub fn new(global: Global) -> Result<Ctx, Failure> {
        let stack_env = global.stack_env.clone().or_else(|| {
            std::env::var_os("HANDOFF_STACK_ENV")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let settings = Settings::load(stack_env.as_deref()).map_err(file_error)?;
        Ok(Ctx { global, settings })
    }

    /// A progress line on stderr (unless `--quiet`).
    pub fn progress(&self, line: &str) {
        if !self.global.quiet {
            eprintln!("handoff: {line}");
        }
    }

    /// `flag`, else `key` from the environment or the files, or a usage error naming both.
    pub fn require(&self, flag: &Option<String>, key: &str, flag_name: &str) -> Result<String, Failure> {
        self.settings
            .require(flag.as_deref(), key, flag_name)
            .map_err(usage)
    }

    /// The user pool id, if configured.
    pub fn user_pool(&self) -> Option<String> {
        self.settings
            .pick(self.global.user_pool.as_deref(), "USER_POOL_ID")
    }

    /// The Cognito endpoint: `--endpoint` / `COGNITO_ENDPOINT`, else the public endpoint of the region
    /// (`--region` / `AWS_REGION`, else the user pool id's).
    pub fn endpoint(&self) -> Result<String, Failure> {
        if let Some(endpoint) = self
            .settings
            .pick(self.global.endpoint.as_deref(), "COGNITO_ENDPOINT")
        {
            return url::checked("COGNITO_ENDPOINT", &endpoint).map_err(usage);
        }
        let region = self
            .settings
            .pick(self.global.region.as_deref(), "AWS_REGION")
            .or_else(|| {
                let pool = self.user_pool()?;
                pool.split_once('_').map(|(region, _)| region.to_owned())
            });
        match region {
            Some(region) if is_region(&region) => Ok(format!("https://cognito-idp.{region}.amazonaws.com/")),
            Some(region) => Err(usage(format!("{region:?} is not an AWS region name"))),
            None => Err(usage(
                "no Cognito endpoint: pass --endpoint, --region or --user-pool (or set COGNITO_ENDPOINT, AWS_REGION \
                 or USER_POOL_ID)",
            )),
        }
    }

    /// A Cognito client for [`Ctx::endpoint`].
    pub fn cognito(&self) -> Result<Client<HttpTransport>, Failure> {
        Ok(cognito_at(&self.endpoint()?))
    }

    /// The edge (`--edge` / `EDGE_URL`, required), its URL checked.
    pub fn edge(&self) -> Result<(String, Edge), Failure> {
        let raw = self.require(&self.global.edge, "EDGE_URL", "--edge")?;
        let base = url::checked("EDGE_URL", &raw).map_err(usage)?;
        let edge = Edge::new(&base);
        Ok((base, edge))
    }

    /// The edge to check a key rotation against: `--edge` or `EDGE_URL` only, never a file (an operator rotating
    /// production keys with a local stack's file around must not check the local edge).
    pub fn rotation_edge(&self) -> Result<Option<(String, Edge)>, Failure> {
        let raw = self
            .global
            .edge
            .clone()
            .or_else(|| std::env::var("EDGE_URL").ok())
            .filter(|u| !u.trim().is_empty());
        match raw {
            Some(raw) => {
                let base = url::checked("EDGE_URL", &raw).map_err(usage)?;
                let edge = Edge::new(&base);
                Ok(Some((base, edge)))
            }
            None => Ok(None),
        }
    }
}

/// A Cognito client for an endpoint already checked.
pub fn cognito_at(endpoint: &str) -> Client<HttpTransport> {
    Client::new(HttpTransport::new(endpoint, http::TIMEOUT))
}

/// `eu-west-1`-like: lowercase letters, digits and dashes (it becomes part of a host name).
fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One line of stdin, line ending removed. On a terminal the input is hidden (`stty -echo`) after a prompt on
/// stderr; when it cannot be hidden, nothing is read.
pub fn read_secret_line(what: &str) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        let hidden = std::process::Command::new("stty")
            .arg("-echo")
            .status()
            .is_ok_and(|s| s.success());
        if !hidden {
            return Err(usage(format!(
                "cannot hide the input on this terminal: pipe the {what} in instead"
            )));
        }
        eprint!("{what} (hidden): ");
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.map_err(|e| file_error(format!("cannot read stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// How a command gets the user's access token.
#[derive(clap::Args)]
pub struct TokenArgs {
    /// Read a Cognito access token from stdin (one line, trimmed; hidden on a terminal) instead of using the
    /// session `handoff login` saved: bring your own token, no sign-in
    #[arg(long)]
    pub access_token_stdin: bool,
}

/// The access token to act with, and who it belongs to (for progress lines).
pub struct UserToken {
    /// The access token (never printed: log [`handoff_core::fingerprint`] of it).
    pub token: String,
    /// The username it names, if readable.
    pub username: String,
}

/// Largest access token accepted from stdin (Cognito's are 1-2 KB).
const MAX_ACCESS_TOKEN_BYTES: usize = 16 * 1024;

/// What a command that acts for the user at the edge starts with: the edge, and the user's access token, with a
/// progress line saying what it asks the edge for (`doing`, then the user's name).
pub fn edge_for_user(ctx: &Ctx, args: &TokenArgs, doing: &str) -> Result<(Edge, UserToken), Failure> {
    let (edge_url, edge) = ctx.edge()?;
    let user = user_token(ctx, args)?;
    ctx.progress(&format!("asking {edge_url} {doing} {:?}", user.username));
    Ok((edge, user))
}

/// Prints a command's result: `json` with `--json`, else the plain `text`.
pub fn print_result(as_json: bool, json: serde_json::Value, text: impl std::fmt::Display) {
    if as_json {
        println!("{json}");
    } else {
        println!("{text}");
    }
}

/// The access token from stdin (`--access-token-stdin`), else the saved session's, refreshed when it has less
/// than 30 s left.
pub fn user_token(ctx: &Ctx, args: &TokenArgs) -> Result<UserToken, Failure> {
    if args.access_token_stdin {
        return token_from_stdin(ctx);
    }
    let dir = ctx.settings.state_dir().map_err(usage)?;
    let mut session = state::load(&dir).map_err(usage)?;
    if state::seconds_left(&session.tokens.access_token, now()).is_some_and(|left| left < 30) {
        refresh(ctx, &dir, &mut session)?;
    }
    Ok(UserToken {
        token: session.tokens.access_token,
        username: session.username,
    })
}

fn token_from_stdin(ctx: &Ctx) -> Result<UserToken, Failure> {
    let line = read_secret_line("Cognito access token")?;
    let token = line.trim();
    if token.is_empty() {
        return Err(usage("no access token on stdin"));
    }
    if token.len() > MAX_ACCESS_TOKEN_BYTES || token.contains(char::is_whitespace) {
        return Err(usage("stdin does not hold one access token (one line, a JWT)"));
    }
    let claims = landing::unverified_claims(token);
    let claim = |name: &str| {
        claims
            .as_ref()
            .and_then(|c| c.get(name)?.as_str().map(str::to_owned))
    };
    if claim("token_use").as_deref() == Some("id") {
        return Err(usage(
            "that is an id token: the edge takes the access token (AuthenticationResult.AccessToken)",
        ));
    }
    ctx.progress(&format!(
        "using the access token from stdin (fingerprint {})",
        handoff_core::fingerprint(token)
    ));
    Ok(UserToken {
        token: token.to_owned(),
        username: claim("username").unwrap_or_else(|| "the token's user".into()),
    })
}

/// Refreshes the session's tokens (REFRESH_TOKEN_AUTH at the endpoint that issued them) and saves them.
fn refresh(ctx: &Ctx, dir: &std::path::Path, session: &mut Session) -> Result<(), Failure> {
    let refresh_token = session.tokens.refresh_token.clone().ok_or_else(|| {
        Failure::new(
            Exit::Refused,
            "the access token expired and there is no refresh token: run `handoff login`",
        )
    })?;
    ctx.progress("access token expired: refreshing it (REFRESH_TOKEN_AUTH)");
    let endpoint = url::checked("the session's Cognito endpoint", &session.endpoint).map_err(usage)?;
    let answer = cognito_at(&endpoint)
        .refresh(&session.client_id, &refresh_token)
        .map_err(|e| from_cognito(&e))?;
    let mut tokens = answer
        .authentication_result
        .ok_or_else(|| usage("refresh answered with a challenge"))?;
    tokens.refresh_token.get_or_insert(refresh_token);
    session.tokens = tokens;
    state::save(dir, session).map_err(file_error)?;
    Ok(())
}
