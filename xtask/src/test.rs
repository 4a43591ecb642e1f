//! `cargo xtask test`: setup, then every check and test layer in order, then a summary whose last line
//! is `N passed, M failed`.
//!
//! The steps are data ([`Step`]): a later layer (edge worker build, workerd tests, browser tests) is one
//! more entry in [`steps`].

use std::ffi::OsString;
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Instant;

use crate::cmd;
use crate::results::{self, Counts};
use crate::setup;
use crate::tools::{Tools, WASM_TARGET};

/// Crates checked by clippy on wasm32 (the ones that ship as wasm).
const WASM_CLIPPY_PACKAGES: &[&str] = &["handoff-core", "handoff-edge", "handoff-web"];
/// Directories searched (recursively) for `*.test.mjs` files run by `node --test`.
const NODE_TEST_DIRS: &[&str] = &["tests/node", "tests/edge", "tests/browser"];

/// One step of the test command.
pub struct Step {
    /// Short name for the header and the summary.
    pub name: &'static str,
    /// The program (looked up on the child PATH, see [`Tools::path_env`]).
    pub cmd: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Extra environment on top of [`Tools::child_env`].
    pub env: Vec<(&'static str, OsString)>,
    /// Why the step does not apply yet (printed, counted as neither pass nor fail).
    pub skip: Option<String>,
}

impl Step {
    fn new(name: &'static str, cmd: &str, args: &[&str]) -> Self {
        Self {
            name,
            cmd: cmd.into(),
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
            skip: None,
        }
    }
}

/// The test command's steps, in order.
pub fn steps(tools: &Tools) -> Vec<Step> {
    let mut wasm_clippy = vec!["clippy"];
    for package in WASM_CLIPPY_PACKAGES {
        wasm_clippy.extend(["-p", package]);
    }
    wasm_clippy.extend(["--target", WASM_TARGET, "--all-targets", "--", "-D", "warnings"]);

    // rustfmt colours its diff even into a pipe; only a person at a terminal wants that.
    let fmt_color = if io::stdout().is_terminal() {
        "always"
    } else {
        "never"
    };

    vec![
        Step::new(
            "fmt",
            "cargo",
            &["fmt", "--all", "--check", "--", "--color", fmt_color],
        ),
        Step::new(
            "clippy-native",
            "cargo",
            &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        ),
        Step::new("clippy-wasm32", "cargo", &wasm_clippy),
        Step::new("layering", "cargo", &["xtask", "check-layering"]),
        // The AWS deployment, offline: the SAM template translated and cfn-lint-ed with planted mistakes, and the
        // attach-to-an-existing-pool script over a DescribeUserPool fixture and against ministack.
        Step::new("test-aws", "bash", &["deploy/aws/test.sh"]),
        // xtask's own unit tests run too: the summary parser is tested code.
        Step::new("test-native", "cargo", &["test", "--workspace"]),
        // The documented command: wasm-pack builds the tests for wasm32 and runs them under node through the
        // cargo-installed wasm-bindgen-test-runner (`--mode no-install`: nothing is downloaded). Its output is
        // libtest's, `test result:` lines included.
        Step::new(
            "test-wasm32-core",
            "wasm-pack",
            &["test", "--node", "--mode", "no-install", "core"],
        ),
        // The edge worker (worker-build --release), rebuilt only when its sources changed; the
        // workerd tests under tests/edge start `wrangler dev` on it.
        Step::new("build-edge", "node", &["tests/edge/build.mjs"]),
        // Every deployable artifact in target/package/, checked: the trigger zips for x86_64 and arm64
        // (cargo-lambda), the worker bundle (--env production), the production site (no dev-only file).
        Step::new("package", "cargo", &["xtask", "package"]),
        // The trigger's binary tests against the bootstrap inside each zip: arm64 under qemu-user, x86_64 natively.
        Step::new(
            "test-bootstrap-arm64",
            "cargo",
            &["xtask", "test-bootstrap", "arm64"],
        ),
        Step::new(
            "test-bootstrap-x86_64",
            "cargo",
            &["xtask", "test-bootstrap", "x86_64"],
        ),
        // The page's and the API's browser tests in headless Chromium (Debian's chromedriver, found on PATH).
        Step::new(
            "test-wasm32-web",
            "wasm-pack",
            &[
                "test",
                "--headless",
                "--chrome",
                "--mode",
                "no-install",
                "web-client",
            ],
        ),
        Step::new("build-web", "cargo", &["xtask", "build-web"]),
        wasm_pack_build(tools),
        node_tests(tools),
        // Coverage-guided fuzzing: every cargo-fuzz target on the pinned nightly, 10 s each (the build is most of
        // the step's cold time); `fuzz/run.sh 600` is the long run (fuzz/README.md).
        Step::new("fuzz-smoke", "bash", &["fuzz/run.sh", "10"]),
        // Cross-process: stack up (ministack + trigger bootstrap + edge), the CLI flow tests, stack down.
        Step::new("test-stack", "bash", &["tests/stack/run.sh"]),
    ]
}

/// Where the test command's `wasm-pack build` writes (tests/browser/npm-package.test.mjs loads it in Chromium).
const WASM_PACK_OUT: &str = "target/wasm-pack/handoff-web";

/// The documented `wasm-pack build` of the npm package (README), into [`WASM_PACK_OUT`]: the `api` flavour
/// (`--no-default-features --features api`) for `--target web`, optimised by npm binaryen's wasm-opt with the
/// flags in web-client/Cargo.toml's `[package.metadata.wasm-pack.profile.release]`.
fn wasm_pack_build(tools: &Tools) -> Step {
    let mut step = Step::new(
        "build-wasm-pack",
        "wasm-pack",
        &["build", "--mode", "no-install", "--target", "web", "--out-dir"],
    );
    step.args.push(tools.root.join(WASM_PACK_OUT).into_os_string());
    step.args
        .extend(["web-client", "--", "--no-default-features", "--features", "api"].map(OsString::from));
    step
}

/// `node --test` over every `*.test.mjs` under [`NODE_TEST_DIRS`]; skipped while there are none.
fn node_tests(tools: &Tools) -> Step {
    let mut files = Vec::new();
    for dir in NODE_TEST_DIRS {
        collect_node_tests(&tools.root.join(dir), &mut files);
    }
    files.sort();
    // TAP: its `# pass N` / `# fail M` lines are what the summary counts.
    let mut step = Step::new("test-node", "node", &["--test", "--test-reporter=tap"]);
    if files.is_empty() {
        step.skip = Some(format!("no *.test.mjs files under {}", NODE_TEST_DIRS.join(", ")));
    }
    step.args.extend(
        files
            .into_iter()
            .map(|f| f.strip_prefix(&tools.root).unwrap_or(&f).as_os_str().to_owned()),
    );
    step
}

fn collect_node_tests(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "node_modules") {
            continue;
        }
        if path.is_dir() {
            collect_node_tests(&path, files);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".test.mjs"))
        {
            files.push(path);
        }
    }
}

