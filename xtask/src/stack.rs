//! `cargo xtask stack up|down|status|redeploy-edge`: the local stack (docs/design.md), in the background.
//!
//! `up` builds what is missing or stale (the edge worker, the CLI, the trigger zip), starts ministack (Cognito +
//! Lambda), provisions it through `handoff provision` (pool, clients, demo user, the trigger as a
//! `provided.al2023` function), starts the edge under `wrangler dev` (fresh persist dir) and, when the site is
//! built, the static site; then writes `.stack/env`. One function per service below; starting, waiting for and
//! stopping processes is [`crate::supervise`]'s. Ports are free ones chosen at start; all state lives in a fresh
//! temp dir per start.
//!
//! The edge's per-user rate limits keep wrangler.toml's defaults (5 issues a minute, 3 live tokens) unless
//! `HANDOFF_RATE_ISSUES_PER_MINUTE` / `HANDOFF_RATE_MAX_LIVE_TOKENS` are set at `up` (1..=10000; for benchmarks that
//! mint many links); the effective values are written to `.stack/env` as `RATE_ISSUES_PER_MINUTE` and
//! `RATE_MAX_LIVE_TOKENS`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::Subcommand;

use crate::cmd::{self, Error, Result};
use crate::package::{self, Arch};
use crate::supervise::Procs;
use crate::tools::{self, Tools};

/// What `cargo xtask stack` does.
#[derive(Subcommand)]
pub enum Action {
    /// Build what is missing or stale, start every service, write .stack/env (a no-op when the stack is up)
    ///
    /// HANDOFF_RATE_ISSUES_PER_MINUTE / HANDOFF_RATE_MAX_LIVE_TOKENS (1..=10000) raise the edge's per-user limits
    /// (defaults 5 and 3).
    Up,
    /// Stop every service and remove the stack's state
    Down,
    /// Each service's process group and whether it runs
    Status,
    /// Restart the edge with the current .stack/signing.jwks and .stack/redeem-secrets (the local `wrangler deploy`)
    RedeployEdge,
}

/// Rate-limit settings taken from the environment at `up`: (environment variable, the edge's var).
const RATE_VARS: [(&str, &str); 2] = [
    ("HANDOFF_RATE_ISSUES_PER_MINUTE", "RATE_ISSUES_PER_MINUTE"),
    ("HANDOFF_RATE_MAX_LIVE_TOKENS", "RATE_MAX_LIVE_TOKENS"),
];
/// Landing page path on the site (the edge puts it in every link).
const LANDING_PATH: &str = "/handoff";
/// What `handoff provision` prints that goes into `.stack/env` under the same name.
const PROVISIONED_SETTINGS: &[&str] = &[
    "AWS_REGION",
    "USER_POOL_ID",
    "MOBILE_CLIENT_ID",
    "WEB_CLIENT_ID",
    "DEMO_USERNAME",
    "DEMO_PASSWORD",
    "DEMO_SUB",
    "COGNITO_ISSUER",
    "COGNITO_JWKS_URL",
    "TRIGGER_FUNCTION_ARN",
    "REDEEM_SECRET_ARN",
];
/// Settings `up` prints only as names.
const SECRET_SETTINGS: &[&str] = &["DEMO_PASSWORD", "REDEEM_SECRET"];
/// Files in `.stack/` that belong to one start (removed by `down`).
const STACK_FILES: &[&str] = &[
    "env",
    "pids",
    "state",
    "session.json",
    "signing.jwks",
    "redeem-secrets",
    "edge.args",
];

/// Runs `cargo xtask stack <action>`.
pub fn run(tools: &Tools, action: Action) -> Result<()> {
    match action {
        Action::Up => up(tools),
        Action::Down => down(tools, true),
        Action::Status => status(tools),
        Action::RedeployEdge => redeploy_edge(tools),
    }
}

fn stack_dir(tools: &Tools) -> PathBuf {
    tools.root.join(".stack")
}

