//! `handoff`: the reference mobile client and operator tool. See `handoff --help`.
#![forbid(unsafe_code)]

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use handoff_cli::cognito::{self, Client, ErrorKind, HttpTransport};
use handoff_cli::flow::{self, FlowError};
use handoff_cli::keys::{self, Alg};
use handoff_cli::rotation::KeyFile;
use handoff_cli::settings::Settings;
use handoff_cli::state::{self, Session};
use handoff_cli::{edge, files, provision};
use handoff_core::KeySet;

const EXIT_CODES: &str = "\
Exit codes: 0 success, 1 refused (Cognito or the edge said no), 2 usage or configuration error,
3 a service could not be reached or failed, 4 a local file could not be read or written.

Defaults come from flags, then environment variables, then the stack's .stack/env (KEY=VALUE lines,
found upward from the current directory; `cargo xtask stack up` writes it).";

#[derive(Parser)]
#[command(name = "handoff", version, about = "Handoff's reference mobile client and operator tool", after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// The stack env file to read defaults from [default: HANDOFF_STACK_ENV, else the nearest .stack/env]
    #[arg(long, global = true, value_name = "FILE")]
    stack_env: Option<PathBuf>,
    /// Cognito endpoint [default: COGNITO_ENDPOINT, else the public endpoint of --region]
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// AWS region [default: AWS_REGION]
    #[arg(long, global = true)]
    region: Option<String>,
    /// Edge base URL [default: EDGE_URL]
    #[arg(long, global = true, value_name = "URL")]
    edge: Option<String>,
    /// The mobile app client id [default: MOBILE_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    mobile_client: Option<String>,
    /// The web app client id [default: WEB_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    web_client: Option<String>,
    /// No progress lines on stderr
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in as the mobile app (USER_PASSWORD_AUTH on the mobile client) and keep the tokens (mode 0600)
    Login {
        /// Cognito username [default: DEMO_USERNAME]
        #[arg(long)]
        username: Option<String>,
        /// Read the password from the first line of stdin [default: HANDOFF_PASSWORD, or DEMO_PASSWORD for the demo user]
        #[arg(long)]
        password_stdin: bool,
    },
    /// Ask the edge for a handoff link for the signed-in user; prints the URL
    Link {
        /// Where the web app should land (a same-origin path inside the edge's allowlist)
        #[arg(long, value_name = "PATH")]
        redirect: Option<String>,
        /// Print the edge's whole answer as JSON instead of the URL
        #[arg(long)]
        json: bool,
    },
    /// Redeem a handoff link as the landing page does (CUSTOM_AUTH on the web client); prints the id token's claims
    Redeem {
        /// The link (`...#handoff=<token>`)
        url: String,
    },
    /// Manage the edge's signing keys (JWK Set files)
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Create the local Cognito side on an emulator (ministack); prints KEY=VALUE lines
    Provision(ProvisionArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a new private JWK Set with one key
    Generate {
        /// Signature algorithm
        #[arg(long, value_enum, default_value = "eddsa")]
        alg: Alg,
        /// Key id [default: <alg>-<random hex>]
        #[arg(long)]
        kid: Option<String>,
        /// Write to FILE (mode 0600) instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Rotation step 1: add a new key to FILE as verify-only (deploy FILE before `promote`)
    Stage {
        /// The private JWK Set file, rewritten in place (mode 0600)
        file: PathBuf,
        /// Signature algorithm of the new key
        #[arg(long, value_enum, default_value = "eddsa")]
        alg: Alg,
        /// Key id of the new key [default: <alg>-<random hex>]
        #[arg(long)]
        kid: Option<String>,
    },
    /// Rotation step 2: the staged key signs from now on; old keys stay for verification (deploy FILE)
    Promote {
        /// The private JWK Set file, rewritten in place (mode 0600)
        file: PathBuf,
        /// Promote even if the edge (--edge / EDGE_URL) does not publish the staged key yet
        #[arg(long)]
        force: bool,
    },
    /// Rotation step 3: drop the keys the promotion replaced, once no link they signed can be live (deploy FILE)
    Retire {
        /// The private JWK Set file, rewritten in place (mode 0600)
        file: PathBuf,
        /// The deployment's longest token lifetime (the edge's TOKEN_TTL_SECS), in seconds
        #[arg(long, value_name = "SECS", default_value_t = handoff_core::HARD_MAX_TTL_SECS)]
        max_ttl: u64,
        /// Retire now even if links signed by the old keys may still be live (they will fail: unknown_key)
        #[arg(long)]
        force: bool,
    },
    /// Print the public JWK Set of FILE (what the edge serves at /.well-known/jwks.json)
    Jwks {
        /// A JWK Set file
        file: PathBuf,
    },
}

#[derive(Args)]
struct ProvisionArgs {
    /// The trigger zip (`triggers/package.sh` builds it)
    #[arg(
        long,
        default_value = "target/package/lambda/handoff-triggers-x86_64.zip",
        value_name = "FILE"
    )]
    zip: PathBuf,
    /// The trigger's redeem secret [default: REDEEM_SECRET]
    #[arg(long, value_name = "SECRET")]
    redeem_secret: Option<String>,
    /// Lambda function name
    #[arg(long, default_value = "handoff-triggers")]
    function_name: String,
    /// User pool name
    #[arg(long, default_value = "handoff")]
    pool_name: String,
    /// Demo username
    #[arg(long, default_value = "demo")]
    demo_username: String,
    /// Also write the lines to FILE (mode 0600)
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

