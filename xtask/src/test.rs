//! `cargo xtask test`: setup, then every check and test layer in order, then a summary whose last line
//! is `N passed, M failed`.
//!
//! The steps are data ([`Step`], listed by [`steps`]). A check (fmt, clippy, a build) passes when it exits 0; a
//! test layer must also run at least one test: one that finds none fails the run rather than passing unseen.

use std::ffi::OsString;
use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cmd;
use crate::results::{self, Counts};
use crate::setup;
use crate::tools::{Tools, WASM_TARGET};

/// Crates checked by clippy on wasm32 (the ones that ship as wasm).
const WASM_CLIPPY_PACKAGES: &[&str] = &["handoff-core", "handoff-edge", "handoff-web"];
/// Directories searched (recursively) for `*.test.mjs` files run by `node --test`.
const NODE_TEST_DIRS: &[&str] = &["tests/edge", "tests/browser"];

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
    /// A test layer: besides exiting 0 it must run at least one test.
    pub tests: bool,
    /// Why the step cannot run at all (it fails without running).
    pub broken: Option<String>,
}

impl Step {
    /// A check: it passes when it exits 0.
    fn check(name: &'static str, cmd: &str, args: &[&str]) -> Self {
        Self {
            name,
            cmd: cmd.into(),
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
            tests: false,
            broken: None,
        }
    }