fn status(tools: &Tools) -> Result<()> {
    let dir = stack_dir(tools);
    let procs = Procs::load(&dir);
    if procs.list().is_empty() {
        println!("stack: down");
        return Ok(());
    }
    for p in procs.list() {
        let state = if p.alive() { "running" } else { "DEAD" };
        println!("stack: {:<10} process group {:<8} {state}", p.name, p.pgid);
    }
    if dir.join("env").is_file() {
        println!("stack: settings in {}", dir.join("env").display());
    }
    Ok(())
}

/// Whether a stack is up and healthy (all its process groups alive, settings written).
pub(crate) fn is_up(tools: &Tools) -> bool {
    let dir = stack_dir(tools);
    Procs::load(&dir).all_alive() && dir.join("env").is_file()
}

/// Stops the stack and removes its state; `loud` says what it stopped.
pub(crate) fn down(tools: &Tools, loud: bool) -> Result<()> {
    let dir = stack_dir(tools);
    let procs = Procs::load(&dir);
    let state_dir = fs::read_to_string(dir.join("state"))
        .ok()
        .map(|s| PathBuf::from(s.trim()));
    if procs.list().is_empty() && state_dir.is_none() && !dir.join("env").exists() {
        // An `up` that failed before starting anything leaves an empty pids file behind.
        let _ = fs::remove_file(dir.join("pids"));
        if loud {
            println!("stack: not up; nothing to stop");
        }
        return Ok(());
    }
    // The last started first: the edge talks to nothing, but the trigger (under ministack) talks to it.
    let stopped = procs.stop_all()?;
    if loud {
        for p in &stopped {
            println!("stack: stopped {} (process group {})", p.name, p.pgid);
        }
    }
    for file in STACK_FILES {
        let _ = fs::remove_file(dir.join(file));
    }
    if let Some(state) = state_dir.filter(|s| s.starts_with(std::env::temp_dir())) {
        let _ = fs::remove_dir_all(state);
    }
    if loud {
        println!(
            "stack: down ({} process group(s) stopped, state removed)",
            stopped.len()
        );
    }
    Ok(())
}

