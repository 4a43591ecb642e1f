//! `cargo xtask bench <what>`: side-by-side benchmarks that print tables (never part of the tests).
//!
//! - `edge`: the Rust edge worker against a JavaScript + jose worker in local workerd
//!   (`bench/edge/bench.mjs`; extra arguments such as `--requests 5000` are passed through).
//! - `web`: the landing page against an aws-amplify v6 page in Chromium (`tests/browser/bench.mjs`; arguments
//!   such as `--rounds 20` and `--stack` are passed through). Without `--stack` it runs against a loopback Cognito
//!   stand-in; with `--stack`, against the running local stack, whose edge mints every link. That edge's per-user
//!   rate limit (5 links a minute by default) would pace a 20-round run (40 links) to about 8 minutes, so the stack
//!   is checked first and the command says how to start one with raised limits.

use std::collections::BTreeMap;
use std::process::ExitCode;

use crate::tools::Tools;

/// Links a `--stack` run needs per round (one per page variant).
const LINKS_PER_ROUND: u64 = 2;
/// The rounds `tests/browser/bench.mjs` runs by default.
const DEFAULT_ROUNDS: u64 = 20;
/// The hint for a stack whose edge lets a run go at full speed.
const FAST_STACK: &str = "cargo xtask stack down && HANDOFF_RATE_ISSUES_PER_MINUTE=1000 \
                          HANDOFF_RATE_MAX_LIVE_TOKENS=100 cargo xtask stack up";

/// Runs the named benchmark.
pub fn run(args: &[String]) -> ExitCode {
    match args.split_first() {
        Some((what, rest)) if what == "edge" => node("bench/edge/bench.mjs", rest),
        Some((what, rest)) if what == "web" => web(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask bench edge [--requests N] [--concurrency C] [--rounds R] [--reps K]\n       \
                 cargo xtask bench web [--rounds N] [--stack]"
            );
            ExitCode::from(2)
        }
    }
}

/// Runs a node script from the repository root with the pinned tools on PATH.
fn node(script: &str, rest: &[String]) -> ExitCode {
    let tools = match Tools::locate() {
        Ok(tools) => tools,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut command = tools.command("node");
    command.current_dir(&tools.root).arg(script).args(rest);
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: cannot run node: {err}");
            ExitCode::FAILURE
        }
    }
}

fn web(rest: &[String]) -> ExitCode {
    if rest.iter().any(|a| a == "--stack") {
        let tools = match Tools::locate() {
            Ok(tools) => tools,
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        };
        let env_file = tools.root.join(".stack/env");
        let Ok(text) = std::fs::read_to_string(&env_file) else {
            eprintln!(
                "bench web: --stack needs the local stack, and no .stack/env was found. Start one whose edge \
                 does not throttle the benchmark's links:\n  {FAST_STACK}"
            );
            return ExitCode::from(2);
        };
        let rounds = rounds(rest);
        if let Some(note) = pacing_note(&parse_env(&text), rounds) {
            eprintln!("{note}");
        }
    }
    node("tests/browser/bench.mjs", rest)
}

/// `--rounds N` from the passed-through arguments.
fn rounds(rest: &[String]) -> u64 {
    rest.iter()
        .position(|a| a == "--rounds")
        .and_then(|i| rest.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_ROUNDS)
}

fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// What to tell the user when the running stack's edge will throttle a run of `rounds`, if anything.
fn pacing_note(env: &BTreeMap<String, String>, rounds: u64) -> Option<String> {
    let links = rounds * LINKS_PER_ROUND;
    let per_minute = env
        .get("RATE_ISSUES_PER_MINUTE")
        .and_then(|v| v.parse::<u64>().ok());
    match per_minute {
        Some(n) if n >= links => None,
        Some(n) => Some(format!(
            "bench web: the stack's edge issues at most {n} links a minute per user and this run needs {links}: \
             it will wait for the rate limit (about {} min). For a run at full speed:\n  {FAST_STACK}",
            links.div_ceil(n.max(1)).saturating_sub(1)
        )),
        None => Some(format!(
            "bench web: this stack does not say its edge's rate limit (started before it was configurable; \
             the default is 5 links a minute). For a run at full speed:\n  {FAST_STACK}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(rate: Option<&str>) -> BTreeMap<String, String> {
        parse_env(&rate.map_or(String::new(), |r| {
            format!("EDGE_URL=x\nRATE_ISSUES_PER_MINUTE={r}\n")
        }))
    }

    #[test]
    fn rounds_come_from_the_passed_through_arguments() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(rounds(&args(&["--stack", "--rounds", "7"])), 7);
        assert_eq!(rounds(&args(&["--stack"])), DEFAULT_ROUNDS);
        assert_eq!(rounds(&args(&["--rounds"])), DEFAULT_ROUNDS);
    }

    #[test]
    fn a_throttling_stack_gets_a_hint_and_a_fast_one_none() {
        assert!(pacing_note(&env(Some("1000")), 20).is_none());
        let note = pacing_note(&env(Some("5")), 20).unwrap();
        assert!(
            note.contains("needs 40") && note.contains("HANDOFF_RATE_ISSUES_PER_MINUTE="),
            "{note}"
        );
        assert!(pacing_note(&env(None), 20).unwrap().contains("default is 5"));
    }
}
