//! `cargo xtask demo [--exit]`: the main job. Sets up, builds, starts the local stack, signs in as the mobile
//! app, asks the edge for a link, opens it in headless Chromium until the demo web app (real aws-amplify v6)
//! shows the user, and saves a screenshot. Then it prints a fresh link for a person to open and keeps the stack
//! up until Ctrl-C (`--exit`: stop the stack and exit at once). Every step prints its time.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::cmd::{self, Error, Result};
use crate::tools::Tools;
use crate::{setup, stack, web};

/// Where the demo link lands after sign-in (inside the stack's allowlist).
const REDIRECT: &str = "/orders/42";
/// The screenshot of the signed-in demo app.
const SCREENSHOT: &str = "artifacts/demo/signed-in.png";

/// `cargo xtask demo [--exit]`.
pub fn run(tools: &Tools, exit_at_once: bool) -> Result<()> {
    demo(tools, exit_at_once).map_err(|e| {
        Error::msg(format!(
            "{e}\ndemo: the stack, if it started, is still up for inspection: `cargo xtask stack down` stops it"
        ))
    })
}

/// Prints a step with the time since the demo started.
fn step(started: Instant, what: &str) {
    println!("demo: [{:>7.2} s] {what}", started.elapsed().as_secs_f64());
}

fn demo(tools: &Tools, exit_at_once: bool) -> Result<()> {
    let started = Instant::now();
    step(started, "setup (installs only what is missing)");
    setup::run(tools)?;
    step(
        started,
        "building the landing page, the npm package and the demo web app",
    );
    let config = tools.root.join("www").join("config.dev.json");
    web::build(tools, &config)?;
    let was_up = stack::is_up(tools);
    step(
        started,
        if was_up {
            "the local stack is already up: reusing it"
        } else {
            "starting the local stack"
        },
    );
    stack::up(tools)?;
    step(
        started,
        "stack up: ministack (Cognito + trigger bootstrap), the edge in workerd, the static site",
    );

    let handoff = stack::handoff(tools);
    step(
        started,
        "mobile app: signing in to Cognito (handoff login: SRP, the password never sent)",
    );
    cli(tools, &handoff, &["login", "-q"])?;
    step(
        started,
        &format!("mobile app: asking the edge for a handoff link (handoff link --redirect {REDIRECT})"),
    );
    let link = cli(tools, &handoff, &["link", "-q", "--redirect", REDIRECT])?;
    step(
        started,
        "link issued (single use, 60 s; the token is not printed)",
    );

    step(started, "opening the link in headless Chromium");
    let screenshot = tools.root.join(SCREENSHOT);
    let mut browser = tools.command("node");
    browser
        .arg(tools.root.join("xtask/scripts/demo-browser.mjs"))
        .arg(&link)
        .arg(&screenshot);
    cmd::run("demo: browser", &mut browser).map_err(|e| {
        Error::msg(format!(
            "the browser did not end up signed in (see the lines above): {e}"
        ))
    })?;
    step(
        started,
        &format!(
            "done: the web app is signed in; screenshot at {}",
            screenshot.display()
        ),
    );

    let fresh = cli(tools, &handoff, &["link", "-q", "--redirect", REDIRECT])?;
    println!(
        "\ndemo: a fresh link for you (works once, within 60 s; `handoff link` makes another):\n\n  {fresh}\n"
    );
    if exit_at_once {
        if was_up {
            println!("demo: the stack was up before the demo; leaving it up");
        } else {
            stack::down(tools, true)?;
        }
        return Ok(());
    }
    wait_for_ctrl_c(tools, was_up)
}

/// Runs the CLI with the stack's settings (named explicitly: the CLI reads no stack file it is not given; its
/// session goes next to it, in .stack/) and returns its trimmed stdout.
fn cli(tools: &Tools, handoff: &Path, args: &[&str]) -> Result<String> {
    let mut cli = Command::new(handoff);
    cli.current_dir(&tools.root)
        .env("HANDOFF_STACK_ENV", tools.root.join(".stack").join("env"))
        .args(args);
    Ok(cmd::stdout("demo: handoff", &mut cli)?.trim().to_string())
}

/// Waits for Ctrl-C (or SIGTERM), then stops the stack unless it was up before the demo.
fn wait_for_ctrl_c(tools: &Tools, was_up: bool) -> Result<()> {
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .map_err(|e| cmd::Error::msg(format!("demo: cannot wait for Ctrl-C: {e}")))?;
    println!("demo: the stack stays up; press Ctrl-C to stop");
    let _ = stopped.recv();
    println!();
    if was_up {
        println!("demo: the stack was up before the demo; leaving it up");
        return Ok(());
    }
    println!("demo: stopping the stack");
    stack::run(tools, stack::Action::Down)
}