/// Starts the stack in the background (a no-op when it is already up).
pub(crate) fn up(tools: &Tools) -> Result<()> {
    let dir = stack_dir(tools);
    let running = Procs::load(&dir);
    if !running.list().is_empty() {
        if running.all_alive() && dir.join("env").is_file() {
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
    let started = Instant::now();
    match start(tools, &dir) {
        Ok(summary) => {
            println!("stack: up in {:.1} s", started.elapsed().as_secs_f64());
            println!("{summary}");
            Ok(())
        }
        Err(e) => {
            // Leave nothing behind: every started service is recorded, so the normal `down` removes it.
            let _ = down(tools, false);
            Err(e)
        }
    }
}

/// Builds, starts every service, writes `.stack/env`; returns the summary to print.
fn start(tools: &Tools, dir: &Path) -> Result<String> {
    // Checked first: a typo in a limit or a missing tool should fail before anything is built or started.
    let wrangler: toml::Table = tools::read_toml(&tools.root.join("edge/wrangler.toml"))?;
    let limits = rate_limits(&wrangler, |name| std::env::var(name).ok())?;
    check_ministack(tools)?;
    let (shim, zip) = build(tools)?;

    let mut stack = Stack::create(tools, dir)?;
    let ports = Ports::free()?;
    let redeem_secret = random_hex(32)?;
    stack.ministack(&ports)?;
    let cognito = stack.provision(&ports, &redeem_secret, &zip)?;
    stack.edge(&wrangler, &shim, &cognito, &ports, &limits, &redeem_secret)?;
    let site_note = stack.site(&cognito, &ports)?;

    let mut settings = vec![
        ("EDGE_URL", ports.edge_url()),
        ("COGNITO_ENDPOINT", ports.cognito_url()),
        ("WEB_URL", format!("{}{LANDING_PATH}", ports.web_origin())),
        ("APP_URL", format!("{}/", ports.web_origin())),
        ("REDEEM_SECRET", redeem_secret),
        (
            "SIGNING_JWKS_FILE",
            dir.join("signing.jwks").display().to_string(),
        ),
        ("ISSUER", ports.edge_url()),
        ("STACK_STATE_DIR", stack.state.display().to_string()),
    ];
    for key in PROVISIONED_SETTINGS {
        settings.push((key, cognito.get(key)?));
    }
    settings.extend(limits.iter().map(|l| (l.var, l.value.clone())));
    let text: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    write_private(&dir.join("env"), &text)?;
    let shown: Vec<String> = settings
        .iter()
        .filter(|(k, _)| !SECRET_SETTINGS.contains(k))
        .map(|(k, v)| format!("  {k}={v}"))
        .collect();
    Ok(format!(
        "stack: settings in {} (mode 0600; secrets not shown):\n{}\nstack: logs in {}{site_note}",
        dir.join("env").display(),
        shown.join("\n"),
        stack.state.display()
    ))
}

/// ministack is installed, with `cryptography`: without it ministack serves a dummy key set and cannot sign RS256
/// tokens the edge accepts.
fn check_ministack(tools: &Tools) -> Result<()> {
    if !tools.ministack().is_file() {
        return Err(Error::msg("ministack is not installed: run `cargo xtask setup`"));
    }
    let mut import = Command::new(tools.venv_python());
    if cmd::probe(import.args(["-c", "import cryptography"])).is_none() {
        return Err(Error::msg(
            "ministack needs the `cryptography` package to sign real RS256 tokens: \
             `.tools/venv/bin/pip install cryptography` (or `cargo xtask setup`)",
        ));
    }
    Ok(())
}

/// Builds what the services run: the edge worker when missing or stale, the CLI, the x86_64 trigger zip
/// (the one `cargo xtask package` ships, same build, same checks). Returns the worker's shim and the zip.
fn build(tools: &Tools) -> Result<(PathBuf, String)> {
    if package::edge_worker_stale(&tools.root) {
        step("building the edge worker (worker-build --release)", || {
            package::build_edge_worker(tools, true)
        })?;
    }
    step("building the CLI (cargo build -p handoff-cli)", || {
        cmd::capture(
            "cargo build -p handoff-cli",
            tools.command("cargo").args(["build", "-q", "-p", "handoff-cli"]),
        )
    })?;
    let zip = step(
        "building the trigger zip (cargo lambda build --release, x86_64)",
        || package::lambda_zip(tools, Arch::X86_64, true),
    )?;
    Ok((package::edge_shim(&tools.root), zip.display().to_string()))
}

/// The reference CLI, built by `up`.
pub(crate) fn handoff(tools: &Tools) -> PathBuf {
    tools.root.join("target/debug/handoff")
}

/// The ports the services listen on, free ones on loopback chosen at start.
struct Ports {
    cognito: u16,
    edge: u16,
    inspector: u16,
    web: u16,
}

impl Ports {
    fn free() -> Result<Self> {
        let port = || {
            TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .map_err(|e| Error::msg(format!("no free port: {e}")))
        };
        Ok(Self {
            cognito: port()?,
            edge: port()?,
            inspector: port()?,
            web: port()?,
        })
    }

    fn cognito_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.cognito)
    }

    fn edge_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.edge)
    }

    fn web_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.web)
    }
}

/// What `handoff provision` printed: `KEY=VALUE` lines naming the pool, the clients, the demo user, the trigger.
struct Provisioned(BTreeMap<String, String>);

