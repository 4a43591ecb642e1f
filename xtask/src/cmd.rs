//! Running child processes (every spawn, wait and exec of xtask goes through here), and the one error type:
//! every failure names its step and its command.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::thread;

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
    output(step, cmd.stderr(Stdio::piped()))
}

/// Runs `cmd` and returns its stdout while its stderr goes to the terminal; an error unless it exits 0.
pub fn stdout(step: &str, cmd: &mut Command) -> Result<String> {
    output(step, cmd.stderr(Stdio::inherit()))
}

fn output(step: &str, cmd: &mut Command) -> Result<String> {
    let shown = display(cmd);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .spawn()
        .and_then(|child| child.wait_with_output())
        .map_err(|e| Error::step(step, &shown, spawn_detail(&e)))?;
    if status.success() {
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&stderr);
        let detail = match stderr.trim() {
            "" => exit_detail(status),
            stderr => format!("{}: {stderr}", exit_detail(status)),
        };
        Err(Error::step(step, &shown, detail))
    }
}

/// Runs `cmd` as an "is it installed?" probe: its stdout if it starts and exits 0, else `None`.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` with stdout and stderr each copied live to ours and captured; returns both, joined.
pub fn tee(cmd: &mut Command) -> io::Result<(ExitStatus, String)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let child_out = child.stdout.take();
    let child_err = child.stderr.take();
    let (out, err) = thread::scope(|scope| {
        let out = scope.spawn(|| child_out.map(|r| pump(r, &mut io::stdout())).unwrap_or_default());
        let err = scope.spawn(|| child_err.map(|r| pump(r, &mut io::stderr())).unwrap_or_default());
        (out.join().unwrap_or_default(), err.join().unwrap_or_default())
    });
    let status = child.wait()?;
    let mut text = String::from_utf8_lossy(&out).into_owned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&err));
    Ok((status, text))
}

/// Copies `reader` to `sink` as it arrives and returns everything read.
fn pump(mut reader: impl Read, sink: &mut impl Write) -> Vec<u8> {
    let mut captured = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // Keep reading even if our own output is gone, so the child never blocks on a full pipe.
                let _ = sink.write_all(&buf[..n]).and_then(|()| sink.flush());
                captured.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    captured
}

/// Starts `cmd` in the background in a process group of its own (so that stopping the group stops everything it
/// spawns), stdout and stderr to `log`; returns the group's id.
pub fn spawn_group(name: &str, cmd: &mut Command, log: &Path) -> Result<u32> {
    let out =
        fs::File::create(log).map_err(|e| Error::msg(format!("cannot create {}: {e}", log.display())))?;
    let err = out.try_clone().map_err(|e| Error::msg(e.to_string()))?;
    let child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| Error::msg(format!("cannot start {name}: {}", spawn_detail(&e))))?;
    Ok(child.id())
}

/// Sends `signal` (`-TERM`, `-INT`, `-KILL`) to every process of group `pgid`; a group already gone is no error.
pub fn signal_group(pgid: u32, signal: &str) {
    let _ = probe(Command::new("kill").args([signal, "--", &format!("-{pgid}")]));
}