/// A URL the CLI sends credentials to (access tokens, passwords, links): https, or http on a loopback host; never
/// with user information (`http://127.0.0.1:@evil.example` is a request to evil.example).
fn safe_url(name: &str, url: String) -> Result<String, Failure> {
    let trimmed = url.trim();
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| usage(format!("{name} must be an https:// URL")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(usage(format!(
            "{name} must not contain user information (user@host)"
        )));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let loopback = host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !host.is_empty() => Ok(trimmed.to_owned()),
        "http" if loopback => Ok(trimmed.to_owned()),
        _ => Err(usage(format!(
            "{name} must be an https:// URL (plain http only on loopback)"
        ))),
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn file_error(message: impl Into<String>) -> Failure {
    Failure {
        code: 4,
        message: message.into(),
    }
}

fn from_cognito(e: &cognito::Error) -> Failure {
    // A trigger failed (Cognito: UserLambdaValidationException; emulators: InvalidLambdaResponseException): for
    // Handoff that is the Verify trigger without a verdict, the edge down or set up wrong. Not the link's fault.
    if e.kind().is_some_and(ErrorKind::trigger_failed) {
        return Failure {
            code: 3,
            message: format!(
                "the sign-in service could not check the link (it was not used; try again later): {e}"
            ),
        };
    }
    let code = match e.kind() {
        Some(k) if k.retryable() => 3,
        Some(
            ErrorKind::ResourceNotFound
            | ErrorKind::InvalidParameter
            | ErrorKind::InvalidUserPoolConfiguration,
        ) => 2,
        Some(_) => 1,
        None => 3,
    };
    Failure {
        code,
        message: e.to_string(),
    }
}

struct Ctx {
    global: Global,
    settings: Settings,
}

impl Ctx {
    fn progress(&self, line: &str) {
        if !self.global.quiet {
            eprintln!("handoff: {line}");
        }
    }

    /// The edge to check a key rotation against: `--edge` or `EDGE_URL` only, never the stack file (an operator
    /// rotating production keys in a checkout with a local stack up must not check the local edge).
    fn edge_url(&self) -> Option<String> {
        self.global
            .edge
            .clone()
            .or_else(|| std::env::var("EDGE_URL").ok())
            .filter(|u| !u.trim().is_empty())
    }

    fn endpoint(&self) -> Result<String, Failure> {
        if let Some(endpoint) = self
            .settings
            .pick(self.global.endpoint.as_deref(), "COGNITO_ENDPOINT")
        {
            return safe_url("COGNITO_ENDPOINT", endpoint);
        }
        match self.settings.pick(self.global.region.as_deref(), "AWS_REGION") {
            Some(region) => Ok(format!("https://cognito-idp.{region}.amazonaws.com/")),
            None => Err(usage(
                "no Cognito endpoint: pass --endpoint or --region (or set COGNITO_ENDPOINT / AWS_REGION)",
            )),
        }
    }

    fn require(&self, flag: &Option<String>, key: &str, flag_name: &str) -> Result<String, Failure> {
        self.settings
            .require(flag.as_deref(), key, flag_name)
            .map_err(usage)
    }

    fn cognito(&self) -> Result<Client<HttpTransport>, Failure> {
        Ok(Client::new(HttpTransport::new(
            &self.endpoint()?,
            Duration::from_secs(10),
        )))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn login(ctx: &Ctx, username: Option<String>, password_stdin: bool) -> Result<(), Failure> {
    let username = ctx.require(&username, "DEMO_USERNAME", "--username")?;
    let client_id = ctx.require(&ctx.global.mobile_client, "MOBILE_CLIENT_ID", "--mobile-client")?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| file_error(format!("cannot read stdin: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if let Ok(p) = std::env::var("HANDOFF_PASSWORD") {
        p
    } else if ctx.settings.pick(None, "DEMO_USERNAME").as_deref() == Some(username.as_str()) {
        ctx.settings
            .pick(None, "DEMO_PASSWORD")
            .ok_or_else(|| usage("DEMO_PASSWORD is not configured"))?
    } else {
        return Err(usage("no password: use --password-stdin or set HANDOFF_PASSWORD"));
    };
    if password.is_empty() {
        return Err(usage("the password is empty"));
    }
    let endpoint = ctx.endpoint()?;
    ctx.progress(&format!("signing in as {username:?} on the mobile client"));
    let answer = ctx
        .cognito()?
        .password_auth(&client_id, &username, &password)
        .map_err(|e| from_cognito(&e))?;
    let tokens = answer.authentication_result.ok_or_else(|| Failure {
        code: 1,
        message: format!(
            "Cognito asked for a challenge ({:?}) this client cannot answer",
            answer.challenge_name
        ),
    })?;
    let session = Session {
        username,
        client_id,
        endpoint,
        tokens,
    };
    let path = state::save(&ctx.settings.state_dir(), &session).map_err(file_error)?;
    ctx.progress(&format!(
        "signed in; tokens saved to {} (mode 0600)",
        path.display()
    ));
    Ok(())
}

fn link(ctx: &Ctx, redirect: Option<String>, json: bool) -> Result<(), Failure> {
    let edge_url = safe_url("EDGE_URL", ctx.require(&ctx.global.edge, "EDGE_URL", "--edge")?)?;
    let dir = ctx.settings.state_dir();
    let mut session = state::load(&dir).map_err(usage)?;
    if state::seconds_left(&session.tokens.access_token, now()).is_some_and(|left| left < 30) {
        let refresh = session.tokens.refresh_token.clone().ok_or_else(|| Failure {
            code: 1,
            message: "the access token expired and there is no refresh token: run `handoff login`".into(),
        })?;
        ctx.progress("access token expired: refreshing it (REFRESH_TOKEN_AUTH)");
        let client = Client::new(HttpTransport::new(&session.endpoint, Duration::from_secs(10)));
        let answer = client
            .refresh(&session.client_id, &refresh)
            .map_err(|e| from_cognito(&e))?;
        let mut tokens = answer
            .authentication_result
            .ok_or_else(|| usage("refresh answered with a challenge"))?;
        tokens.refresh_token.get_or_insert(refresh);
        session.tokens = tokens;
        state::save(&dir, &session).map_err(file_error)?;
    }
    ctx.progress(&format!(
        "asking {edge_url} for a handoff link for {:?}",
        session.username
    ));
    let answer =
        edge::issue(&edge_url, &session.tokens.access_token, redirect.as_deref()).map_err(|e| match e {
            edge::EdgeError::Refused { .. } => Failure {
                code: 1,
                message: e.to_string(),
            },
            _ => Failure {
                code: 3,
                message: e.to_string(),
            },
        })?;
    ctx.progress(&format!("link valid for {} s, single use", answer.expires_in));
    if json {
        let value =
            serde_json::json!({"url": answer.url, "token": answer.token, "expires_in": answer.expires_in});
        println!("{value}");
    } else {
        println!("{}", answer.url);
    }
    Ok(())
}

fn redeem(ctx: &Ctx, url: &str) -> Result<(), Failure> {
    let web_client = ctx.require(&ctx.global.web_client, "WEB_CLIENT_ID", "--web-client")?;
    let link = flow::parse_link(url).map_err(|e| usage(e.to_string()))?;
    let client = ctx.cognito()?;
    // Like the landing page: a context binding from the edge, when one is known (the edge decides if it needs it).
    let edge_url = ctx.settings.pick(ctx.global.edge.as_deref(), "EDGE_URL");
    let binding = match edge_url.map(|u| safe_url("EDGE_URL", u)).transpose()? {
        Some(edge_url) => match edge::bind(&edge_url, &link.token) {
            edge::Bind::Bound(binding) => Some(binding),
            edge::Bind::WrongContext => {
                return Err(Failure {
                    code: 1,
                    message:
                        "this link was asked for on another network: open it on the device that asked for it"
                            .into(),
                });
            }
            edge::Bind::Unbound(why) => {
                ctx.progress(&format!("no context binding ({why}); going on without"));
                None
            }
        },
        None => None,
    };
    let tokens = flow::redeem_bound(&client, &web_client, &link, binding.as_deref(), &mut |line| {
        ctx.progress(line)
    })
    .map_err(|e| match e {
        FlowError::Cognito(e) => from_cognito(&e),
        FlowError::BadLink(_) => usage(e.to_string()),
        FlowError::Protocol(_) => Failure {
            code: 1,
            message: e.to_string(),
        },
    })?;
    let id_token = tokens.id_token.as_deref().ok_or_else(|| Failure {
        code: 3,
        message: "no id token".into(),
    })?;
    let claims = flow::unverified_claims(id_token).ok_or_else(|| Failure {
        code: 3,
        message: "the id token is not a readable JWT".into(),
    })?;
    if let Some(redirect) = &link.redirect {
        ctx.progress(&format!("the web app would now open {redirect}"));
    }
    println!("{}", serde_json::to_string_pretty(&claims).unwrap_or_default());
    Ok(())
}

fn read_key_file(path: &Path) -> Result<KeyFile, Failure> {
    let text = files::read_text(path).map_err(file_error)?;
    KeyFile::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn write_key_file(path: &Path, file: &KeyFile) -> Result<(), Failure> {
    files::write_private(path, file.to_text().as_bytes()).map_err(file_error)
}

fn signer(file: &KeyFile) -> String {
    file.keys
        .signing_key()
        .map(|k| k.kid().to_owned())
        .unwrap_or_default()
}

fn read_key_set(path: &Path) -> Result<KeySet, Failure> {
    let text = files::read_text(path).map_err(file_error)?;
    KeySet::from_jwks(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn run_keys(ctx: &Ctx, command: KeysCommand) -> Result<(), Failure> {
    match command {
        KeysCommand::Generate { alg, kid, out } => {
            let key = keys::generate(alg, kid.as_deref()).map_err(usage)?;
            let set = KeySet::new(vec![key]).map_err(|e| usage(e.to_string()))?;
            let text = keys::to_text(&set.private_jwks());
            match out {
                Some(path) => {
                    files::write_private(&path, text.as_bytes()).map_err(file_error)?;
                    ctx.progress(&format!("wrote {} (mode 0600)", path.display()));
                }
                None => {
                    if std::io::stdout().is_terminal() {
                        ctx.progress("printing a PRIVATE key set; prefer --out FILE");
                    }
                    print!("{text}");
                }
            }
        }
        KeysCommand::Stage { file, alg, kid } => {
            let current = read_key_file(&file)?;
            let key = keys::generate(alg, kid.as_deref()).map_err(usage)?;
            let kid = key.kid().to_owned();
            let staged = current.stage(key, now()).map_err(usage)?;
            write_key_file(&file, &staged)?;
            ctx.progress(&format!(
                "staged {kid:?} as verify-only in {}; {:?} still signs. Deploy this file (SIGNING_JWKS), then run \
                 `handoff keys promote`",
                file.display(),
                signer(&staged)
            ));
            println!("{kid}");
        }
        KeysCommand::Promote { file, force } => {
            let current = read_key_file(&file)?;
            let promoted = current.promote(now()).map_err(usage)?;
            let kid = signer(&promoted);
            // Every edge instance must verify the new key before any signs with it: ask the edge.
            match ctx.edge_url() {
                Some(edge_url) => match edge::published_kids(&edge_url) {
                    Ok(kids) if kids.contains(&kid) => {
                        ctx.progress(&format!(
                            "{edge_url} publishes {kid:?}: the staged set is deployed"
                        ));
                    }
                    Ok(_) if force => {
                        ctx.progress(&format!("{edge_url} does not publish {kid:?} yet (--force)"))
                    }
                    Ok(_) => {
                        return Err(usage(format!(
                            "{edge_url} does not publish {kid:?} yet: deploy the staged key set first (or --force)"
                        )));
                    }
                    Err(e) if force => {
                        ctx.progress(&format!("cannot check the edge ({e}); promoting (--force)"))
                    }
                    Err(e) => {
                        return Err(Failure {
                            code: 3,
                            message: format!("{e} (or --force)"),
                        });
                    }
                },
                None => ctx.progress("no edge URL (--edge / EDGE_URL): make sure the staged set is deployed"),
            }
            write_key_file(&file, &promoted)?;
            let retiring = promoted
                .rotation
                .promoted
                .as_ref()
                .map(|p| p.retiring.clone())
                .unwrap_or_default();
            ctx.progress(&format!(
                "{kid:?} signs now; {retiring:?} kept for verification. Deploy this file, then run `handoff keys \
                 retire` after the longest token lifetime plus {} s",
                handoff_cli::rotation::LEEWAY_SECS
            ));
            println!("{kid}");
        }
        KeysCommand::Retire { file, max_ttl, force } => {
            let current = read_key_file(&file)?;
            let Some(promotion) = current.rotation.promoted.clone() else {
                return Err(usage(
                    "nothing to retire: no promotion is pending (`handoff keys promote` first)",
                ));
            };
            // The wait counts from the promotion's deployment: the edge must sign with the promoted key already.
            if let Some(edge_url) = ctx.edge_url() {
                match edge::published_kids(&edge_url) {
                    Ok(kids) if kids.first() == Some(&promotion.kid) => {}
                    Ok(_) if force => ctx.progress(&format!(
                        "{edge_url} does not sign with {:?} yet (--force)",
                        promotion.kid
                    )),
                    Ok(_) => {
                        return Err(usage(format!(
                            "{edge_url} does not sign with {:?} yet: deploy the promoted key set first (or --force)",
                            promotion.kid
                        )));
                    }
                    Err(e) if force => {
                        ctx.progress(&format!("cannot check the edge ({e}); retiring (--force)"))
                    }
                    Err(e) => {
                        return Err(Failure {
                            code: 3,
                            message: format!("{e} (or --force)"),
                        });
                    }
                }
            }
            let retired = current.retire(now(), max_ttl, force).map_err(usage)?;
            write_key_file(&file, &retired)?;
            ctx.progress(&format!(
                "retired {:?}; deploy this file: links they signed now fail with unknown_key",
                promotion.retiring
            ));
            for kid in &promotion.retiring {
                println!("{kid}");
            }
        }
        KeysCommand::Jwks { file } => print!("{}", keys::to_text(&read_key_set(&file)?.public_jwks())),
    }
    Ok(())
}

fn run_provision(ctx: &Ctx, args: ProvisionArgs) -> Result<(), Failure> {
    let input = provision::Input {
        endpoint: ctx.require(&ctx.global.endpoint, "COGNITO_ENDPOINT", "--endpoint")?,
        region: ctx
            .settings
            .pick(ctx.global.region.as_deref(), "AWS_REGION")
            .unwrap_or_else(|| "us-east-1".into()),
        zip: args.zip,
        edge_url: ctx.require(&ctx.global.edge, "EDGE_URL", "--edge")?,
        redeem_secret: ctx.require(&args.redeem_secret, "REDEEM_SECRET", "--redeem-secret")?,
        function_name: args.function_name,
        pool_name: args.pool_name,
        demo_username: args.demo_username,
        demo_password: std::env::var("DEMO_PASSWORD").ok().filter(|p| !p.is_empty()),
    };
    let pairs = provision::run(&input, &mut |line| ctx.progress(line))
        .map_err(|message| Failure { code: 3, message })?;
    if let Some(path) = &args.write {
        provision::write_env(path, &pairs).map_err(file_error)?;
        ctx.progress(&format!("wrote {} (mode 0600)", path.display()));
    }
    for (key, value) in &pairs {
        println!("{key}={value}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let explicit = cli
        .global
        .stack_env
        .clone()
        .or_else(|| std::env::var_os("HANDOFF_STACK_ENV").map(PathBuf::from));
    let settings = match Settings::load(explicit.as_deref()) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("handoff: error: {message}");
            return ExitCode::from(4);
        }
    };
    let ctx = Ctx {
        global: cli.global,
        settings,
    };
    let result = match cli.command {
        Command::Login {
            username,
            password_stdin,
        } => login(&ctx, username, password_stdin),
        Command::Link { redirect, json } => link(&ctx, redirect, json),
        Command::Redeem { url } => redeem(&ctx, &url),
        Command::Keys(command) => run_keys(&ctx, command),
        Command::Provision(args) => run_provision(&ctx, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("handoff: error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
