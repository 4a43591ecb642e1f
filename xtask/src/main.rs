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

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup              install every pinned tool (idempotent: present tools are only checked)
                     rust wasm32 target, wasm-bindgen-cli (= Cargo.lock), worker-build, chromium +
                     chromedriver (Debian), npm packages (package-lock.json), ministack venv, dev secrets
  test [--no-setup]  setup, then fmt, clippy (native + wasm32), native tests, core's wasm32 tests
                     under node, node --test; prints a summary ending in `N passed, M failed`
  demo [--exit]      the main job: setup, build, stack up, sign in as the mobile app, open a handoff
                     link in headless Chromium until the Amplify demo app shows the user (screenshot in
                     artifacts/demo/), then print a fresh link and keep the stack up until Ctrl-C
  stack up|down|status  local stack in the background (ministack + trigger + edge + site), .stack/env;
                     HANDOFF_RATE_ISSUES_PER_MINUTE / HANDOFF_RATE_MAX_LIVE_TOKENS at `up` raise the
                     edge's per-user limits (defaults 5 and 3)
  bench edge [ARGS]  the Rust edge against a jose worker in workerd (bench/edge/bench.mjs ARGS)
  bench web [--rounds N] [--stack]  the landing page against an aws-amplify v6 page in Chromium
                     (tests/browser/bench.mjs); --stack: the running stack's Cognito and edge
  build-web [--config FILE]  landing page + npm package (pkg/) + static site (target/web/site/)
  package [--config FILE]  every deployable artifact in target/package/, checked, with a size table:
                     the trigger Lambda zips for x86_64 and arm64 (cargo-lambda), the edge worker bundle
                     (wrangler --env production), the production landing site (no dev-only pages)
  test-bootstrap x86_64|arm64  the trigger's binary tests against the bootstrap in a packaged zip
                     (arm64 under qemu-user)
  check-layering     core has no I/O, runtime or platform dependency; adapters depend only on core
  help               this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
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
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
