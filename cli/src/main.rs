//! `handoff`: the reference mobile client and operator tool. See `handoff --help`; each command is a file in
//! `commands/`.
#![forbid(unsafe_code)]

mod commands;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use commands::{Ctx, Exit, Global, keys, link, login, provision, revoke, sign_in_link};

const SETTINGS: &str = "\
Settings come from flags, then environment variables, then a local stack's env file when one is named
(--stack-env FILE or HANDOFF_STACK_ENV), then the settings file `config` (KEY=VALUE lines with the variables'
names) in $HANDOFF_HOME, else $XDG_CONFIG_HOME/handoff, else ~/.config/handoff. The session `login` saves
(session.json, mode 0600) lives in that directory too, or next to the named stack env file.";

#[derive(Parser)]
#[command(
    name = "handoff",
    version,
    about = "Handoff's reference mobile client and operator tool"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in as the mobile app (SRP, or USER_PASSWORD_AUTH, on the mobile client) and keep the tokens (mode 0600)
    Login(login::Args),
    /// Ask the edge for a handoff link for the signed-in user (or a given access token); prints the URL
    Link(link::Args),
    /// Sign in with a handoff link as the landing page does (CUSTOM_AUTH on the web client); prints the id
    /// token's claims
    #[command(alias = "redeem")]
    SignInLink(sign_in_link::Args),
    /// Revoke every live handoff link of the signed-in user (or a given access token); prints how many
    Revoke(revoke::Args),
    /// Manage the edge's signing keys (JWK Set files)
    #[command(subcommand)]
    Keys(keys::Command),
    /// Create the local Cognito side on an emulator (ministack); prints KEY=VALUE lines
    Provision(provision::Args),
}

/// `--help`'s closing text: where settings come from, and the exit codes from [`Exit`].
fn after_help() -> String {
    let codes: Vec<String> = Exit::ALL
        .iter()
        .map(|e| format!("{} {}", *e as u8, e.meaning()))
        .collect();
    format!("Exit codes: {}.\n\n{SETTINGS}", codes.join(", "))
}

fn main() -> ExitCode {
    let matches = Cli::command().after_help(after_help()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = Ctx::new(cli.global).and_then(|ctx| match cli.command {
        Command::Login(args) => login::run(&ctx, args),
        Command::Link(args) => link::run(&ctx, args),
        Command::SignInLink(args) => sign_in_link::run(&ctx, args),
        Command::Revoke(args) => revoke::run(&ctx, args),
        Command::Keys(command) => keys::run(&ctx, command),
        Command::Provision(args) => provision::run(&ctx, args),
    });
    match result {
        Ok(()) => Exit::Success.into(),
        Err(failure) => {
            eprintln!("handoff: error: {}", failure.message);
            failure.exit.into()
        }
    }
}
