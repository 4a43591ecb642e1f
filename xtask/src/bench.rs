//! `cargo xtask bench <what>`: side-by-side benchmarks that print tables (never part of the tests).
//!
//! - `edge` (`bench/edge/bench.mjs`; `--requests`, `--concurrency`, `--rounds`, `--reps` and `--scaling` are
//!   passed on): the Rust edge worker against a JavaScript + jose worker in local workerd, beside the runtime's
//!   floor (a worker making the same runtime calls with the least code, `bench/edge/floor.mjs`). Rounds interleave
//!   the workers; each row gives the median per-round ratio rust/jose, its spread, and the target, met or
//!   missed, and a second table says which targets even the floor misses. `--scaling` adds how cost grows with
//!   requests in flight and distinct users.
//!   `--cpu-profile` instead profiles the Rust worker alone on issue + redeem (`bench/edge/profile.mjs`: the V8
//!   CPU profiler through wrangler's inspector port, on a build that keeps its function names); with
//!   `--verify EdDSA|RS256`, on the verify loop of `/bench/verify` instead.
//! - `web` (`tests/browser/bench.mjs`; `--rounds`, `--profile` and `--stack` are passed on): the landing page against
//!   an aws-amplify v6 page in Chromium, beside a floor page (the two Cognito calls and nothing to download,
//!   `www/bench/floor/`; not with `--stack`, whose site does not allow its script). `--profile desktop|mobile|both` (default `both`, rounds interleaved): `desktop` is
//!   unthrottled, `mobile` is Lighthouse's mobile profile through the DevTools protocol
//!   (150 ms latency, 1.6 Mbit/s down, 750 kbit/s up, CPU 4x, a Pixel 5 viewport); `--mobile` is short for
//!   `--profile mobile`. It prints one table per profile, the per-round handoff/amplify ratios with their spread,
//!   and the targets, met or missed. Without `--stack` it runs against a loopback Cognito
//!   stand-in; with `--stack`, against the running local stack, whose edge mints every link. That edge's per-user
//!   rate limit (5 links a minute by default) would pace a 20-round run of both profiles (80 links) to about
//!   16 minutes, so the stack is checked first and the command says how to start one with raised limits.

use std::collections::BTreeMap;

use clap::Subcommand;

use crate::cmd::{self, Result};
use crate::tools::Tools;

/// Links a `--stack` run needs per round (one per page: Handoff and Amplify; the floor page runs only on the
/// benchmark's own server, without `--stack`).
const LINKS_PER_ROUND: u64 = 2;
/// The hint for a stack whose edge lets a run go at full speed.
const FAST_STACK: &str = "cargo xtask stack down && HANDOFF_RATE_ISSUES_PER_MINUTE=1000 \
                          HANDOFF_RATE_MAX_LIVE_TOKENS=100 cargo xtask stack up";

/// The benchmarks.
#[derive(Subcommand)]
pub enum Bench {
    /// The Rust edge against a JavaScript + jose worker and the runtime's floor in local workerd (bench/edge/bench.mjs)
    Edge {
        /// Issues and redeems per round and worker [default: 400]
        #[arg(long, value_name = "N")]
        requests: Option<u32>,
        /// Requests in flight [default: 16]
        #[arg(long, value_name = "C")]
        concurrency: Option<u32>,
        /// Rounds, interleaving the workers (six rounds run the six orders of the three); ratios are taken per round [default: 6]
        #[arg(long, value_name = "R")]
        rounds: Option<u32>,
        /// Repetitions of the in-workerd verify loop [default: 10]
        #[arg(long, value_name = "K")]
        reps: Option<u32>,
        /// Also measure how cost grows: 1, 16, 64, 256 in flight, and 64 vs 10,000 users (15-30 more minutes)
        #[arg(long)]
        scaling: bool,
        /// Instead of the comparison: where the Rust worker spends its CPU on issue + redeem (the V8 CPU profiler
        /// through wrangler's inspector, self time by group and function; `--requests` pairs, default 600)
        #[arg(long, conflicts_with_all = ["rounds", "reps", "scaling"])]
        cpu_profile: bool,
        /// With `--cpu-profile`: profile the verify loop of `/bench/verify` for this algorithm instead (`--requests`
        /// requests of 1000 verifies, default 600)
        #[arg(long, value_enum, value_name = "ALG", requires = "cpu_profile")]
        verify: Option<VerifyAlg>,
    },
    /// The landing page against an aws-amplify v6 page and a floor page in Chromium (tests/browser/bench.mjs)
    Web {
        /// Rounds, alternating the pages
        #[arg(long, value_name = "N", default_value_t = 20)]
        rounds: u64,
        /// Against the running stack's Cognito and edge instead of a loopback stand-in
        #[arg(long)]
        stack: bool,
        /// Which profiles to measure, rounds interleaved: unthrottled, Lighthouse's mobile throttling, or both
        #[arg(long, value_enum, default_value_t = Profile::Both)]
        profile: Profile,
        /// Short for `--profile mobile`
        #[arg(long, conflicts_with = "profile")]
        mobile: bool,
        /// Also print one sign-in per page and profile as a timeline of its requests: where the time goes
        #[arg(long)]
        timeline: bool,
    },
}

