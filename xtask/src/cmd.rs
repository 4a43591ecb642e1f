//! Running child processes, and the one error type: every failure names its step and its command.

use std::fmt;
use std::io;
use std::process::{Command, ExitStatus, Stdio};

/// A failure to report to the user; `main` prints it and exits non-zero.
#[derive(Debug)]
pub struct Error(String);

/// Result of an xtask operation.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with a complete message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// `step` failed while running `command`.
    pub fn step(step: &str, command: &str, detail: impl fmt::Display) -> Self {
        Self(format!("step `{step}` failed: `{command}`: {detail}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The command line as the user would type it, for headers and error messages.
pub fn display(cmd: &Command) -> String {
    let mut shown = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

/// Explains a spawn failure; "not found" is the common one and deserves a hint.
pub fn spawn_detail(err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::NotFound {
        "program not found (is it installed and on PATH?)".to_owned()
    } else {
        format!("could not start: {err}")
    }
}

/// Describes a non-zero exit.
pub fn exit_detail(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => format!("was stopped ({status})"),
    }
}

/// Runs `cmd` with the terminal's output; an error unless it exits 0.
pub fn run(step: &str, cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| Error::step(step, &shown, spawn_detail(&e)))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::step(step, &shown, exit_detail(status)))
    }
}

/// Runs `cmd` and returns its stdout; an error unless it exits 0 (stderr is shown in the message).
pub fn capture(step: &str, cmd: &mut Command) -> Result<String> {
    let shown = display(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::step(step, &shown, spawn_detail(&e)))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(Error::step(
            step,
            &shown,
            format!("{}: {}", exit_detail(out.status), stderr.trim()),
        ))
    }
}

/// Runs `cmd` as an "is it installed?" probe: its stdout if it starts and exits 0, else `None`.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
