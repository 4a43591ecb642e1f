//! Handoff's automation: `cargo xtask setup | test | demo | stack | bench | build-web | package`.
//!
//! Arguments are parsed by clap: `cargo xtask --help` lists the commands, `cargo xtask <command> --help` (or
//! `cargo xtask help <command>`) prints one command's usage and exits 0 without running it.

#![forbid(unsafe_code)]

mod bench;
mod cmd;
mod demo;
#[cfg(test)]
mod docs;
mod glue_names;
mod layering;
mod package;
mod results;
mod setup;
mod stack;
mod supervise;
mod test;
mod tools;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmd::Result;
use tools::Tools;

/// Handoff's automation: setup, tests, the demo, the local stack, benchmarks and packaging.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install every pinned tool (idempotent: present tools are only checked)
    ///
    /// The rust wasm32 target, wasm-bindgen-cli (= Cargo.lock), worker-build, wasm-pack, chromium + chromedriver
    /// (Debian), the npm packages (package-lock.json), the ministack venv, cargo-lambda, qemu-user, the fuzz
    /// nightly and cargo-fuzz, dev secrets.
    Setup,
    /// Setup, then every check and test layer; the last line is `N passed, M failed`
    ///
    /// fmt, clippy (native + wasm32), cargo doc, layering, native, wasm32, workerd, bootstrap, browser, node,
    /// fuzz-smoke and stack tests, then a summary table. A test layer that finds no tests fails.
    Test {
        /// Skip setup (every tool is already installed)
        #[arg(long)]
        no_setup: bool,
    },
    /// The main job: from the "mobile app" into a signed-in web page
    ///
    /// Setup, build, stack up, sign in as the mobile app, open a handoff link in headless Chromium until the
    /// Amplify demo app shows the user (screenshot in artifacts/demo/), then print a fresh link and keep the
    /// stack up until Ctrl-C.
    Demo {
        /// Stop the stack (unless it was up before) and exit right after the automated handoff
        #[arg(long)]
        exit: bool,
    },
    /// The local stack in the background (ministack + trigger + edge + site), settings in .stack/env
    Stack {
        #[command(subcommand)]
        action: stack::Action,
    },
    /// Side-by-side benchmarks that print tables (never part of the tests)
    Bench {
        #[command(subcommand)]
        what: bench::Bench,
    },
    /// The landing page, the npm package (pkg/) and the static site (target/web/site/)
    BuildWeb(web::ConfigArg),
    /// Every deployable artifact in target/package/, checked, with a size table
    ///
    /// The trigger Lambda zips for x86_64 and arm64 (cargo-lambda), the edge worker bundle (wrangler --env
    /// production), the production landing site (no dev-only pages).
    Package(web::ConfigArg),
    /// The trigger's binary tests against the bootstrap in a packaged zip (arm64 under qemu-user)
    TestBootstrap {
        /// The zip's architecture
        #[arg(value_enum)]
        arch: package::Arch,
    },
    /// Core has no I/O, runtime or platform dependency; adapters depend only on core
    CheckLayering,
}

fn main() -> ExitCode {
    // Help and usage errors print and exit here (help 0, errors 2); a closed pipe is not an error.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    let tools = Tools::locate()?;
    match command {
        Command::Setup => setup::run(&tools)?,
        // The summary's last line is the verdict: nothing is printed after it.
        Command::Test { no_setup } => return Ok(exit_code(test::run(&tools, no_setup))),
        Command::Demo { exit } => demo::run(&tools, exit)?,
        Command::Stack { action } => stack::run(&tools, action)?,
        Command::Bench { what } => bench::run(&tools, what)?,
        Command::BuildWeb(config) => web::run(&tools, &config)?,
        Command::Package(config) => package::run(&tools, &config)?,
        Command::TestBootstrap { arch } => package::run_bootstrap_tests(&tools, arch)?,
        Command::CheckLayering => return Ok(exit_code(layering::run(&tools)?)),
    }
    Ok(ExitCode::SUCCESS)
}

fn exit_code(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `cargo xtask <command> --help` and `help <command>` print that command's help (exit 0) and run nothing.
    #[test]
    fn every_command_has_help() {
        for name in [
            "setup",
            "test",
            "demo",
            "stack",
            "bench",
            "build-web",
            "package",
            "test-bootstrap",
            "check-layering",
        ] {
            for args in [vec!["xtask", name, "--help"], vec!["xtask", "help", name]] {
                let err = Cli::try_parse_from(&args)
                    .err()
                    .expect("help is not a command to run");
                assert_eq!(err.kind(), ErrorKind::DisplayHelp, "{args:?}");
                assert_eq!(err.exit_code(), 0);
                assert!(
                    err.to_string().contains(&format!("cargo xtask {name}")),
                    "{args:?}: {err}"
                );
            }
        }
    }

    #[test]
    fn commands_parse_their_flags() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.command);
        assert!(matches!(
            parse(&["xtask", "test", "--no-setup"]),
            Ok(Command::Test { no_setup: true })
        ));
        assert!(matches!(
            parse(&["xtask", "stack", "redeploy-edge"]),
            Ok(Command::Stack {
                action: stack::Action::RedeployEdge
            })
        ));
        assert!(matches!(
            parse(&["xtask", "test-bootstrap", "arm64"]),
            Ok(Command::TestBootstrap {
                arch: package::Arch::Arm64
            })
        ));
        assert!(parse(&["xtask", "test-bootstrap", "x86"]).is_err());
        assert!(parse(&["xtask", "setup", "extra"]).is_err());
        let err = parse(&["xtask"]).err().unwrap();
        assert_eq!(err.exit_code(), 2, "no command is a usage error");
    }
}
