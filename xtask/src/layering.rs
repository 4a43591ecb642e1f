//! `cargo xtask check-layering`: the dependency rules of docs/design.md, checked with `cargo tree`.
//! Core stays pure (no worker, Lambda, browser, async runtime or HTTP client), and no adapter depends on another.

use crate::cmd::{self, Result};
use crate::tools::Tools;

/// Crates that would bring I/O, a runtime or a platform into core.
const FORBIDDEN_IN_CORE: &[&str] = &[
    "worker",
    "lambda_runtime",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "tokio",
    "reqwest",
    "hyper",
    "ureq",
    "gloo-net",
    "leptos",
    "getrandom",
];
/// The adapters: each depends on core, none on another.
const ADAPTERS: &[&str] = &["handoff-edge", "handoff-triggers", "handoff-web", "handoff-cli"];

/// Names of the crates in `package`'s normal dependency tree (with `features`, if any).
fn tree(tools: &Tools, package: &str, features: &[&str]) -> Result<Vec<String>> {
    let mut tree = tools.command("cargo");
    tree.args(["tree", "-q", "-p", package, "-e", "normal", "--prefix", "none"]);
    for f in features {
        tree.args(["--features", f]);
    }
    let out = cmd::capture("check-layering", &mut tree)?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

fn violations(tools: &Tools) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for features in [&[][..], &["rust-crypto"][..]] {
        for name in tree(tools, "handoff-core", features)? {
            // jsonwebtoken's RSA signer draws blinding randomness itself (signatures stay deterministic);
            // core never draws any, so getrandom is tolerated behind the optional backend only.
            let tolerated = !features.is_empty() && name == "getrandom";
            if FORBIDDEN_IN_CORE.contains(&name.as_str()) && !tolerated {
                found.push(format!("handoff-core (features {features:?}) depends on {name}"));
            }
        }
    }
    for adapter in ADAPTERS {
        for name in tree(tools, adapter, &[])? {
            if name != *adapter && ADAPTERS.contains(&name.as_str()) {
                found.push(format!(
                    "{adapter} depends on {name}: adapters depend only on core"
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Runs the check and prints one `test result:` line the summary counts; whether the layering holds.
pub fn run(tools: &Tools) -> Result<bool> {
    let found = violations(tools)?;
    for line in &found {
        eprintln!("layering violation: {line}");
    }
    if found.is_empty() {
        println!("layering: core is pure and adapters are independent");
        println!("test result: ok. 1 passed; 0 failed");
    } else {
        println!("test result: FAILED. 0 passed; 1 failed");
    }
    Ok(found.is_empty())
}
