//! `cargo xtask stack up|down|status`: the local stack of DESIGN "Local stack", in the background.
//!
//! `up` builds the CLI and the trigger zip, starts ministack (Cognito + Lambda), provisions it through
//! `handoff provision` (pool, clients, demo user, the trigger as a `provided.al2023` function), starts the edge
//! under `wrangler dev` (fresh persist dir) and, when the site is built, the static site; then writes
//! `.stack/env`. Every process runs in its own process group, recorded in `.stack/pids`, so `down` stops each
//! one with everything it spawned (the trigger processes ministack starts, workerd under wrangler) and leaves
//! nothing behind. Ports are free ones chosen at start; all state lives in a fresh temp dir per start.
//!
//! The edge's per-user rate limits keep wrangler.toml's defaults (5 issues a minute, 3 live tokens) unless
//! `HANDOFF_RATE_ISSUES_PER_MINUTE` / `HANDOFF_RATE_MAX_LIVE_TOKENS` are set at `up` (1..=10000; for benchmarks that
//! mint many links); the effective values are written to `.stack/env` as `RATE_ISSUES_PER_MINUTE` and
//! `RATE_MAX_LIVE_TOKENS`.

use std::fs;
use std::io::{IsTerminal, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cmd::{Error, Result};
use crate::tools::Tools;

const USAGE: &str = "usage: cargo xtask stack up|down|status|redeploy-edge\n\
                     (env at `up`: HANDOFF_RATE_ISSUES_PER_MINUTE, HANDOFF_RATE_MAX_LIVE_TOKENS raise the edge's \
                     per-user limits, 1..=10000)";
/// Rate-limit settings taken from the environment at `up`: (environment variable, the edge's var).
const RATE_VARS: [(&str, &str); 2] = [
    ("HANDOFF_RATE_ISSUES_PER_MINUTE", "RATE_ISSUES_PER_MINUTE"),
    ("HANDOFF_RATE_MAX_LIVE_TOKENS", "RATE_MAX_LIVE_TOKENS"),
];
/// Landing page path on the site (the edge puts it in every link).
const LANDING_PATH: &str = "/handoff";

/// Entry point.
pub fn run(args: &[String]) -> ExitCode {
    let tools = match Tools::locate() {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let result = match args {
        [a] if a == "up" => up(&tools),
        [a] if a == "down" => down(&tools, true),
        [a] if a == "status" => status(&tools),
        [a] if a == "redeploy-edge" => redeploy_edge(&tools),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("stack: error: {e}");
    ExitCode::FAILURE
}

fn stack_dir(tools: &Tools) -> PathBuf {
    tools.root.join(".stack")
}

/// One started process group.
struct Proc {
    name: String,
    pgid: u32,
}

fn read_pids(dir: &Path) -> Vec<Proc> {
    let Ok(text) = fs::read_to_string(dir.join("pids")) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let (name, pgid) = l.split_once(' ')?;
            Some(Proc {
                name: name.to_owned(),
                pgid: pgid.trim().parse().ok()?,
            })
        })
        .collect()
}

fn write_pids(dir: &Path, procs: &[Proc]) -> Result<()> {
    let text: String = procs.iter().map(|p| format!("{} {}\n", p.name, p.pgid)).collect();
    fs::write(dir.join("pids"), text).map_err(|e| Error::msg(format!("cannot write .stack/pids: {e}")))
}

/// Whether any live (non-zombie) process is in the group. Read from /proc: `kill -0` also counts zombies,
/// and an init that never reaps them (as on some VMs) would make every group look alive forever.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp ...`; comm may contain spaces, so split after the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 2 && fields[0] != "Z" && fields[0] != "X" && fields[2] == pgid.to_string()
    })
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// Stops a process group: a polite signal, then SIGKILL after 5 s.
fn stop_group(proc: &Proc) -> bool {
    if !group_alive(proc.pgid) {
        return false;
    }
    // wrangler shuts workerd down cleanly on SIGINT; the others on SIGTERM.
    signal_group(proc.pgid, if proc.name == "edge" { "-INT" } else { "-TERM" });
    let deadline = Instant::now() + Duration::from_secs(5);
    while group_alive(proc.pgid) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
    }
    if group_alive(proc.pgid) {
        signal_group(proc.pgid, "-KILL");
        thread::sleep(Duration::from_millis(200));
    }
    true
}