impl Provisioned {
    fn parse(text: &str) -> Self {
        let pairs = text.lines().filter_map(|l| l.split_once('='));
        Self(pairs.map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    fn get(&self, key: &str) -> Result<String> {
        self.0
            .get(key)
            .cloned()
            .ok_or_else(|| Error::msg(format!("handoff provision printed no {key}")))
    }
}

/// One of the edge's rate limits: its var, its value, and whether the environment set it.
#[derive(Debug, PartialEq)]
struct Limit {
    var: &'static str,
    value: String,
    overridden: bool,
}

/// The edge's rate limits: each of [`RATE_VARS`] from the environment (`env`; checked, 1..=10000) or else the
/// default in edge/wrangler.toml's `[vars]`.
fn rate_limits(wrangler: &toml::Table, env: impl Fn(&str) -> Option<String>) -> Result<Vec<Limit>> {
    RATE_VARS
        .iter()
        .map(|&(name, var)| match env(name) {
            Some(text) => match text.trim().parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok(Limit {
                    var,
                    value: n.to_string(),
                    overridden: true,
                }),
                _ => Err(Error::msg(format!(
                    "{name} must be a whole number from 1 to 10000, not {text:?}"
                ))),
            },
            None => {
                let value = match wrangler.get("vars").and_then(|vars| vars.get(var)) {
                    Some(toml::Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => return Err(Error::msg(format!("edge/wrangler.toml sets no {var}"))),
                };
                Ok(Limit {
                    var,
                    value,
                    overridden: false,
                })
            }
        })
        .collect()
}

/// The edge's wrangler.toml: edge/wrangler.toml with `main` pointing at the built worker (the copy lives in the
/// state dir, so a relative `main` would point nowhere).
fn edge_config(wrangler: &toml::Table, shim: &Path) -> String {
    let mut config = wrangler.clone();
    config.insert("main".into(), shim.display().to_string().into());
    config.to_string()
}

/// One start of the stack: where it keeps things and the process groups it started.
struct Stack<'a> {
    tools: &'a Tools,
    /// `.stack/`: settings, pids, keys, secrets.
    dir: PathBuf,
    /// This start's own temp dir: logs, ministack's data, the edge's config and persisted state.
    state: PathBuf,
    procs: Procs,
}

impl<'a> Stack<'a> {
    /// A new start: a fresh state dir, recorded in `.stack/state`.
    fn create(tools: &'a Tools, dir: &Path) -> Result<Self> {
        let state = fresh_private_dir("handoff-stack")?;
        tools::write(&dir.join("state"), &state.display().to_string())?;
        Ok(Self {
            tools,
            dir: dir.to_owned(),
            state,
            procs: Procs::load(dir),
        })
    }

    /// The running stack's, for changing one service.
    fn running(tools: &'a Tools) -> Result<Self> {
        let dir = stack_dir(tools);
        let state = fs::read_to_string(dir.join("state"))
            .map(|s| PathBuf::from(s.trim()))
            .map_err(|e| Error::msg(format!("cannot read .stack/state: {e}")))?;
        Ok(Self {
            tools,
            procs: Procs::load(&dir),
            dir,
            state,
        })
    }

    /// ministack: Cognito and Lambda (it runs the trigger's `bootstrap` itself).
    fn ministack(&mut self, ports: &Ports) -> Result<()> {
        let url = ports.cognito_url();
        let mut cmd = Command::new(self.tools.ministack());
        cmd.current_dir(&self.state)
            .env("BIND_HOST", "127.0.0.1")
            .env("GATEWAY_PORT", ports.cognito.to_string())
            // Keys and data in this start's own dir, not the shared /tmp/ministack-state.
            .env("STATE_DIR", self.state.join("ministack"))
            // With `cryptography` present ministack opens an MQTT/TLS listener on 0.0.0.0:8883; not ours to open.
            .env("IOT_MTLS_ENABLED", "0")
            // Passed on to the functions it runs: the trigger reads its redeem secret from this Secrets Manager.
            .env("AWS_ENDPOINT_URL", &url);
        let log = self.state.join("ministack.log");
        let health = format!("{url}/_ministack/health");
        step(&format!("starting ministack on {url}"), || {
            self.procs
                .start("ministack", &mut cmd, &log, &health, Duration::from_secs(30))
        })
    }

