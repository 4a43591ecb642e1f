//! `cargo xtask bench`: placeholder until the benchmarks exist.

use std::process::ExitCode;

/// Not built yet.
pub fn run(_args: &[String]) -> ExitCode {
    eprintln!(
        "not built yet: `cargo xtask bench` (redeem vs jose in workerd, landing page vs Amplify) comes in a later session"
    );
    ExitCode::from(2)
}