    /// A test layer: it passes when it exits 0 and ran at least one test.
    fn tests(name: &'static str, cmd: &str, args: &[&str]) -> Self {
        Self {
            tests: true,
            ..Self::check(name, cmd, args)
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
        Step::check(
            "fmt",
            "cargo",
            &["fmt", "--all", "--check", "--", "--color", fmt_color],
        ),
        Step::check(
            "clippy-native",
            "cargo",
            &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        ),
        Step::check("clippy-wasm32", "cargo", &wasm_clippy),
        doc(),
        Step::check("layering", "cargo", &["xtask", "check-layering"]),
        // The AWS deployment, offline: the SAM template translated and cfn-lint-ed with planted mistakes, and the
        // attach-to-an-existing-pool script over a DescribeUserPool fixture and against ministack.
        Step::tests("test-aws", "bash", &["deploy/aws/test.sh"]),
        // xtask's own unit tests run too: the summary parser is tested code.
        Step::tests("test-native", "cargo", &["test", "--workspace"]),
        // The documented command: wasm-pack builds the tests for wasm32 and runs them under node through the
        // cargo-installed wasm-bindgen-test-runner (`--mode no-install`: nothing is downloaded). Its output is
        // libtest's, `test result:` lines included.
        Step::tests(
            "test-wasm32-core",
            "wasm-pack",
            &["test", "--node", "--mode", "no-install", "core"],
        ),
        // The edge worker (worker-build --release), rebuilt only when its sources changed; the
        // workerd tests under tests/edge start `wrangler dev` on it.
        Step::check("build-edge", "node", &["tests/edge/build.mjs"]),
        // Every deployable artifact in target/package/, checked: the trigger zips for x86_64 and arm64
        // (cargo-lambda), the worker bundle (--env production), the production site (no dev-only file).
        Step::check("package", "cargo", &["xtask", "package"]),
        // The trigger's binary tests against the bootstrap inside each zip: arm64 under qemu-user, x86_64 natively.
        Step::tests(
            "test-bootstrap-arm64",
            "cargo",
            &["xtask", "test-bootstrap", "arm64"],
        ),
        Step::tests(
            "test-bootstrap-x86_64",
            "cargo",
            &["xtask", "test-bootstrap", "x86_64"],
        ),
        // The page's and the API's browser tests in headless Chromium (Debian's chromedriver, found on PATH).
        Step::tests(
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
        Step::check("build-web", "cargo", &["xtask", "build-web"]),
        wasm_pack_build(tools),
        node_tests(tools),
        // Coverage-guided fuzzing: every cargo-fuzz target on the pinned nightly, 10 s each (the build is most of
        // the step's cold time); `fuzz/run.sh 600` is the long run (fuzz/README.md).
        Step::tests("fuzz-smoke", "bash", &["fuzz/run.sh", "10"]),
        // Cross-process: stack up (ministack + trigger bootstrap + edge), the CLI flow tests, stack down.
        Step::tests("test-stack", "bash", &["tests/stack/run.sh"]),
    ]
}

/// `cargo doc` over the workspace with warnings denied: a broken intra-doc link or a malformed doc comment fails
/// like a clippy lint.
fn doc() -> Step {
    let mut step = Step::check("doc", "cargo", &["doc", "--no-deps", "--workspace"]);
    step.env.push(("RUSTDOCFLAGS", "-D warnings".into()));
    step
}

/// Where the test command's `wasm-pack build` writes (tests/browser/npm-package.test.mjs loads it in Chromium).
const WASM_PACK_OUT: &str = "target/wasm-pack/handoff-web";

/// The documented `wasm-pack build` of the npm package (README), into [`WASM_PACK_OUT`]: the `api` flavour
/// (`--no-default-features --features api`) for `--target web`, optimised by npm binaryen's wasm-opt with the
/// flags in web-client/Cargo.toml's `[package.metadata.wasm-pack.profile.release]`.
fn wasm_pack_build(tools: &Tools) -> Step {
    let mut step = Step::check(
        "build-wasm-pack",
        "wasm-pack",
        &["build", "--mode", "no-install", "--target", "web", "--out-dir"],
    );
    step.args.push(tools.root.join(WASM_PACK_OUT).into_os_string());
    step.args
        .extend(["web-client", "--", "--no-default-features", "--features", "api"].map(OsString::from));
    step
}

/// `node --test` over every `*.test.mjs` under [`NODE_TEST_DIRS`]; broken when there is none (node would
/// otherwise look for tests everywhere).
fn node_tests(tools: &Tools) -> Step {
    let mut files = Vec::new();
    for dir in NODE_TEST_DIRS {
        collect_node_tests(&tools.root.join(dir), &mut files);
    }
    files.sort();
    // TAP: its `# pass N` / `# fail M` lines are what the summary counts.
    let mut step = Step::tests("test-node", "node", &["--test", "--test-reporter=tap"]);
    if files.is_empty() {
        step.broken = Some(format!("no *.test.mjs files under {}", NODE_TEST_DIRS.join(", ")));
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
    let outcome = match &step.broken {
        Some(reason) => Err(format!("cannot run: {reason}")),
        None => match cmd::tee(&mut command) {
            Ok((exit, output)) => Ok((exit, results::parse(&output))),
            Err(err) => Err(cmd::spawn_detail(&err)),
        },
    };
    let seconds = started.elapsed().as_secs_f64();
    let (counts, problem) = verdict(step, outcome);
    if let Some(problem) = &problem {
        eprintln!("error: {}", cmd::Error::step(step.name, &shown, problem));
    }
    let status = if problem.is_some() {
        Status::Failed
    } else {
        Status::Ok
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

/// A step's counts and, when it failed, why: it could not run, it exited non-zero, or it is a test layer that
/// ran no test. A failure with no failed test lines (fmt, clippy, a build error) still counts as one.
fn verdict(
    step: &Step,
    outcome: std::result::Result<(std::process::ExitStatus, Counts), String>,
) -> (Counts, Option<String>) {
    let (mut counts, problem) = match outcome {
        Err(problem) => (Counts::default(), Some(problem)),
        Ok((exit, counts)) if !exit.success() => (counts, Some(cmd::exit_detail(exit))),
        Ok((_, counts)) if step.tests && counts.passed + counts.failed == 0 => (
            counts,
            Some("exited 0 but ran no test (a test layer must find its tests)".to_owned()),
        ),
        Ok((_, counts)) => (counts, None),
    };
    if problem.is_some() && counts.failed == 0 {
        counts.failed = 1;
    }
    (counts, problem)
}

fn word(status: &Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
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

    fn exit(code: i32) -> std::process::ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        std::process::ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn a_test_layer_that_runs_no_test_fails() {
        let layer = Step::tests("test-x", "true", &[]);
        let none = Counts::default();
        let (counts, problem) = verdict(&layer, Ok((exit(0), none)));
        assert_eq!(counts, Counts { passed: 0, failed: 1 });
        assert!(problem.unwrap().contains("ran no test"));
        let some = Counts { passed: 3, failed: 0 };
        assert_eq!(verdict(&layer, Ok((exit(0), some))), (some, None));
        // A check has no tests to run.
        let check = Step::check("fmt", "true", &[]);
        assert_eq!(verdict(&check, Ok((exit(0), none))), (none, None));
    }

    #[test]
    fn a_failing_or_broken_step_counts_at_least_one_failure() {
        let check = Step::check("clippy", "false", &[]);
        let (counts, problem) = verdict(&check, Ok((exit(101), Counts::default())));
        assert_eq!(counts, Counts { passed: 0, failed: 1 });
        assert_eq!(problem.as_deref(), Some("exited with status 101"));
        let failed = Counts { passed: 5, failed: 2 };
        assert_eq!(verdict(&check, Ok((exit(101), failed))).0, failed);
        let (counts, problem) = verdict(&check, Err("cannot run: no files".into()));
        assert_eq!(counts, Counts { passed: 0, failed: 1 });
        assert_eq!(problem.as_deref(), Some("cannot run: no files"));
    }

    /// Every directory the node layer searches exists, and holds tests.
    #[test]
    fn the_node_layer_finds_its_tests() {
        let tools = Tools::locate().unwrap();
        for dir in NODE_TEST_DIRS {
            assert!(tools.root.join(dir).is_dir(), "{dir} does not exist");
        }
        let step = node_tests(&tools);
        assert!(step.broken.is_none(), "{:?}", step.broken);
        assert!(step.args.len() > 2);
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
