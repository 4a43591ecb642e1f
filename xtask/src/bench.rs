//! `cargo xtask bench <what>`: side-by-side benchmarks that print tables (never part of the tests).
//!
//! - `edge`: the Rust edge worker against a JavaScript + jose worker in local workerd
//!   (`bench/edge/bench.mjs`; extra arguments such as `--requests 5000` are passed through).

use std::process::ExitCode;

use crate::tools::Tools;

/// Runs the named benchmark.
pub fn run(args: &[String]) -> ExitCode {
    match args.split_first() {
        Some((what, rest)) if what == "edge" => edge(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask bench edge [--requests N] [--concurrency C] [--rounds R] [--reps K]\n\
                 (the landing page vs Amplify benchmark is not built yet)"
            );
            ExitCode::from(2)
        }
    }
}

fn edge(rest: &[String]) -> ExitCode {
    let tools = match Tools::locate() {
        Ok(tools) => tools,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut command = tools.command("node");
    command.arg("bench/edge/bench.mjs").args(rest);
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: cannot run node: {err}");
            ExitCode::FAILURE
        }
    }
}
