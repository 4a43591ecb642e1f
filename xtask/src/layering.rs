//! `cargo xtask check-layering`: the dependency rules of DESIGN.md, checked with `cargo tree`.
//! Core stays pure (no worker, Lambda, browser, async runtime or HTTP client), and no adapter depends on another.

use std::process::{Command, ExitCode};

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
fn tree(package: &str, features: &[&str]) -> Result<Vec<String>, String> {
    let mut cmd = Command::new("cargo");
    cmd.args(["tree", "-q", "-p", package, "-e", "normal", "--prefix", "none"]);
    for f in features {
        cmd.args(["--features", f]);
    }
    let out = cmd.output().map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree -p {package} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

fn violations() -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for features in [&[][..], &["rust-crypto"][..]] {
        for name in tree("handoff-core", features)? {
            // jsonwebtoken's RSA signer draws blinding randomness itself (signatures stay deterministic);
            // core never draws any, so getrandom is tolerated behind the optional backend only.
            let tolerated = !features.is_empty() && name == "getrandom";
            if FORBIDDEN_IN_CORE.contains(&name.as_str()) && !tolerated {
                found.push(format!("handoff-core (features {features:?}) depends on {name}"));
            }
        }
    }
    for adapter in ADAPTERS {
        for name in tree(adapter, &[])? {
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

/// Runs the check and prints one `test result:` line the summary counts.
pub fn run() -> ExitCode {
    match violations() {
        Ok(v) if v.is_empty() => {
            println!("layering: core is pure and adapters are independent");
            println!("test result: ok. 1 passed; 0 failed");
            ExitCode::SUCCESS
        }
        Ok(v) => {
            for line in &v {
                eprintln!("layering violation: {line}");
            }
            println!("test result: FAILED. 0 passed; 1 failed");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