/// The signature algorithms `bench edge --cpu-profile --verify` profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyAlg {
    /// Ed25519
    #[value(name = "EdDSA")]
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256
    #[value(name = "RS256")]
    Rs256,
}

impl VerifyAlg {
    /// The JOSE name profile.mjs takes.
    fn jose(self) -> &'static str {
        match self {
            VerifyAlg::EdDsa => "EdDSA",
            VerifyAlg::Rs256 => "RS256",
        }
    }
}

/// The device and network profiles of `bench web`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// No throttling
    Desktop,
    /// Lighthouse's mobile profile: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up, CPU 4x
    Mobile,
    /// Both, rounds interleaved
    Both,
}

impl Profile {
    /// The profile `--profile` and `--mobile` ask for.
    fn chosen(profile: Profile, mobile: bool) -> Profile {
        if mobile { Profile::Mobile } else { profile }
    }

    /// The value bench.mjs takes.
    fn as_arg(self) -> &'static str {
        match self {
            Profile::Desktop => "desktop",
            Profile::Mobile => "mobile",
            Profile::Both => "both",
        }
    }

    /// How many profiles a round measures.
    fn count(self) -> u64 {
        match self {
            Profile::Both => 2,
            Profile::Desktop | Profile::Mobile => 1,
        }
    }
}

/// Runs the named benchmark.
pub fn run(tools: &Tools, bench: Bench) -> Result<()> {
    match bench {
        Bench::Edge {
            requests,
            concurrency,
            rounds,
            reps,
            scaling,
            cpu_profile,
            verify,
        } => {
            if cpu_profile {
                let given = [("--pairs", requests), ("--concurrency", concurrency)];
                let args = given
                    .into_iter()
                    .filter_map(|(flag, value)| Some([flag.to_owned(), value?.to_string()]))
                    .flatten()
                    .chain(
                        verify
                            .into_iter()
                            .flat_map(|alg| ["--verify".to_owned(), alg.jose().to_owned()]),
                    );
                // Node 20's WebSocket (the inspector's transport) is behind this flag; later versions accept it.
                return cmd::run(
                    "bench",
                    tools
                        .command("node")
                        .args(["--experimental-websocket", "bench/edge/profile.mjs"])
                        .args(args),
                );
            }
            let given = [
                ("--requests", requests),
                ("--concurrency", concurrency),
                ("--rounds", rounds),
                ("--reps", reps),
            ];
            let args = given
                .into_iter()
                .filter_map(|(flag, value)| Some([flag.to_owned(), value?.to_string()]))
                .flatten()
                .chain(scaling.then(|| "--scaling".to_owned()));
            node(tools, "bench/edge/bench.mjs", args)
        }
        Bench::Web {
            rounds,
            stack,
            profile,
            mobile,
            timeline,
        } => {
            let profile = Profile::chosen(profile, mobile);
            if stack {
                let Ok(text) = std::fs::read_to_string(tools.root.join(".stack/env")) else {
                    return Err(cmd::Error::msg(format!(
                        "--stack needs the local stack, and no .stack/env was found. Start one whose \
                         edge does not throttle the benchmark's links:\n  {FAST_STACK}"
                    )));
                };
                // Every profile signs in with both pages each round: as many links as that many one-profile rounds.
                if let Some(note) = pacing_note(&parse_env(&text), rounds * profile.count()) {
                    eprintln!("{note}");
                }
            }
            let mut args = vec![
                "--rounds".to_owned(),
                rounds.to_string(),
                "--profile".to_owned(),
                profile.as_arg().to_owned(),
            ];
            if stack {
                args.push("--stack".into());
            }
            if timeline {
                args.push("--timeline".into());
            }
            node(tools, "tests/browser/bench.mjs", args)
        }
    }
}