    /// The pool, its clients, the demo user and the trigger function, through `handoff provision`.
    fn provision(&self, ports: &Ports, redeem_secret: &str, zip: &str) -> Result<Provisioned> {
        let cognito_url = ports.cognito_url();
        let mut provision = Command::new(handoff(self.tools));
        provision
            .current_dir(&self.state)
            .env_remove("HANDOFF_STACK_ENV")
            .args([
                "provision",
                "-q",
                "--endpoint",
                &cognito_url,
                "--edge",
                &ports.edge_url(),
            ])
            // The secret through the environment, not argv (visible to every local user in `ps`).
            .env("REDEEM_SECRET", redeem_secret)
            .args(["--zip", zip, "--write"])
            .arg(self.state.join("cognito.env"));
        let out = step(
            "provisioning Cognito (pool, clients, demo user, trigger function)",
            || cmd::capture("handoff provision", &mut provision),
        )?;
        Ok(Provisioned::parse(&out))
    }

    /// The edge: a signing key, its redeem secret, its config and arguments (kept for `redeploy-edge`), then
    /// `wrangler dev` on the built worker.
    fn edge(
        &mut self,
        wrangler: &toml::Table,
        shim: &Path,
        cognito: &Provisioned,
        ports: &Ports,
        limits: &[Limit],
        redeem_secret: &str,
    ) -> Result<()> {
        let mut generate = Command::new(handoff(self.tools));
        generate
            .args(["keys", "generate", "-q", "--kid", "dev-ed25519", "--out"])
            .arg(self.dir.join("signing.jwks"));
        cmd::capture("handoff keys generate", &mut generate)?;
        // The edge's redeem secrets, current first: `stack redeploy-edge` picks up changes (rotation tests).
        write_private(&self.dir.join("redeem-secrets"), &format!("{redeem_secret}\n"))?;

        let work = self.state.join("wrangler");
        fs::create_dir_all(&work)
            .map_err(|e| Error::msg(format!("cannot create {}: {e}", work.display())))?;
        tools::write(&work.join("wrangler.toml"), &edge_config(wrangler, shim))?;

        let cognito_url = ports.cognito_url();
        let mut vars = vec![
            ("ISSUER", ports.edge_url()),
            ("WEB_ORIGIN", ports.web_origin()),
            ("LANDING_PATH", LANDING_PATH.into()),
            ("AUDIENCES", cognito.get("WEB_CLIENT_ID")?),
            ("MOBILE_CLIENT_IDS", cognito.get("MOBILE_CLIENT_ID")?),
            ("COGNITO_ISSUER", cognito.get("COGNITO_ISSUER")?),
            ("COGNITO_JWKS_URL", cognito.get("COGNITO_JWKS_URL")?),
            // GetUser (the revocation check) at the emulator. ministack 1.5.33 still accepts a revoked access
            // token: the refusal itself is tested against a fixture of real Cognito's answer in tests/edge.
            ("COGNITO_ENDPOINT", format!("{cognito_url}/")),
            ("REDIRECT_ALLOWLIST", "/".into()),
            // Context binding by address: the phone (the CLI) and the browser are both on loopback here; the
            // tests stand in for other networks with the CF-Connecting-IP header.
            ("CONTEXT_BINDING", "ip".into()),
        ];
        for limit in limits.iter().filter(|l| l.overridden) {
            println!(
                "stack: edge limit {}={} (from the environment)",
                limit.var, limit.value
            );
            vars.push((limit.var, limit.value.clone()));
        }
        let mut args: Vec<String> = ["dev", "--config", "wrangler.toml", "--local", "--ip", "127.0.0.1"]
            .map(String::from)
            .to_vec();
        args.extend([
            "--port".into(),
            ports.edge.to_string(),
            "--inspector-port".into(),
            ports.inspector.to_string(),
            "--persist-to".into(),
            work.join("persist").display().to_string(),
            "--show-interactive-dev-session=false".into(),
        ]);
        for (k, v) in &vars {
            args.extend(["--var".into(), format!("{k}:{v}")]);
        }
        // No secrets in these arguments (they are visible in `ps`): secrets go through .dev.vars.
        write_private(&self.dir.join("edge.args"), &(args.join("\n") + "\n"))?;
        step(
            &format!("starting the edge (wrangler dev) on {}", ports.edge_url()),
            || self.start_edge(),
        )
    }

