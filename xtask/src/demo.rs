//! `cargo xtask demo`: placeholder until the local stack exists.

use std::process::ExitCode;

/// Not built yet.
pub fn run(_args: &[String]) -> ExitCode {
    eprintln!(
        "not built yet: `cargo xtask demo` (the whole flow against the local stack) comes in a later session"
    );
    ExitCode::from(2)
}