/// How a step ended.
enum Status {
    Ok,
    Failed,
    Skipped,
    NotRun,
}

/// One row of the summary table.
struct Row {
    name: &'static str,
    status: Status,
    seconds: Option<f64>,
    counts: Counts,
}

/// Runs setup (unless `no_setup`) and every step; prints the summary. True when nothing failed.
pub fn run(tools: &Tools, no_setup: bool) -> bool {
    let mut rows = Vec::new();
    let mut failed = false;

    if !no_setup {
        println!("== step: setup");
        let started = Instant::now();
        let result = setup::run(tools);
        let seconds = started.elapsed().as_secs_f64();
        let (status, counts) = match result {
            Ok(()) => (Status::Ok, Counts::default()),
            Err(err) => {
                eprintln!("error: {err}");
                failed = true;
                (Status::Failed, Counts { passed: 0, failed: 1 })
            }
        };
        println!("== step: setup {} in {seconds:.1}s", word(&status));
        rows.push(Row {
            name: "setup",
            status,
            seconds: Some(seconds),
            counts,
        });
    }

    for step in steps(tools) {
        if failed {
            rows.push(Row {
                name: step.name,
                status: Status::NotRun,
                seconds: None,
                counts: Counts::default(),
            });
            continue;
        }
        println!("== step: {}", step.name);
        if let Some(reason) = &step.skip {
            println!("skipped: {reason}");
            rows.push(Row {
                name: step.name,
                status: Status::Skipped,
                seconds: None,
                counts: Counts::default(),
            });
            continue;
        }
        let row = run_step(tools, &step);
        failed = matches!(row.status, Status::Failed);
        rows.push(row);
    }

    print_summary(&rows);
    !failed
}