    /// Starts (or restarts) the edge: `.dev.vars` from `.stack/signing.jwks` and `.stack/redeem-secrets`, then
    /// `wrangler dev` with the arguments `up` saved in `.stack/edge.args` (same port, same persisted state).
    fn start_edge(&mut self) -> Result<()> {
        let read = |name: &str| tools::read(&self.dir.join(name));
        let work = self.state.join("wrangler");
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
        let mut wrangler = self.tools.wrangler_in(&work, &work);
        wrangler.args(&args);
        let log = self.state.join("edge.log");
        let health = format!("http://127.0.0.1:{port}/healthz");
        self.procs
            .start("edge", &mut wrangler, &log, &health, Duration::from_secs(90))
    }

    /// The static site with the stack's configuration, when it is built; returns a note for the summary when it
    /// does not run (it is optional for everything but the browser flow: a broken one is reported, not fatal).
    fn site(&mut self, cognito: &Provisioned, ports: &Ports) -> Result<String> {
        let site = self.tools.root.join("target/web/site");
        if !site.join("_headers").is_file() {
            return Ok("\nstack: the site is not built (`cargo xtask build-web`): WEB_URL and APP_URL answer nothing".into());
        }
        let config = serde_json::json!({
            "region": cognito.get("AWS_REGION")?,
            "userPoolId": cognito.get("USER_POOL_ID")?,
            "clientId": cognito.get("WEB_CLIENT_ID")?,
            "cognitoEndpoint": format!("{}/", ports.cognito_url()),
            "edgeUrl": ports.edge_url(),
            "redirectAllowlist": ["/"],
            "defaultRedirect": "/",
            "appReturnUrl": "/",
            "otherSignInUrl": "/",
        });
        let config_file = self.state.join("site-config.json");
        tools::write(&config_file, &config.to_string())?;
        let mut node = self.tools.command("node");
        node.arg(self.tools.root.join("www/serve.mjs"))
            .arg("--root")
            .arg(&site)
            .args(["--port", &ports.web.to_string(), "--config"])
            .arg(&config_file);
        let log = self.state.join("site.log");
        let origin = ports.web_origin();
        let started = step(&format!("starting the static site on {origin}"), || {
            self.procs.start(
                "site",
                &mut node,
                &log,
                &format!("{origin}/"),
                Duration::from_secs(20),
            )
        });
        match started {
            Ok(()) => Ok(String::new()),
            Err(e) => {
                self.procs.stop("site")?;
                Ok(format!(
                    "\nstack: WARNING: the static site did not start, WEB_URL and APP_URL answer nothing: {e}"
                ))
            }
        }
    }
}

/// `stack redeploy-edge`: what `wrangler deploy` is in production. Stops the edge and starts it again with the
/// current `.stack/signing.jwks` and `.stack/redeem-secrets`, keeping its port and its Durable Object and KV state.
fn redeploy_edge(tools: &Tools) -> Result<()> {
    if !is_up(tools) {
        return Err(Error::msg("the stack is not up (`cargo xtask stack up`)"));
    }
    let mut stack = Stack::running(tools)?;
    stack.procs.stop("edge")?;
    let started = Instant::now();
    step("restarting the edge (wrangler dev)", || stack.start_edge())?;
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

/// `bytes` random bytes from the OS, as hex.
fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| Error::msg(format!("no randomness from the OS: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A new owner-only directory `<temp dir>/<prefix>-<random>`; never one that already existed. (The tempfile crate
/// is not in Cargo.lock, and this directory must outlive the process: `down` removes it.)
fn fresh_private_dir(prefix: &str) -> Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("{prefix}-{}", random_hex(8)?));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&path)
        .map_err(|e| Error::msg(format!("cannot create {}: {e}", path.display())))?;
    private_dir(&path)?;
    Ok(path)
}

/// Creates `path` (and parents) and makes it owner-only (0700), also when it already existed.
fn private_dir(path: &Path) -> Result<()> {
    fs::create_dir_all(path)
        .and_then(|()| fs::set_permissions(path, fs::Permissions::from_mode(0o700)))
        .map_err(|e| Error::msg(format!("cannot create {}: {e}", path.display())))
}

/// Writes a file only its owner can read (0600), replacing any file there.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let _ = fs::remove_file(path);
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::msg(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrangler() -> toml::Table {
        "name = \"x\"\n[vars]\nRATE_ISSUES_PER_MINUTE = \"5\"\nRATE_MAX_LIVE_TOKENS = 3\n"
            .parse()
            .unwrap()
    }

    #[test]
    fn rate_limits_default_to_wrangler_toml() {
        let limits = rate_limits(&wrangler(), |_| None).unwrap();
        let values: Vec<(&str, &str, bool)> = limits
            .iter()
            .map(|l| (l.var, l.value.as_str(), l.overridden))
            .collect();
        assert_eq!(
            values,
            [
                ("RATE_ISSUES_PER_MINUTE", "5", false),
                ("RATE_MAX_LIVE_TOKENS", "3", false)
            ]
        );
        let empty: toml::Table = "name = \"x\"\n".parse().unwrap();
        let err = rate_limits(&empty, |_| None).unwrap_err().to_string();
        assert!(err.contains("sets no RATE_ISSUES_PER_MINUTE"), "{err}");
    }

    #[test]
    fn rate_limits_from_the_environment_are_checked() {
        let env = |value: &'static str| {
            move |name: &str| (name == "HANDOFF_RATE_ISSUES_PER_MINUTE").then(|| value.to_owned())
        };
        let limits = rate_limits(&wrangler(), env(" 1000 ")).unwrap();
        assert_eq!(
            limits[0],
            Limit {
                var: "RATE_ISSUES_PER_MINUTE",
                value: "1000".into(),
                overridden: true
            }
        );
        assert!(!limits[1].overridden);
        for bad in ["0", "10001", "many", "-1"] {
            let err = rate_limits(&wrangler(), env(bad)).unwrap_err().to_string();
            assert!(err.contains("from 1 to 10000"), "{bad}: {err}");
        }
    }