fn status(tools: &Tools) -> Result<()> {
    let dir = stack_dir(tools);
    let procs = read_pids(&dir);
    if procs.is_empty() {
        println!("stack: down");
        return Ok(());
    }
    for p in &procs {
        let state = if group_alive(p.pgid) { "running" } else { "DEAD" };
        println!("stack: {:<10} process group {:<8} {state}", p.name, p.pgid);
    }
    if dir.join("env").is_file() {
        println!("stack: settings in {}", dir.join("env").display());
    }
    Ok(())
}

/// Stops the stack, saying what it stopped (for the demo).
pub(crate) fn stop(tools: &Tools) -> Result<()> {
    down(tools, true)
}

/// Whether a stack is up and healthy (all its process groups alive, settings written).
pub(crate) fn is_up(tools: &Tools) -> bool {
    let dir = stack_dir(tools);
    let running = read_pids(&dir);
    !running.is_empty() && running.iter().all(|p| group_alive(p.pgid)) && dir.join("env").is_file()
}

fn down(tools: &Tools, loud: bool) -> Result<()> {
    let dir = stack_dir(tools);
    let procs = read_pids(&dir);
    let state_dir = fs::read_to_string(dir.join("state"))
        .ok()
        .map(|s| PathBuf::from(s.trim()));
    if procs.is_empty() && state_dir.is_none() && !dir.join("env").exists() {
        // An `up` that failed before starting anything leaves an empty pids file behind.
        let _ = fs::remove_file(dir.join("pids"));
        if loud {
            println!("stack: not up; nothing to stop");
        }
        return Ok(());
    }
    // The edge first: it talks to nothing, but the trigger (under ministack) talks to it.
    let mut stopped = 0;
    for p in procs.iter().rev() {
        if stop_group(p) {
            stopped += 1;
            if loud {
                println!("stack: stopped {} (process group {})", p.name, p.pgid);
            }
        }
    }
    let survivors: Vec<&Proc> = procs.iter().filter(|p| group_alive(p.pgid)).collect();
    if !survivors.is_empty() {
        let names: Vec<String> = survivors
            .iter()
            .map(|p| format!("{} ({})", p.name, p.pgid))
            .collect();
        return Err(Error::msg(format!(
            "still running after SIGKILL: {}",
            names.join(", ")
        )));
    }
    for file in [
        "env",
        "pids",
        "state",
        "session.json",
        "signing.jwks",
        "redeem-secrets",
        "edge.args",
    ] {
        let _ = fs::remove_file(dir.join(file));
    }
    if let Some(state) = state_dir.filter(|s| s.starts_with(std::env::temp_dir())) {
        let _ = fs::remove_dir_all(state);
    }
    if loud {
        println!("stack: down ({stopped} process group(s) stopped, state removed)");
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| Error::msg(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::msg(e.to_string()))
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Error::msg(format!("cannot read /dev/urandom: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// `GET path` on loopback; the status code, if anything answered.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn wait_ready(name: &str, port: u16, path: &str, within: Duration, pgid: u32, log: &Path) -> Result<()> {
    let deadline = Instant::now() + within;
    loop {
        if http_status(port, path) == Some(200) {
            return Ok(());
        }
        if !group_alive(pgid) || Instant::now() > deadline {
            let tail = fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(Error::msg(format!(
                "{name} did not become ready on 127.0.0.1:{port}{path}; last lines of {}:\n{}",
                log.display(),
                tail.join("\n")
            )));
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// Spawns `cmd` in its own process group with output to `log`.
fn spawn(name: &str, mut cmd: Command, log: &Path, procs: &mut Vec<Proc>) -> Result<u32> {
    use std::os::unix::process::CommandExt;
    let out =
        fs::File::create(log).map_err(|e| Error::msg(format!("cannot create {}: {e}", log.display())))?;
    let err = out.try_clone().map_err(|e| Error::msg(e.to_string()))?;
    let child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| Error::msg(format!("cannot start {name}: {}", crate::cmd::spawn_detail(&e))))?;
    let pgid = child.id();
    procs.push(Proc {
        name: name.to_owned(),
        pgid,
    });
    Ok(pgid)
}

fn run_quiet(what: &str, cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| Error::msg(format!("{what}: {}", crate::cmd::spawn_detail(&e))))?;
    if !out.status.success() {
        return Err(Error::msg(format!(
            "{what} {}:\n{}",
            crate::cmd::exit_detail(out.status),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Starts the stack in the background (a no-op when it is already up).
pub(crate) fn up(tools: &Tools) -> Result<()> {
    let dir = stack_dir(tools);
    let running = read_pids(&dir);
    if !running.is_empty() {
        if running.iter().all(|p| group_alive(p.pgid)) && dir.join("env").is_file() {
            println!(
                "stack: already up; settings in {} (`cargo xtask stack down` stops it)",
                dir.join("env").display()
            );
            return Ok(());
        }
        println!("stack: a previous stack is half dead; cleaning it up first");
        down(tools, false)?;
    }
    private_dir(&dir)?;
    let mut procs = Vec::new();
    let started = Instant::now();
    let result = start(tools, &dir, &mut procs);
    match result {
        Ok(summary) => {
            println!("stack: up in {:.1} s", started.elapsed().as_secs_f64());
            println!("{summary}");
            Ok(())
        }
        Err(e) => {
            // Leave nothing behind: what was started is recorded, so the normal `down` removes it.
            let _ = write_pids(&dir, &procs);
            let _ = down(tools, false);
            Err(e)
        }
    }
}

/// The edge's rate limits: each `RATE_VARS` entry with its value from the environment (checked, 1..=10000) or
/// the default in `wrangler_toml`, and whether it was overridden.
fn rate_limits(wrangler_toml: &str) -> Result<Vec<(&'static str, String, bool)>> {
    RATE_VARS
        .iter()
        .map(|&(env, var)| match std::env::var(env) {
            Ok(text) => match text.trim().parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok((var, n.to_string(), true)),
                _ => Err(Error::msg(format!(
                    "{env} must be a whole number from 1 to 10000, not {text:?}"
                ))),
            },
            Err(_) => {
                let default = wrangler_toml
                    .lines()
                    .find_map(|l| l.trim().strip_prefix(var)?.trim().strip_prefix('='))
                    .map(|v| v.trim().trim_matches('"').to_owned())
                    .ok_or_else(|| Error::msg(format!("edge/wrangler.toml sets no {var}")))?;
                Ok((var, default, false))
            }
        })
        .collect()
}

fn start(tools: &Tools, dir: &Path, procs: &mut Vec<Proc>) -> Result<String> {
    let root = &tools.root;
    // Checked first: a typo in a limit should fail before anything starts.
    let wrangler_toml =
        fs::read_to_string(root.join("edge/wrangler.toml")).map_err(|e| Error::msg(e.to_string()))?;
    let limits = rate_limits(&wrangler_toml)?;
    let ministack = tools.ministack();
    if !ministack.is_file() {
        return Err(Error::msg("ministack is not installed: run `cargo xtask setup`"));
    }
    // Without `cryptography` ministack serves a dummy key set and cannot sign RS256 tokens the edge accepts.
    let crypto = Command::new(tools.venv_python())
        .args(["-c", "import cryptography"])
        .status();
    if !crypto.is_ok_and(|s| s.success()) {
        return Err(Error::msg(
            "ministack needs the `cryptography` package to sign real RS256 tokens: \
             `.tools/venv/bin/pip install cryptography` (or `cargo xtask setup`)",
        ));
    }
    let shim = root.join("edge/build/worker/shim.mjs");
    if !shim.is_file() {
        step("building the edge worker (worker-build --release)", || {
            let ensure = "import('./tests/edge/helper.mjs').then((m) => m.ensureBuilt())";
            run_quiet("edge build", tools.command("node").args(["-e", ensure]))
        })?;
    }

    step("building the CLI (cargo build -p handoff-cli)", || {
        run_quiet(
            "cargo build -p handoff-cli",
            tools.command("cargo").args(["build", "-q", "-p", "handoff-cli"]),
        )
    })?;
    // The x86_64 trigger zip `cargo xtask package` ships (same build, same checks), reused when up to date.
    let zip = step(
        "building the trigger zip (cargo lambda build --release, x86_64)",
        || crate::package::lambda_zip(tools, crate::package::Arch::X86_64, true),
    )?;
    let zip = zip.display().to_string();
    let handoff = root.join("target/debug/handoff");

    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let state = std::env::temp_dir().join(format!("handoff-stack-{}-{nanos}", std::process::id()));
    // Logs, ministack's keys and the edge's .dev.vars live here: owner only.
    private_dir(&state)?;
    fs::write(dir.join("state"), state.display().to_string()).map_err(|e| Error::msg(e.to_string()))?;

    let (cognito_port, edge_port, inspector_port, web_port) =
        (free_port()?, free_port()?, free_port()?, free_port()?);
    let cognito_url = format!("http://127.0.0.1:{cognito_port}");
    let edge_url = format!("http://127.0.0.1:{edge_port}");
    let web_origin = format!("http://127.0.0.1:{web_port}");
    let redeem_secret = random_hex(32)?;

    let mut cmd = Command::new(&ministack);
    cmd.current_dir(&state)
        .env("BIND_HOST", "127.0.0.1")
        .env("GATEWAY_PORT", cognito_port.to_string())
        // Keys and data in this start's own dir, not the shared /tmp/ministack-state.
        .env("STATE_DIR", state.join("ministack"))
        // With `cryptography` present ministack opens an MQTT/TLS listener on 0.0.0.0:8883; not ours to open.
        .env("IOT_MTLS_ENABLED", "0")
        // Passed on to the functions it runs: the trigger reads its redeem secret from this Secrets Manager.
        .env("AWS_ENDPOINT_URL", &cognito_url);
    let log = state.join("ministack.log");
    step(&format!("starting ministack on {cognito_url}"), || {
        let pgid = spawn("ministack", cmd, &log, procs)?;
        write_pids(dir, procs)?;
        wait_ready(
            "ministack",
            cognito_port,
            "/_ministack/health",
            Duration::from_secs(30),
            pgid,
            &log,
        )
    })?;

    let cognito_env = state.join("cognito.env");
    let out = step(
        "provisioning Cognito (pool, clients, demo user, trigger function)",
        || {
            run_quiet(
                "handoff provision",
                Command::new(&handoff)
                    .current_dir(&state)
                    .env_remove("HANDOFF_STACK_ENV")
                    .args(["provision", "-q", "--endpoint", &cognito_url, "--edge", &edge_url])
                    // The secret through the environment, not argv (visible to every local user in `ps`).
                    .env("REDEEM_SECRET", &redeem_secret)
                    .args(["--zip", &zip, "--write"])
                    .arg(&cognito_env),
            )
        },
    )?;
    let get = |key: &str| -> Result<String> {
        out.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('=').map(str::to_owned))
            .ok_or_else(|| Error::msg(format!("handoff provision printed no {key}")))
    };

    let signing = dir.join("signing.jwks");
    run_quiet(
        "handoff keys generate",
        Command::new(&handoff)
            .args(["keys", "generate", "-q", "--kid", "dev-ed25519", "--out"])
            .arg(&signing),
    )?;

    let work = state.join("wrangler");
    fs::create_dir_all(&work).map_err(|e| Error::msg(e.to_string()))?;
    let toml: String = wrangler_toml
        .lines()
        .map(|l| {
            if l.starts_with("main = ") {
                format!("main = {:?}", shim.display().to_string())
            } else {
                l.into()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(work.join("wrangler.toml"), toml).map_err(|e| Error::msg(e.to_string()))?;
    // The edge's redeem secrets, current first: `stack redeploy-edge` picks up changes (rotation tests).
    write_private(&dir.join("redeem-secrets"), &format!("{redeem_secret}\n"))?;
    let vars = [
        ("ISSUER", edge_url.clone()),
        ("WEB_ORIGIN", web_origin.clone()),
        ("LANDING_PATH", LANDING_PATH.into()),
        ("AUDIENCES", get("WEB_CLIENT_ID")?),
        ("MOBILE_CLIENT_IDS", get("MOBILE_CLIENT_ID")?),
        ("COGNITO_ISSUER", get("COGNITO_ISSUER")?),
        ("COGNITO_JWKS_URL", get("COGNITO_JWKS_URL")?),
        // GetUser (the revocation check) at the emulator. ministack 1.5.33 still accepts a revoked access token:
        // the refusal itself is tested against a fixture of real Cognito's answer in tests/edge.
        ("COGNITO_ENDPOINT", format!("{cognito_url}/")),
        ("REDIRECT_ALLOWLIST", "/".into()),
        // Context binding by address: the phone (the CLI) and the browser are both on loopback here; the tests
        // stand in for other networks with the CF-Connecting-IP header.
        ("CONTEXT_BINDING", "ip".into()),
    ];
    let mut args: Vec<String> = ["dev", "--config", "wrangler.toml", "--local", "--ip", "127.0.0.1"]
        .map(String::from)
        .to_vec();
    args.extend([
        "--port".into(),
        edge_port.to_string(),
        "--inspector-port".into(),
        inspector_port.to_string(),
        "--persist-to".into(),
        work.join("persist").display().to_string(),
        "--show-interactive-dev-session=false".into(),
    ]);
    for (k, v) in &vars {
        args.extend(["--var".into(), format!("{k}:{v}")]);
    }
    for (k, v, overridden) in &limits {
        if *overridden {
            println!("stack: edge limit {k}={v} (from the environment)");
            args.extend(["--var".into(), format!("{k}:{v}")]);
        }
    }
    // No secrets in these arguments (they are visible in `ps`): secrets go through .dev.vars.
    write_private(&dir.join("edge.args"), &(args.join("\n") + "\n"))?;
    step(&format!("starting the edge (wrangler dev) on {edge_url}"), || {
        start_edge(tools, dir, &state, procs)
    })?;

    let site = root.join("target/web/site");
    let site_note = if site.join("_headers").is_file() {
        let config = format!(
            "{{\"region\":{:?},\"userPoolId\":{:?},\"clientId\":{:?},\"cognitoEndpoint\":{:?},\"edgeUrl\":{:?},\
             \"redirectAllowlist\":[\"/\"],\"defaultRedirect\":\"/\",\"appReturnUrl\":\"/\",\"otherSignInUrl\":\"/\"}}",
            get("AWS_REGION")?,
            get("USER_POOL_ID")?,
            get("WEB_CLIENT_ID")?,
            format!("{cognito_url}/"),
            edge_url,
        );
        let config_file = state.join("site-config.json");
        fs::write(&config_file, config).map_err(|e| Error::msg(e.to_string()))?;
        let mut cmd = tools.command("node");
        cmd.arg(root.join("www/serve.mjs")).arg("--root").arg(&site);
        cmd.args(["--port", &web_port.to_string(), "--config"])
            .arg(&config_file);
        let log = state.join("site.log");
        // The site is optional for everything but the browser flow: a broken one is reported, not fatal.
        let started = step(&format!("starting the static site on {web_origin}"), || {
            let pgid = spawn("site", cmd, &log, procs)?;
            write_pids(dir, procs)?;
            Ok(wait_ready(
                "the site",
                web_port,
                "/",
                Duration::from_secs(20),
                pgid,
                &log,
            ))
        })?;
        match started {
            Ok(()) => String::new(),
            Err(e) => {
                if let Some(site) = procs.pop() {
                    stop_group(&site);
                }
                write_pids(dir, procs)?;
                format!(
                    "\nstack: WARNING: the static site did not start, WEB_URL and APP_URL answer nothing: {e}"
                )
            }
        }
    } else {
        "\nstack: the site is not built (`cargo xtask build-web`): WEB_URL and APP_URL answer nothing".into()
    };

    let pairs = [
        ("EDGE_URL", edge_url.clone()),
        ("COGNITO_ENDPOINT", cognito_url.clone()),
        ("AWS_REGION", get("AWS_REGION")?),
        ("USER_POOL_ID", get("USER_POOL_ID")?),
        ("MOBILE_CLIENT_ID", get("MOBILE_CLIENT_ID")?),
        ("WEB_CLIENT_ID", get("WEB_CLIENT_ID")?),
        ("WEB_URL", format!("{web_origin}{LANDING_PATH}")),
        ("APP_URL", format!("{web_origin}/")),
        ("DEMO_USERNAME", get("DEMO_USERNAME")?),
        ("DEMO_PASSWORD", get("DEMO_PASSWORD")?),
        ("DEMO_SUB", get("DEMO_SUB")?),
        ("REDEEM_SECRET", redeem_secret),
        ("SIGNING_JWKS_FILE", signing.display().to_string()),
        ("ISSUER", edge_url),
        ("COGNITO_ISSUER", get("COGNITO_ISSUER")?),
        ("COGNITO_JWKS_URL", get("COGNITO_JWKS_URL")?),
        ("TRIGGER_FUNCTION_ARN", get("TRIGGER_FUNCTION_ARN")?),
        ("REDEEM_SECRET_ARN", get("REDEEM_SECRET_ARN")?),
        ("STACK_STATE_DIR", state.display().to_string()),
    ];
    let pairs: Vec<(&str, String)> = pairs
        .into_iter()
        .chain(limits.iter().map(|(k, v, _)| (*k, v.clone())))
        .collect();
    let text: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    write_private(&dir.join("env"), &text)?;
    let shown: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| !matches!(*k, "DEMO_PASSWORD" | "REDEEM_SECRET"))
        .map(|(k, v)| format!("  {k}={v}"))
        .collect();
    Ok(format!(
        "stack: settings in {} (mode 0600; secrets not shown):\n{}\nstack: logs in {}{site_note}",
        dir.join("env").display(),
        shown.join("\n"),
        state.display()
    ))
}

/// Starts (or restarts) the edge: `.dev.vars` from `.stack/signing.jwks` and `.stack/redeem-secrets`, then
/// `wrangler dev` with the arguments `up` saved in `.stack/edge.args` (same port, same persisted state).
fn start_edge(tools: &Tools, dir: &Path, state: &Path, procs: &mut Vec<Proc>) -> Result<()> {
    let read = |name: &str| {
        fs::read_to_string(dir.join(name)).map_err(|e| Error::msg(format!("cannot read .stack/{name}: {e}")))
    };
    let work = state.join("wrangler");
    let compact: String = read("signing.jwks")?.lines().map(str::trim).collect();
    let secrets: Vec<String> = read("redeem-secrets")?
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    write_private(
        &work.join(".dev.vars"),
        &format!("SIGNING_JWKS='{compact}'\nREDEEM_SECRETS={}\n", secrets.join(",")),
    )?;
    let args: Vec<String> = read("edge.args")?.lines().map(str::to_owned).collect();
    let port: u16 = args
        .iter()
        .skip_while(|a| *a != "--port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| Error::msg(".stack/edge.args has no --port"))?;
    let mut cmd = tools.command(tools.wrangler());
    cmd.current_dir(&work)
        .args(&args)
        .env("CI", "true")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("XDG_CONFIG_HOME", work.join("config"))
        .env("WRANGLER_LOG_PATH", work.join("logs"))
        .env("NO_COLOR", "1");
    let log = state.join("edge.log");
    let pgid = spawn("edge", cmd, &log, procs)?;
    write_pids(dir, procs)?;
    wait_ready("the edge", port, "/healthz", Duration::from_secs(90), pgid, &log)
}

/// `stack redeploy-edge`: what `wrangler deploy` is in production. Stops the edge and starts it again with the
/// current `.stack/signing.jwks` and `.stack/redeem-secrets`, keeping its port and its Durable Object and KV state.
fn redeploy_edge(tools: &Tools) -> Result<()> {
    let dir = stack_dir(tools);
    if !is_up(tools) {
        return Err(Error::msg("the stack is not up (`cargo xtask stack up`)"));
    }
    let state = fs::read_to_string(dir.join("state"))
        .map(|s| PathBuf::from(s.trim()))
        .map_err(|e| Error::msg(format!("cannot read .stack/state: {e}")))?;
    let mut procs = read_pids(&dir);
    if let Some(edge) = procs.iter().find(|p| p.name == "edge") {
        stop_group(edge);
    }
    procs.retain(|p| p.name != "edge");
    let started = Instant::now();
    step("restarting the edge (wrangler dev)", || {
        start_edge(tools, &dir, &state, &mut procs)
    })?;
    println!(
        "stack: edge redeployed in {:.1} s (keys from .stack/signing.jwks, secrets from .stack/redeem-secrets)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs one step of `up`, saying what it does and, while it runs, for how long: on a terminal one line whose
/// seconds count up; otherwise a line every 10 s. Ends with the time the step took (or that it failed).
fn step<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let terminal = std::io::stdout().is_terminal();
    let line = |suffix: String| {
        let mut out = std::io::stdout().lock();
        if terminal {
            let _ = write!(out, "\r\x1b[2Kstack: {what} ... {suffix}");
        } else {
            let _ = writeln!(out, "stack: {what} ... {suffix}");
        }
        let _ = out.flush();
    };
    if terminal {
        line("0 s".into());
    } else {
        println!("stack: {what}");
    }
    let (done, ticks) = mpsc::channel::<()>();
    let result = thread::scope(|scope| {
        scope.spawn(move || {
            let every = if terminal { 1 } else { 10 };
            while let Err(mpsc::RecvTimeoutError::Timeout) = ticks.recv_timeout(Duration::from_secs(every)) {
                line(format!("{} s", started.elapsed().as_secs()));
            }
        });
        let result = work();
        let _ = done.send(());
        result
    });
    let took = started.elapsed().as_secs_f64();
    match &result {
        Ok(_) => line(format!("done in {took:.1} s")),
        Err(_) => line(format!("failed after {took:.1} s")),
    }
    if terminal {
        println!();
    }
    result
}

/// Creates `path` (and parents) and makes it owner-only (0700), also when it already existed.
fn private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(path)
        .and_then(|()| fs::set_permissions(path, fs::Permissions::from_mode(0o700)))
        .map_err(|e| Error::msg(format!("cannot create {}: {e}", path.display())))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = fs::remove_file(path);
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::msg(format!("cannot write {}: {e}", path.display())))
}