/// Runs one step, streaming and capturing its output, and counts its tests.
fn run_step(tools: &Tools, step: &Step) -> Row {
    let mut command = tools.command(&step.cmd);
    command
        .args(&step.args)
        .envs(step.env.iter().map(|(k, v)| (k, v)));
    if io::stdout().is_terminal() {
        // The child's output goes through a pipe; keep cargo's colours when a person is watching.
        command.env("CARGO_TERM_COLOR", "always");
    }
    let shown = cmd::display(&command);
    println!("$ {shown}");
    let started = Instant::now();
    let outcome = run_tee(&mut command);
    let seconds = started.elapsed().as_secs_f64();

    let (status, counts) = match outcome {
        Ok((exit, output)) => {
            let mut counts = results::parse(&output);
            if exit.success() {
                (Status::Ok, counts)
            } else {
                // A failing check (fmt, clippy, a build error) has no test lines: it still counts as one.
                if counts.failed == 0 {
                    counts.failed = 1;
                }
                eprintln!(
                    "error: {}",
                    cmd::Error::step(step.name, &shown, cmd::exit_detail(exit))
                );
                (Status::Failed, counts)
            }
        }
        Err(err) => {
            eprintln!(
                "error: {}",
                cmd::Error::step(step.name, &shown, cmd::spawn_detail(&err))
            );
            (Status::Failed, Counts { passed: 0, failed: 1 })
        }
    };
    println!(
        "== step: {} {} in {seconds:.1}s ({} passed, {} failed)",
        step.name,
        word(&status),
        counts.passed,
        counts.failed
    );
    Row {
        name: step.name,
        status,
        seconds: Some(seconds),
        counts,
    }
}

/// Runs `command` with stdout and stderr each copied live to ours and captured; returns both, joined.
fn run_tee(command: &mut Command) -> io::Result<(ExitStatus, String)> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn()?;
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

fn word(status: &Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
        Status::Skipped => "skipped",
        Status::NotRun => "not run",
    }
}

/// The per-step table, then the totals as the very last line.
fn print_summary(rows: &[Row]) {
    let mut total = Counts::default();
    println!();
    println!("== summary");
    println!(
        "{:<18} {:<8} {:>8} {:>7} {:>7}",
        "step", "status", "seconds", "passed", "failed"
    );
    for row in rows {
        total.add(row.counts);
        let (seconds, passed, failed) = match row.seconds {
            Some(s) => (
                format!("{s:.1}"),
                row.counts.passed.to_string(),
                row.counts.failed.to_string(),
            ),
            None => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
        };
        println!(
            "{:<18} {:<8} {seconds:>8} {passed:>7} {failed:>7}",
            row.name,
            word(&row.status)
        );
    }
    println!("{} passed, {} failed", total.passed, total.failed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `wasm-pack test` prints around wasm-bindgen-test-runner's lines (abridged from a real run): only the
    /// `test result:` lines count, doctests' "no tests to run!" adds nothing.
    #[test]
    fn counts_wasm_pack_test_output() {
        let out = "[INFO]: Checking for the Wasm target...\n\
            \u{20}    Running tests/keys.rs (target/wasm32-unknown-unknown/debug/deps/keys-7cb97ae23dadf906.wasm)\n\
            running 9 tests\n\
            test result: ok. 9 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.27s\n\
            \u{20}  Doc-tests handoff_core\n\
            no tests to run!\n\
            all doctests ran in 0.80s; merged doctests compilation took 0.52s\n\
            Running headless tests in Chrome on `http://127.0.0.1:43361/`\n\
            test result: FAILED. 7 passed; 1 failed; 0 ignored; 0 filtered out; finished in 0.27s\n";
        assert_eq!(
            results::parse(out),
            Counts {
                passed: 16,
                failed: 1
            }
        );
    }

    #[test]
    fn wasm_pack_build_is_the_documented_command() {
        let tools = Tools {
            root: PathBuf::from("/repo"),
            cargo_bin: PathBuf::from("/cargo/bin"),
        };
        let step = wasm_pack_build(&tools);
        let args: Vec<_> = step.args.iter().map(|a| a.to_string_lossy()).collect();
        assert_eq!(
            args.join(" "),
            "build --mode no-install --target web --out-dir /repo/target/wasm-pack/handoff-web web-client -- \
             --no-default-features --features api"
        );
    }
}