/// Runs a node script from the repository root with the pinned tools on PATH.
fn node(tools: &Tools, script: &str, args: impl IntoIterator<Item = String>) -> Result<()> {
    cmd::run("bench", tools.command("node").arg(script).args(args))
}

fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// What to tell the user when the running stack's edge will throttle a run of `rounds` (of one profile each: a
/// round of both profiles counts twice), if anything.
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
    fn a_throttling_stack_gets_a_hint_and_a_fast_one_none() {
        assert!(pacing_note(&env(Some("1000")), 20).is_none());
        let note = pacing_note(&env(Some("5")), 20).unwrap();
        assert!(
            note.contains("needs 40") && note.contains("HANDOFF_RATE_ISSUES_PER_MINUTE="),
            "{note}"
        );
        assert!(pacing_note(&env(None), 20).unwrap().contains("default is 5"));
    }

    #[derive(clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        bench: Bench,
    }

    fn web_profile(args: &[&str]) -> std::result::Result<Profile, clap::Error> {
        use clap::Parser;
        let cli = Cli::try_parse_from(["bench", "web"].iter().chain(args))?;
        match cli.bench {
            Bench::Web { profile, mobile, .. } => Ok(Profile::chosen(profile, mobile)),
            Bench::Edge { .. } => unreachable!("parsed `web`"),
        }
    }

    #[test]
    fn web_profiles_default_to_both_and_mobile_is_a_shorthand() {
        assert_eq!(web_profile(&[]).unwrap(), Profile::Both);
        assert_eq!(web_profile(&["--mobile"]).unwrap(), Profile::Mobile);
        assert_eq!(web_profile(&["--profile", "desktop"]).unwrap(), Profile::Desktop);
        assert!(web_profile(&["--profile", "desktop", "--mobile"]).is_err());
        assert!(web_profile(&["--profile", "tablet"]).is_err());
        assert_eq!(Profile::Both.count() * LINKS_PER_ROUND, 4);
    }

    fn edge_verify(args: &[&str]) -> std::result::Result<Option<VerifyAlg>, clap::Error> {
        use clap::Parser;
        let cli = Cli::try_parse_from(["bench", "edge"].iter().chain(args))?;
        match cli.bench {
            Bench::Edge { verify, .. } => Ok(verify),
            Bench::Web { .. } => unreachable!("parsed `edge`"),
        }
    }

    #[test]
    fn the_verify_profile_takes_a_jose_algorithm_name_and_only_with_the_cpu_profile() {
        assert_eq!(edge_verify(&["--cpu-profile"]).unwrap(), None);
        let rs = edge_verify(&["--cpu-profile", "--verify", "RS256"]).unwrap();
        assert_eq!(rs.map(VerifyAlg::jose), Some("RS256"));
        let ed = edge_verify(&["--cpu-profile", "--verify", "EdDSA"]).unwrap();
        assert_eq!(ed.map(VerifyAlg::jose), Some("EdDSA"));
        assert!(
            edge_verify(&["--verify", "RS256"]).is_err(),
            "a verify profile is a CPU profile"
        );
        assert!(edge_verify(&["--cpu-profile", "--verify", "HS256"]).is_err());
    }
}