    /// The stack's wrangler.toml is the repository's, every table and value, but for `main`.
    #[test]
    fn the_edge_config_is_wrangler_toml_with_the_built_worker() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../edge/wrangler.toml");
        let mut original: toml::Table = tools::read_toml(&path).unwrap();
        let text = edge_config(&original, Path::new("/abs/build/worker/shim.mjs"));
        let mut written: toml::Table = text.parse().unwrap();
        assert_eq!(written["main"].as_str(), Some("/abs/build/worker/shim.mjs"));
        assert_eq!(
            written["env"]["production"]["vars"]["TOKEN_TTL_SECS"].as_str(),
            Some("60")
        );
        written.remove("main");
        original.remove("main");
        assert_eq!(written, original);
    }

    #[test]
    fn provisioned_settings_are_read_by_name() {
        let out = Provisioned::parse("USER_POOL_ID=local_pool\nnoise\nDEMO_SUB=a=b\n");
        assert_eq!(out.get("USER_POOL_ID").unwrap(), "local_pool");
        assert_eq!(out.get("DEMO_SUB").unwrap(), "a=b");
        assert!(
            out.get("WEB_CLIENT_ID")
                .unwrap_err()
                .to_string()
                .contains("printed no WEB_CLIENT_ID")
        );
    }

    #[test]
    fn fresh_private_dirs_are_new_and_owner_only() {
        let a = fresh_private_dir("xtask-test").unwrap();
        let b = fresh_private_dir("xtask-test").unwrap();
        assert_ne!(a, b);
        let mode = fs::metadata(&a).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        fs::remove_dir(a).unwrap();
        fs::remove_dir(b).unwrap();
    }
}
