//! `handoff login`: sign in as the mobile app and keep the tokens (mode 0600) for `link` and `revoke`.

use handoff_cli::signin::{self, AuthFlow, Credentials, SignInError};
use handoff_cli::srp::Srp;
use handoff_cli::state::{self, Session};

use super::{Ctx, Exit, Failure, file_error, from_cognito, now, read_secret_line, usage};

/// `handoff login` flags.
#[derive(clap::Args)]
pub struct Args {
    /// Cognito username [default: HANDOFF_USERNAME, else the --stack-env file's demo user]
    #[arg(long)]
    username: Option<String>,
    /// Read the password from the first line of stdin (hidden on a terminal) [default: HANDOFF_PASSWORD, else
    /// the --stack-env file's password for its demo user]
    #[arg(long)]
    password_stdin: bool,
    /// How to prove the password: srp (USER_SRP_AUTH + PASSWORD_VERIFIER; the password never leaves this
    /// machine) or password (USER_PASSWORD_AUTH) [default: srp, falling back to password, with a message, when
    /// the app client does not allow SRP; a flow given here is never replaced]
    #[arg(long, value_enum, value_name = "FLOW")]
    auth_flow: Option<AuthFlow>,
}

/// Signs in and saves the session.
pub fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
    let username = ctx
        .settings
        .pick(args.username.as_deref(), "HANDOFF_USERNAME")
        .or_else(|| ctx.settings.stack_value("DEMO_USERNAME"))
        .ok_or_else(|| usage("no username: pass --username or set HANDOFF_USERNAME"))?;
    let client_id = ctx.require(&ctx.global.mobile_client, "MOBILE_CLIENT_ID", "--mobile-client")?;
    let password = if args.password_stdin {
        read_secret_line("password")?
    } else if let Some(p) = std::env::var("HANDOFF_PASSWORD").ok().filter(|p| !p.is_empty()) {
        p
    } else if ctx.settings.stack_value("DEMO_USERNAME").as_deref() == Some(username.as_str()) {
        ctx.settings
            .stack_value("DEMO_PASSWORD")
            .ok_or_else(|| usage("no password: use --password-stdin or set HANDOFF_PASSWORD"))?
    } else {
        return Err(usage("no password: use --password-stdin or set HANDOFF_PASSWORD"));
    };
    if password.is_empty() {
        return Err(usage("the password is empty"));
    }
    let endpoint = ctx.endpoint()?;
    let pool_id = ctx.user_pool();
    let srp = Srp::random().map_err(|e| Failure::new(Exit::Unavailable, e))?;
    let credentials = Credentials {
        client_id: &client_id,
        pool_id: pool_id.as_deref(),
        username: &username,
        password: &password,
    };
    let (used, tokens) = signin::sign_in(
        &ctx.cognito()?,
        args.auth_flow,
        &credentials,
        &srp,
        now(),
        &mut |line| ctx.progress(line),
    )
    .map_err(|e| match e {
        SignInError::Cognito(e) => from_cognito(&e),
        SignInError::NoPoolId => usage(e.to_string()),
        SignInError::Srp(_) | SignInError::Challenge(_) => Failure::new(Exit::Refused, e.to_string()),
    })?;
    let session = Session {
        username,
        client_id,
        endpoint,
        tokens,
    };
    let dir = ctx.settings.state_dir().map_err(usage)?;
    let path = state::save(&dir, &session).map_err(file_error)?;
    ctx.progress(&format!(
        "signed in ({}); tokens saved to {} (mode 0600)",
        used.cognito_name(),
        path.display()
    ));
    Ok(())
}
