//! Handoff's automation: `cargo xtask setup | test | demo | stack | bench`.
//!
//! Std only, so it compiles in seconds on a fresh machine before anything else is installed.

#![forbid(unsafe_code)]

mod bench;
mod cmd;
mod demo;
mod layering;
mod package;
mod results;
mod setup;
mod stack;
mod test;
mod tools;
mod web;

use std::process::ExitCode;

use tools::Tools;

/// One command: how it is called and what it does (for `cargo xtask --help` and `cargo xtask <command> --help`).
struct Help {
    name: &'static str,
    synopsis: &'static str,
    about: &'static str,
}

const COMMANDS: &[Help] = &[
    Help {
        name: "setup",
        synopsis: "setup",
        about: "install every pinned tool (idempotent: present tools are only checked)\n\
                rust wasm32 target, wasm-bindgen-cli (= Cargo.lock), worker-build, chromium +\n\
                chromedriver (Debian), npm packages (package-lock.json), ministack venv, dev secrets",
    },
    Help {
        name: "test",
        synopsis: "test [--no-setup]",
        about: "setup, then fmt, clippy (native + wasm32), native tests, core's wasm32 tests\n\
                under node, node --test; prints a summary ending in `N passed, M failed`",
    },
    Help {
        name: "demo",
        synopsis: "demo [--exit]",
        about: "the main job: setup, build, stack up, sign in as the mobile app, open a handoff\n\
                link in headless Chromium until the Amplify demo app shows the user (screenshot in\n\
                artifacts/demo/), then print a fresh link and keep the stack up until Ctrl-C",
    },
    Help {
        name: "stack",
        synopsis: "stack up|down|status|redeploy-edge",
        about: "local stack in the background (ministack + trigger + edge + site), .stack/env;\n\
                HANDOFF_RATE_ISSUES_PER_MINUTE / HANDOFF_RATE_MAX_LIVE_TOKENS at `up` raise the\n\
                edge's per-user limits (defaults 5 and 3); redeploy-edge restarts the edge with\n\
                the current .stack/signing.jwks and .stack/redeem-secrets",
    },
    Help {
        name: "bench",
        synopsis: "bench edge [ARGS] | bench web [--rounds N] [--stack]",
        about: "edge: the Rust edge against a jose worker in workerd (bench/edge/bench.mjs ARGS);\n\
                web: the landing page against an aws-amplify v6 page in Chromium\n\
                (tests/browser/bench.mjs); --stack: the running stack's Cognito and edge",
    },
    Help {
        name: "build-web",
        synopsis: "build-web [--config FILE]",
        about: "landing page + npm package (pkg/) + static site (target/web/site/)",
    },
    Help {
        name: "package",
        synopsis: "package [--config FILE]",
        about: "every deployable artifact in target/package/, checked, with a size table:\n\
                the trigger Lambda zips for x86_64 and arm64 (cargo-lambda), the edge worker bundle\n\
                (wrangler --env production), the production landing site (no dev-only pages)",
    },
    Help {
        name: "test-bootstrap",
        synopsis: "test-bootstrap x86_64|arm64",
        about: "the trigger's binary tests against the bootstrap in a packaged zip\n\
                (arm64 under qemu-user)",
    },
    Help {
        name: "check-layering",
        synopsis: "check-layering",
        about: "core has no I/O, runtime or platform dependency; adapters depend only on core",
    },
    Help {
        name: "help",
        synopsis: "help [COMMAND]",
        about: "this text, or one command's (also `cargo xtask COMMAND --help`)",
    },
];

/// Every command's synopsis and description.
fn usage() -> String {
    let mut text = String::from("usage: cargo xtask <command>\n\ncommands:");
    for help in COMMANDS {
        let mut lines = help.about.lines();
        let first = lines.next().unwrap_or_default();
        if help.synopsis.len() <= 18 {
            text.push_str(&format!("\n  {:<18} {first}", help.synopsis));
        } else {
            text.push_str(&format!("\n  {}\n  {:<18} {first}", help.synopsis, ""));
        }
        for line in lines {
            text.push_str(&format!("\n  {:<18} {line}", ""));
        }
    }
    text
}

/// One command's help, or `None` for an unknown command.
fn command_help(name: &str) -> Option<String> {
    let help = COMMANDS.iter().find(|h| h.name == name)?;
    Some(format!("usage: cargo xtask {}\n\n{}", help.synopsis, help.about))
}

/// Prints help to stdout; a closed pipe (`| head`) is not an error.
fn print_help(text: &str) -> ExitCode {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    };
    // `cargo xtask <command> --help` (anywhere after the command) only prints help: it never runs the command.
    let wants_help = rest.iter().any(|a| a == "-h" || a == "--help");
    if wants_help || command == "help" {
        let topic = if wants_help {
            Some(command.as_str())
        } else {
            rest.first().map(String::as_str)
        };
        return match topic {
            None | Some("help" | "-h" | "--help") => print_help(&usage()),
            Some(name) => match command_help(name) {
                Some(text) => print_help(&text),
                None => usage_error(&format!("unknown command `{name}`")),
            },
        };
    }
    match command.as_str() {
        "-h" | "--help" => print_help(&usage()),
        "setup" => match rest {
            [] => with_tools(|tools| match setup::run(tools) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }),
            _ => usage_error(&format!("`setup` takes no arguments, got `{}`", rest.join(" "))),
        },
        "test" => match rest {
            [] => with_tools(|tools| exit(test::run(tools, false))),
            [flag] if flag == "--no-setup" => with_tools(|tools| exit(test::run(tools, true))),
            _ => usage_error(&format!("unknown `test` arguments `{}`", rest.join(" "))),
        },
        "check-layering" => layering::run(),
        "demo" => demo::run(rest),
        "stack" => stack::run(rest),
        "bench" => bench::run(rest),
        "build-web" => web::run(rest),
        "package" => package::run(rest),
        "test-bootstrap" => package::run_bootstrap_tests(rest),
        other => usage_error(&format!("unknown command `{other}`")),
    }
}

fn with_tools(f: impl FnOnce(&Tools) -> ExitCode) -> ExitCode {
    match Tools::locate() {
        Ok(tools) => f(&tools),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{}", usage());
    ExitCode::from(2)
}
