//! `handoff provision`: the local Cognito side on an emulator (ministack): pool, clients, a user, the trigger
//! function. Prints KEY=VALUE lines (`cargo xtask stack up` runs it).

use std::path::PathBuf;

use handoff_cli::provision;

use super::{Ctx, Exit, Failure, file_error};

/// `handoff provision` flags.
#[derive(clap::Args)]
pub struct Args {
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
    /// The user to create (printed as DEMO_USERNAME; its password, DEMO_PASSWORD, comes from the environment
    /// variable of that name or is generated)
    #[arg(long, default_value = "demo")]
    demo_username: String,
    /// Also write the lines to FILE (mode 0600)
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
}

/// Provisions and prints the settings.
pub fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
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
        .map_err(|message| Failure::new(Exit::Unavailable, message))?;
    if let Some(path) = &args.write {
        provision::write_env(path, &pairs).map_err(file_error)?;
        ctx.progress(&format!("wrote {} (mode 0600)", path.display()));
    }
    for (key, value) in &pairs {
        println!("{key}={value}");
    }
    Ok(())
}
