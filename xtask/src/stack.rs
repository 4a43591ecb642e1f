//! `cargo xtask stack up|down`: placeholder until the local stack (ministack, trigger, edge) exists.

use std::process::ExitCode;

/// Not built yet.
pub fn run(_args: &[String]) -> ExitCode {
    eprintln!(
        "not built yet: `cargo xtask stack up|down` (ministack + trigger bootstrap + wrangler dev) comes in a later session"
    );
    ExitCode::from(2)
}
