//! `cargo xtask package [--config FILE]`: every deployable artifact in `target/package/`, each checked before it
//! is written, then a table of what was written with its sizes.
//!
//! - `lambda/handoff-triggers-x86_64.zip`, `lambda/handoff-triggers-arm64.zip`: the trigger Lambda for
//!   `provided.al2023`, cross-built by cargo-lambda (zig) with the workspace's release profile. Each zip must hold
//!   exactly one file, `bootstrap`, at its root, a regular file readable and executable by everyone (Lambda runs
//!   it as another user), an ELF for the zip's machine with the system's loader, stripped, linking only glibc and
//!   libgcc_s, and needing no glibc symbol version newer than Amazon Linux 2023's 2.34. A zip that fails a check
//!   is not written (and an older one at that path is removed).
//! - `edge/`: the worker bundle, `wrangler deploy --dry-run --env production --outdir` on the release worker.
//! - `site/`: the landing site for production: the landing page (`/handoff/`) and `_headers`, nothing else (the
//!   demo web app, the api demo, the npm package's browser copy and the benchmark pages are development only).
//!
//! `cargo xtask test-bootstrap x86_64|arm64` runs the trigger's binary tests (`triggers/tests/bootstrap.rs`)
//! against the `bootstrap` inside a packaged zip, arm64 under qemu-user.
//!
//! The zip and ELF readers are here, std only (zip: stored and deflate; ELF: 64-bit little-endian), so the checks
//! need no unzip, objdump or cross binutils, and read exactly the bytes that ship.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::cmd::{self, Error, Result};
use crate::tools::{Tools, reset};
use crate::web;

/// Amazon Linux 2023 (`provided.al2023`) ships glibc 2.34: a binary needing a newer symbol version fails to start.
pub const GLIBC_CEILING: (u32, u32) = (2, 34);
/// The shared libraries the trigger may link: glibc's and libgcc_s (both in every Lambda image).
const ALLOWED_LIBS: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
];
/// What the production site holds: `_headers` and the landing page's directory.
const SITE_HEADERS: &str = "_headers";
const SITE_LANDING_DIR: &str = "handoff";
/// Paths of the development site that must never ship (checked by name, on top of the allowlist above).
const SITE_DEV_ONLY: &[&str] = &["index.html", "app", "api-demo", "pkg", "bench"];

/// A Lambda architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Arch {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "arm64")]
    Arm64,
}

/// What differs between the architectures.
pub struct ArchFacts {
    /// Lambda's name for it (`Architectures:`), used in file names and on the command line.
    pub name: &'static str,
    cargo_lambda_flag: &'static str,
    /// `e_machine` of its ELF files, and that machine's name.
    elf_machine: u16,
    machine_name: &'static str,
    /// The glibc dynamic loader its binaries name (`PT_INTERP`).
    interpreter: &'static str,
    /// `std::env::consts::ARCH` of a machine that runs its binaries natively.
    host_arch: &'static str,
}

impl Arch {
    /// Both, in the order they are built.
    pub const ALL: [Arch; 2] = [Arch::X86_64, Arch::Arm64];

    /// Its facts.
    pub fn facts(self) -> &'static ArchFacts {
        match self {
            Arch::X86_64 => &ArchFacts {
                name: "x86_64",
                cargo_lambda_flag: "--x86-64",
                elf_machine: 62,
                machine_name: "x86-64",
                interpreter: "/lib64/ld-linux-x86-64.so.2",
                host_arch: "x86_64",
            },
            Arch::Arm64 => &ArchFacts {
                name: "arm64",
                cargo_lambda_flag: "--arm64",
                elf_machine: 183,
                machine_name: "AArch64",
                interpreter: "/lib/ld-linux-aarch64.so.1",
                host_arch: "aarch64",
            },
        }
    }

    /// Lambda's name for it.
    pub fn name(self) -> &'static str {
        self.facts().name
    }
}

/// `target/package/` and the paths inside it.
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(tools: &Tools) -> Self {
        Layout {
            root: tools.root.join("target").join("package"),
        }
    }

    /// The trigger zip for `arch`.
    pub fn lambda_zip(&self, arch: Arch) -> PathBuf {
        self.root
            .join("lambda")
            .join(format!("handoff-triggers-{}.zip", arch.name()))
    }

    fn edge(&self) -> PathBuf {
        self.root.join("edge")
    }

    fn site(&self) -> PathBuf {
        self.root.join("site")
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

/// `cargo xtask package`: builds, checks and writes every artifact, then prints the table.
pub fn run(tools: &Tools, config: &web::ConfigArg) -> Result<()> {
    let started = Instant::now();
    match package(tools, config) {
        Ok(rows) => {
            print_table(&rows);
            println!(
                "\npackage: everything in target/package/ written and checked in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(err) => {
            eprintln!("package: failed after {:.1} s", started.elapsed().as_secs_f64());
            Err(err)
        }
    }
}

/// Builds, checks and writes every artifact; returns the table rows.
fn package(tools: &Tools, config: &web::ConfigArg) -> Result<Vec<Row>> {
    let layout = Layout::new(tools);
    let mut rows = Vec::new();

    for arch in Arch::ALL {
        println!("== package: trigger Lambda for {}", arch.name());
        let zip = lambda_zip(tools, arch, false)?;
        let bytes = read_bytes(&zip)?;
        let report =
            check_lambda_zip(&bytes, arch).map_err(|e| Error::msg(format!("{}: {e}", zip.display())))?;
        println!("package: {}", report.summary(arch));
        rows.push(Row::zip(
            &layout,
            &zip,
            report.bootstrap.len() as u64,
            bytes.len() as u64,
        ));
    }

    println!("== package: edge worker bundle (--env production)");
    let started = Instant::now();
    edge_bundle(tools, &layout)?;
    println!("package: edge bundle in {:.1} s", started.elapsed().as_secs_f64());

    println!("== package: landing site for production");
    let config = config.file(tools);
    if config.ends_with("config.dev.json") {
        println!(
            "package: note: the site carries the development configuration ({}); \
             pass --config FILE (or HANDOFF_WEB_CONFIG) with your pool's for a deployment",
            config.display()
        );
    }
    let started = Instant::now();
    production_site(tools, &layout, &config)?;
    println!(
        "package: production site in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Last, everything again from disk: what the table lists is what is there, and it passes the checks.
    println!("== package: checking target/package/");
    verify_written(&layout)?;
    rows.extend(web_rows(tools, &layout)?);
    Ok(rows)
}

/// Builds the trigger zip for `arch` with cargo-lambda (cargo rebuilds only what changed), checks it, and writes it
/// to `target/package/lambda/handoff-triggers-<arch>.zip`; returns that path. `quiet`: cargo's output only on
/// failure (for `stack up`). A zip that fails a check is never written, and an older one there is removed.
pub fn lambda_zip(tools: &Tools, arch: Arch, quiet: bool) -> Result<PathBuf> {
    let layout = Layout::new(tools);
    let out = layout.lambda_zip(arch);
    let build_dir = tools.root.join("target").join("lambda").join(arch.name());
    let built = build_dir.join("bootstrap").join("bootstrap.zip");
    let _ = fs::remove_file(&built);

    let mut build = tools.command(tools.cargo_lambda());
    build
        .args(["lambda", "build", "--release", arch.facts().cargo_lambda_flag])
        .args([
            "-p",
            "handoff-triggers",
            "--bin",
            "bootstrap",
            "--output-format",
            "zip",
        ])
        .arg("--lambda-dir")
        .arg(&build_dir)
        // The venv's python3 first: cargo-lambda runs its zig as `python3 -m ziglang`.
        .env("PATH", cargo_lambda_path(tools));
    let step = format!("package: cargo lambda build ({})", arch.name());
    let started = Instant::now();
    let result = if quiet {
        cmd::capture(&step, &mut build).map(drop)
    } else {
        cmd::run(&step, &mut build)
    };
    if let Err(err) = result {
        let _ = fs::remove_file(&out);
        return Err(err);
    }
    if !quiet {
        println!(
            "package: cargo lambda build ({}) in {:.1} s",
            arch.name(),
            started.elapsed().as_secs_f64()
        );
    }

    let bytes = match fs::read(&built) {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = fs::remove_file(&out);
            return Err(Error::msg(format!(
                "cargo-lambda finished but wrote no {}: {e}",
                built.display()
            )));
        }
    };
    if let Err(problem) = check_lambda_zip(&bytes, arch) {
        let _ = fs::remove_file(&out);
        return Err(Error::msg(format!(
            "refusing to package {} for {}: {problem}",
            built.display(),
            arch.name()
        )));
    }
    write_atomically(&out, &bytes)?;
    Ok(out)
}

/// PATH with cargo-lambda's venv first (its python3 has the pinned zig).
fn cargo_lambda_path(tools: &Tools) -> std::ffi::OsString {
    let venv_bin = tools.cargo_lambda_venv().join("bin");
    let rest = tools.path_env();
    let dirs = std::iter::once(venv_bin).chain(std::env::split_paths(&rest));
    std::env::join_paths(dirs).unwrap_or(rest)
}

/// The edge worker's sources, as `ensureBuilt` in tests/edge/helper.mjs lists them: a build older than any of
/// them (files or directories, recursively) is stale.
// tests/edge/helper.mjs holds the build recipe (toolchain, flags): a change there rebuilds too.
const EDGE_SOURCES: &[&str] = &[
    "edge/src",
    "edge/Cargo.toml",
    "core/src",
    "Cargo.lock",
    "tests/edge/helper.mjs",
];

/// The release edge worker's entry point, as worker-build writes it.
pub fn edge_shim(root: &Path) -> PathBuf {
    root.join("edge/build/worker/shim.mjs")
}

/// Whether the release edge worker is missing or older than one of its sources (so a `stack up` after an edit
/// serves the edited worker).
pub fn edge_worker_stale(root: &Path) -> bool {
    let built = fs::metadata(edge_shim(root)).and_then(|m| m.modified());
    let newest = EDGE_SOURCES.iter().map(|s| newest_mtime(&root.join(s))).max();
    match (built, newest) {
        (Ok(built), Some(Some(newest))) => built < newest,
        _ => true,
    }
}

/// The newest modification time of `path` and everything under it; `None` when something cannot be read.
fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = fs::metadata(path).ok()?;
    let mut newest = meta.modified().ok()?;
    if meta.is_dir() {
        for entry in fs::read_dir(path).ok()? {
            newest = newest.max(newest_mtime(&entry.ok()?.path())?);
        }
    }
    Some(newest)
}

/// Builds the release edge worker (worker-build, through tests/edge/helper.mjs so that the tests and the stack
/// build alike) unless it is up to date. `quiet`: its output only on failure.
pub fn build_edge_worker(tools: &Tools, quiet: bool) -> Result<()> {
    if !edge_worker_stale(&tools.root) {
        return Ok(());
    }
    let ensure = "import('./tests/edge/helper.mjs').then((m) => m.ensureBuilt())";
    let mut node = tools.command("node");
    node.args(["-e", ensure]);
    if quiet {
        cmd::capture("edge build", &mut node).map(drop)
    } else {
        cmd::run("edge build", &mut node)
    }
}

/// The edge worker (release, as the tests build it), bundled by wrangler for the production environment.
fn edge_bundle(tools: &Tools, layout: &Layout) -> Result<()> {
    build_edge_worker(tools, false)?;
    let out = layout.edge();
    reset(&out)?;
    let scratch = tools.root.join("target").join("package-work").join("wrangler");
    reset(&scratch)?;
    let mut deploy = tools.wrangler_in(&tools.root.join("edge"), &scratch);
    deploy
        .args(["deploy", "--dry-run", "--env", "production", "--outdir"])
        .arg(&out);
    let shown = cmd::display(&deploy);
    let (status, text) =
        cmd::tee(&mut deploy).map_err(|e| Error::step("package: wrangler", &shown, cmd::spawn_detail(&e)))?;
    if !status.success() {
        return Err(Error::step("package: wrangler", &shown, cmd::exit_detail(status)));
    }
    // wrangler only warns when the environment does not exist, then bundles the top-level (development) config.
    if let Some(line) = missing_environment(&text) {
        return Err(Error::msg(format!(
            "edge/wrangler.toml has no [env.production] (wrangler: {line})"
        )));
    }
    check_edge_bundle(&out)
}

/// wrangler's warning that the `--env` it was given is not in the configuration, if it printed one.
fn missing_environment(output: &str) -> Option<&str> {
    output.lines().map(str::trim).find(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("no environment found") || (l.contains("environment") && l.contains("not found"))
    })
}

/// The production site: the landing page and `_headers` from `cargo xtask build-web`'s site, nothing else.
fn production_site(tools: &Tools, layout: &Layout, config: &Path) -> Result<()> {
    let built = web::build(tools, config)?;
    let out = layout.site();
    reset(&out)?;
    copy_file(&built.site.join(SITE_HEADERS), &out.join(SITE_HEADERS))?;
    copy_tree(&built.site.join(SITE_LANDING_DIR), &out.join(SITE_LANDING_DIR))?;
    check_site(&out)
}

/// Reads every artifact back from disk and checks it again; an error names the first problem.
fn verify_written(layout: &Layout) -> Result<()> {
    for arch in Arch::ALL {
        let zip = layout.lambda_zip(arch);
        let bytes = read_bytes(&zip)?;
        check_lambda_zip(&bytes, arch).map_err(|e| Error::msg(format!("{}: {e}", zip.display())))?;
        println!("package: ok {}", relative(&layout.root, &zip));
    }
    check_edge_bundle(&layout.edge())?;
    println!("package: ok edge/ (worker bundle)");
    check_site(&layout.site())?;
    println!("package: ok site/ (landing page and _headers only)");
    Ok(())
}

/// `cargo xtask test-bootstrap ARCH`: the trigger's binary tests against the packaged `bootstrap`.
pub fn run_bootstrap_tests(tools: &Tools, arch: Arch) -> Result<()> {
    let zip = Layout::new(tools).lambda_zip(arch);
    let bytes = fs::read(&zip).map_err(|e| {
        Error::msg(format!(
            "cannot read {} ({e}); `cargo xtask package` writes it",
            zip.display()
        ))
    })?;
    let report = check_lambda_zip(&bytes, arch).map_err(|e| Error::msg(format!("{}: {e}", zip.display())))?;
    let dir = tools.root.join("target").join("package-work").join(arch.name());
    reset(&dir)?;
    let binary = dir.join("bootstrap");
    fs::write(&binary, &report.bootstrap)
        .and_then(|()| set_mode(&binary, 0o755))
        .map_err(|e| Error::msg(format!("cannot write {}: {e}", binary.display())))?;
    let runner = if arch.facts().host_arch == std::env::consts::ARCH {
        String::new()
    } else if arch == Arch::Arm64 {
        format!(
            "{} -L {}",
            tools.qemu_aarch64().display(),
            tools.aarch64_sysroot().display()
        )
    } else {
        return Err(Error::msg(format!(
            "no runner for {} binaries on this {} machine",
            arch.name(),
            std::env::consts::ARCH
        )));
    };
    println!(
        "test-bootstrap: {} from {} ({}){}",
        binary.display(),
        relative(&tools.root, &zip),
        report.summary(arch),
        if runner.is_empty() {
            String::new()
        } else {
            format!(", run by `{runner}`")
        }
    );
    let mut test = tools.command("cargo");
    test.args(["test", "-p", "handoff-triggers", "--test", "bootstrap"])
        .env("HANDOFF_BOOTSTRAP", &binary)
        .env("HANDOFF_BOOTSTRAP_RUNNER", &runner);
    cmd::run("test-bootstrap", &mut test)
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

/// What a good trigger zip holds.
#[derive(Debug)]
pub struct ZipReport {
    /// The `bootstrap` file's bytes.
    pub bootstrap: Vec<u8>,
    /// Its mode bits in the zip.
    pub mode: u32,
    /// The newest glibc symbol version it needs, if any.
    pub glibc: Option<(u32, u32, u32)>,
}

impl ZipReport {
    fn summary(&self, arch: Arch) -> String {
        let glibc = self.glibc.map_or_else(
            || "no glibc symbol versions".to_owned(),
            |v| format!("needs glibc {}", version_text(v)),
        );
        format!(
            "bootstrap {} bytes, mode {:o}, ELF {}, {glibc} (<= {}.{})",
            self.bootstrap.len(),
            self.mode & 0o7777,
            arch.facts().machine_name,
            GLIBC_CEILING.0,
            GLIBC_CEILING.1
        )
    }
}

/// Every check of a trigger zip for `arch` (see the module docs); the extracted `bootstrap` on success.
pub fn check_lambda_zip(bytes: &[u8], arch: Arch) -> std::result::Result<ZipReport, String> {
    let entries = zip::entries(bytes)?;
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let [entry] = entries.as_slice() else {
        return Err(format!(
            "expected exactly one file, `bootstrap`, at the zip's root; found {names:?}"
        ));
    };
    if entry.name != "bootstrap" {
        return Err(format!(
            "expected `bootstrap` at the zip's root; found {:?}",
            entry.name
        ));
    }
    let Some(mode) = entry.unix_mode() else {
        return Err("`bootstrap` has no Unix permissions in the zip (Lambda could not execute it)".into());
    };
    let kind = mode & 0o170_000;
    if kind != 0 && kind != 0o100_000 {
        return Err(format!("`bootstrap` is not a regular file (mode {mode:o})"));
    }
    // Lambda runs the function as a user other than the file's owner: it needs r-x for everyone.
    if mode & 0o555 != 0o555 {
        return Err(format!(
            "`bootstrap` must be readable and executable by everyone (r-xr-xr-x); its mode is {:o}",
            mode & 0o7777
        ));
    }
    let bootstrap = zip::extract(bytes, entry)?;
    let elf = elf::inspect(&bootstrap)?;
    if elf.machine != arch.facts().elf_machine {
        return Err(format!(
            "`bootstrap` is for ELF machine {} ({}), not {} ({})",
            elf.machine,
            elf::machine_name(elf.machine),
            arch.facts().elf_machine,
            arch.facts().machine_name
        ));
    }
    if elf.interpreter.as_deref() != Some(arch.facts().interpreter) {
        return Err(format!(
            "`bootstrap` asks for loader {:?}, not glibc's {}",
            elf.interpreter,
            arch.facts().interpreter
        ));
    }
    if let Some(section) = elf
        .sections
        .iter()
        .find(|s| *s == ".symtab" || s.starts_with(".debug"))
    {
        return Err(format!(
            "`bootstrap` is not stripped (has {section}): the release profile's `strip` did not apply"
        ));
    }
    if let Some(lib) = elf.needed.iter().find(|l| !ALLOWED_LIBS.contains(&l.as_str())) {
        return Err(format!(
            "`bootstrap` links {lib}, which provided.al2023 does not promise (allowed: glibc, libgcc_s)"
        ));
    }
    let mut newest = None;
    for version in &elf.versions {
        let Some(v) = version.strip_prefix("GLIBC_") else {
            continue;
        };
        let parsed = parse_version(v).ok_or_else(|| {
            format!("`bootstrap` needs glibc symbol version {version}, which is not a release")
        })?;
        if (parsed.0, parsed.1) > GLIBC_CEILING {
            return Err(format!(
                "`bootstrap` needs {version}; provided.al2023 has glibc {}.{}",
                GLIBC_CEILING.0, GLIBC_CEILING.1
            ));
        }
        newest = newest.max(Some(parsed));
    }
    Ok(ZipReport {
        bootstrap,
        mode,
        glibc: newest,
    })
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    parts.next().is_none().then_some((major, minor, patch))
}

fn version_text(v: (u32, u32, u32)) -> String {
    if v.2 == 0 {
        format!("{}.{}", v.0, v.1)
    } else {
        format!("{}.{}.{}", v.0, v.1, v.2)
    }
}

/// The worker bundle: a module entry point and the worker's wasm, nothing from a development build.
fn check_edge_bundle(dir: &Path) -> Result<()> {
    let files = list_files(dir)?;
    let has = |ext: &str| files.iter().any(|f| f.ends_with(ext));
    if !(has(".js") || has(".mjs")) || !has(".wasm") {
        return Err(Error::msg(format!(
            "{}: the worker bundle needs a JavaScript entry and the worker's .wasm; found {files:?}",
            dir.display()
        )));
    }
    Ok(())
}

/// The production site: `_headers`, the landing page's files, every file the landing page asks for, and no
/// development-only file.
fn check_site(dir: &Path) -> Result<()> {
    let files = list_files(dir)?;
    site_problem(&files, |name| fs::read_to_string(dir.join(name)).ok())
        .map_or(Ok(()), |p| Err(Error::msg(format!("{}: {p}", dir.display()))))
}

/// The first problem of a production site made of `files` (paths relative to its root, `/`-separated).
fn site_problem(files: &[String], read: impl Fn(&str) -> Option<String>) -> Option<String> {
    for file in files {
        let first = file.split('/').next().unwrap_or_default();
        if SITE_DEV_ONLY.contains(&first) || SITE_DEV_ONLY.contains(&file.as_str()) {
            return Some(format!("development-only file {file} in the production site"));
        }
        if file != SITE_HEADERS && first != SITE_LANDING_DIR {
            return Some(format!(
                "{file} is not part of the production site (only {SITE_HEADERS} and {SITE_LANDING_DIR}/)"
            ));
        }
    }
    let landing = format!("{SITE_LANDING_DIR}/index.html");
    for needed in [SITE_HEADERS, landing.as_str()] {
        if !files.iter().any(|f| f == needed) {
            return Some(format!("{needed} is missing"));
        }
    }
    // The build inlines the configuration and the page's words: a placeholder left means a page of keys.
    let html = read(&landing).unwrap_or_default();
    if let Some(at) = html.find("@HANDOFF_") {
        let marker: String = html[at..].chars().take_while(|c| *c != '<').collect();
        return Some(format!("{landing} still holds the placeholder {marker}"));
    }
    if !html.contains(r#"id="handoff-messages">{"#) {
        return Some(format!("{landing} carries no words (#handoff-messages)"));
    }
    // Every same-site path the landing page (with its inline boot script) names must be there.
    for path in site_paths(&html) {
        if !files.contains(&path) {
            return Some(format!("{landing} refers to /{path}, which is missing"));
        }
    }
    let headers = read(SITE_HEADERS).unwrap_or_default();
    for header in ["Content-Security-Policy:", "Referrer-Policy: no-referrer"] {
        if !headers.contains(header) {
            return Some(format!("{SITE_HEADERS} has no `{header}`"));
        }
    }
    // The boot script is inline: the CSP must allow exactly it, by hash, or the page never starts.
    let scripts = inline_scripts(&html);
    if scripts.is_empty() {
        return Some(format!("{landing} has no inline boot script"));
    }
    for script in scripts {
        let source = script_hash(script);
        if !headers.contains(&source) {
            return Some(format!(
                "{SITE_HEADERS}: the CSP does not allow {landing}'s inline script ({source}); rebuild the site"
            ));
        }
    }
    None
}

/// The texts of a page's inline scripts: `<script ...>` blocks without `src`, other than JSON data blocks.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<script") {
        rest = &rest[at..];
        let Some(open_end) = rest.find('>') else { break };
        let tag = &rest[..open_end];
        let body = &rest[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") && !tag.contains("application/json") {
            scripts.push(&body[..close]);
        }
        rest = &body[close..];
    }
    scripts
}

/// The CSP source allowing the inline script `text` (`'sha256-<base64>'`), as www/site.mjs `scriptHash` writes it.
fn script_hash(text: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Root-relative paths (`"/x/y.z"` in quotes) named in a page or script, without their leading `/`.
fn site_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for quote in ['"', '\''] {
        for (i, piece) in text.split(quote).enumerate() {
            if i % 2 == 1
                && piece.starts_with('/')
                && !piece.starts_with("//")
                && piece.rsplit('/').next().is_some_and(|n| n.contains('.'))
                && !piece.contains(char::is_whitespace)
            {
                paths.push(piece.trim_start_matches('/').to_owned());
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

// ---------------------------------------------------------------------------------------------------------------
// The table

/// One line of the table: a file under `target/package/` and its sizes.
struct Row {
    path: String,
    raw: u64,
    /// Compressed size and how it was compressed.
    compressed: Option<(u64, &'static str)>,
    brotli: Option<u64>,
}

impl Row {
    fn zip(layout: &Layout, zip: &Path, bootstrap: u64, size: u64) -> Self {
        Row {
            path: relative(&layout.root, zip),
            raw: bootstrap,
            compressed: Some((size, "zip")),
            brotli: None,
        }
    }
}

/// Rows for the worker bundle and the site: raw sizes, and gzip -9 / brotli -11 for what a browser or
/// Cloudflare compresses (wasm, JavaScript, HTML, CSS).
fn web_rows(tools: &Tools, layout: &Layout) -> Result<Vec<Row>> {
    let mut files = Vec::new();
    for dir in [layout.edge(), layout.site()] {
        for name in list_files(&dir)? {
            files.push(dir.join(name));
        }
    }
    let compressible = |f: &Path| {
        f.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "wasm" | "js" | "mjs" | "html" | "css"))
    };
    let measured: Vec<&PathBuf> = files.iter().filter(|f| compressible(f)).collect();
    let script = "const { sizes } = await import(process.argv[1]);\n\
                  for (const r of await sizes(process.argv.slice(2))) console.log(`${r.raw} ${r.gzip} ${r.brotli}`);";
    let site_mjs = tools.root.join("www").join("site.mjs");
    let out = cmd::capture(
        "package: sizes",
        tools
            .command("node")
            .args(["--input-type=module", "-e", script])
            .arg(format!("file://{}", site_mjs.display()))
            .args(&measured),
    )?;
    let mut sizes = out.lines().map(|l| {
        let n: Vec<u64> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        (n.first().copied(), n.get(1).copied(), n.get(2).copied())
    });
    let mut rows = Vec::new();
    for file in &files {
        let raw = fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let (gzip, brotli) = if compressible(file) {
            let (_, gzip, brotli) = sizes.next().unwrap_or_default();
            (gzip, brotli)
        } else {
            (None, None)
        };
        rows.push(Row {
            path: relative(&layout.root, file),
            raw,
            compressed: gzip.map(|g| (g, "gzip")),
            brotli,
        });
    }
    Ok(rows)
}

fn print_table(rows: &[Row]) {
    let kb = |n: u64| format!("{:.1} KB", n as f64 / 1024.0);
    // Group totals count what is uploaded or served compressed (wasm, JavaScript, HTML, CSS), not source maps.
    let totals = [
        ("edge/", "edge/ worker (js + wasm)"),
        ("site/", "site/ (html, css, js, wasm)"),
    ];
    let width = rows
        .iter()
        .map(|r| r.path.len())
        .chain(totals.iter().map(|(_, label)| label.len()))
        .max()
        .unwrap_or(4);
    let line = |file: &str, raw: String, compressed: String, how: &str, brotli: String| {
        println!("{file:<width$} {raw:>10} {compressed:>10} {how:<4} {brotli:>10}");
    };
    println!("\nwritten to target/package/:");
    line("file", "raw".into(), "compressed".into(), "", "brotli".into());
    for row in rows {
        let (compressed, how) = row
            .compressed
            .map_or(("-".to_owned(), ""), |(n, how)| (kb(n), how));
        let brotli = row.brotli.map_or_else(|| "-".to_owned(), kb);
        line(&row.path, kb(row.raw), compressed, how, brotli);
    }
    for (group, label) in totals {
        let counted: Vec<&Row> = rows
            .iter()
            .filter(|r| r.path.starts_with(group) && r.brotli.is_some())
            .collect();
        let raw: u64 = counted.iter().map(|r| r.raw).sum();
        let gzip: u64 = counted.iter().filter_map(|r| r.compressed).map(|(n, _)| n).sum();
        let brotli: u64 = counted.iter().filter_map(|r| r.brotli).sum();
        line(label, kb(raw), kb(gzip), "gzip", kb(brotli));
    }
    println!("(zips: raw is the bootstrap inside, compressed the zip file; gzip -9, brotli -11)");
}

// ---------------------------------------------------------------------------------------------------------------
// Files

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: never a half-written zip.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: io::Error| Error::msg(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(fail)?;
    }
    let tmp = path.with_extension("zip.tmp");
    fs::write(&tmp, bytes).map_err(fail)?;
    fs::rename(&tmp, path).map_err(fail)
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::msg(format!("cannot create {}: {e}", dir.display())))?;
    }
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| Error::msg(format!("cannot copy {} to {}: {e}", from.display(), to.display())))
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for name in list_files(from)? {
        copy_file(&from.join(&name), &to.join(&name))?;
    }
    Ok(())
}

/// Every file under `dir`, as `/`-separated paths relative to it, sorted.
fn list_files(dir: &Path) -> Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}{name}");
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), &format!("{path}/"), out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, "", &mut files).map_err(|e| Error::msg(format!("cannot list {}: {e}", dir.display())))?;
    files.sort();
    Ok(files)
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Zip (read only): the central directory, and stored or deflated entries.

mod zip {
    /// One central-directory entry.
    #[derive(Debug)]
    pub struct Entry {
        pub name: String,
        made_by: u16,
        flags: u16,
        method: u16,
        crc: u32,
        compressed: u32,
        size: u32,
        external: u32,
        local_offset: u32,
    }

    impl Entry {
        /// Unix mode bits, when the zip was made on Unix (`version made by` high byte 3).
        pub fn unix_mode(&self) -> Option<u32> {
            (self.made_by >> 8 == 3).then_some(self.external >> 16)
        }
    }

    fn u16_at(b: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
    }

    fn u32_at(b: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
    }

    /// The entries of the central directory.
    pub fn entries(b: &[u8]) -> Result<Vec<Entry>, String> {
        const EOCD: u32 = 0x0605_4b50;
        const CENTRAL: u32 = 0x0201_4b50;
        let bad = |what: &str| format!("not a valid zip: {what}");
        // The end record is the last 22 bytes plus a comment of at most 64 KiB.
        let min = b.len().saturating_sub(22 + 0xffff);
        let eocd = (min..=b.len().saturating_sub(22))
            .rev()
            .find(|&i| u32_at(b, i) == Some(EOCD))
            .ok_or_else(|| bad("no end of central directory"))?;
        let count = u16_at(b, eocd + 10).ok_or_else(|| bad("short end record"))?;
        let offset = u32_at(b, eocd + 16).ok_or_else(|| bad("short end record"))? as usize;
        if count == 0xffff || offset == 0xffff_ffff {
            return Err(bad("zip64 is not expected for one small file"));
        }
        let mut entries = Vec::new();
        let mut at = offset;
        for _ in 0..count {
            if u32_at(b, at) != Some(CENTRAL) {
                return Err(bad("broken central directory"));
            }
            let field = |o: usize| u16_at(b, at + o).ok_or_else(|| bad("short central entry"));
            let word = |o: usize| u32_at(b, at + o).ok_or_else(|| bad("short central entry"));
            let (name_len, extra_len, comment_len) =
                (field(28)? as usize, field(30)? as usize, field(32)? as usize);
            let name = b
                .get(at + 46..at + 46 + name_len)
                .ok_or_else(|| bad("short file name"))?;
            entries.push(Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                made_by: field(4)?,
                flags: field(8)?,
                method: field(10)?,
                crc: word(16)?,
                compressed: word(20)?,
                size: word(24)?,
                external: word(38)?,
                local_offset: word(42)?,
            });
            at += 46 + name_len + extra_len + comment_len;
        }
        Ok(entries)
    }

    /// An entry's content, checked against its size and CRC-32.
    pub fn extract(b: &[u8], entry: &Entry) -> Result<Vec<u8>, String> {
        const LOCAL: u32 = 0x0403_4b50;
        let name = &entry.name;
        if entry.flags & 1 != 0 {
            return Err(format!("{name} is encrypted"));
        }
        let at = entry.local_offset as usize;
        if u32_at(b, at) != Some(LOCAL) {
            return Err(format!("{name}: broken local header"));
        }
        let name_len = u16_at(b, at + 26).ok_or("short local header")? as usize;
        let extra_len = u16_at(b, at + 28).ok_or("short local header")? as usize;
        let start = at + 30 + name_len + extra_len;
        let data = b
            .get(start..start + entry.compressed as usize)
            .ok_or_else(|| format!("{name}: data runs past the end of the zip"))?;
        let content = match entry.method {
            0 => data.to_vec(),
            8 => super::inflate::inflate(data).map_err(|e| format!("{name}: bad deflate data: {e}"))?,
            m => {
                return Err(format!(
                    "{name}: compression method {m} (only stored and deflate)"
                ));
            }
        };
        if content.len() != entry.size as usize {
            return Err(format!(
                "{name}: {} bytes inflated, the zip says {}",
                content.len(),
                entry.size
            ));
        }
        if super::crc32(&content) != entry.crc {
            return Err(format!("{name}: CRC-32 mismatch"));
        }
        Ok(content)
    }
}

/// CRC-32 (IEEE, as in zip and gzip).
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Inflate (RFC 1951), after zlib's `puff`: small and strict, fast enough for a few MB.

mod inflate {
    const MAXBITS: usize = 15;

    struct Input<'a> {
        data: &'a [u8],
        pos: usize,
        buf: u64,
        count: u32,
    }

    impl Input<'_> {
        fn bits(&mut self, need: u32) -> Result<u32, &'static str> {
            while self.count < need {
                let byte = *self.data.get(self.pos).ok_or("unexpected end of data")?;
                self.pos += 1;
                self.buf |= u64::from(byte) << self.count;
                self.count += 8;
            }
            let value = (self.buf & ((1u64 << need) - 1)) as u32;
            self.buf >>= need;
            self.count -= need;
            Ok(value)
        }
    }

    struct Huffman {
        count: [u16; MAXBITS + 1],
        symbol: Vec<u16>,
    }

    /// Builds a canonical code from code lengths; `Err` when over-subscribed. The second value is how incomplete
    /// the code is (0 when complete).
    fn build(lengths: &[u8]) -> Result<(Huffman, i32), &'static str> {
        let mut count = [0u16; MAXBITS + 1];
        for &l in lengths {
            count[l as usize] += 1;
        }
        let mut left: i32 = 1;
        for &c in &count[1..] {
            left <<= 1;
            left -= i32::from(c);
            if left < 0 {
                return Err("over-subscribed code");
            }
        }
        let mut offs = [0u16; MAXBITS + 1];
        for len in 1..MAXBITS {
            offs[len + 1] = offs[len] + count[len];
        }
        let mut symbol = vec![0u16; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbol[offs[l as usize] as usize] = sym as u16;
                offs[l as usize] += 1;
            }
        }
        if count[0] as usize == lengths.len() {
            left = 0; // no codes at all: complete for our purposes, decoding any symbol fails
        }
        Ok((Huffman { count, symbol }, left))
    }

    fn decode(input: &mut Input, h: &Huffman) -> Result<u16, &'static str> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..=MAXBITS {
            code |= input.bits(1)? as i32;
            let count = i32::from(h.count[len]);
            if code - count < first {
                return Ok(h.symbol[(index + (code - first)) as usize]);
            }
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        Err("no such code")
    }

    const LBASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163,
        195, 227, 258,
    ];
    const LEXT: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const DBASE: [u16; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
        3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ];
    const DEXT: [u8; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ];

    fn codes(
        input: &mut Input,
        out: &mut Vec<u8>,
        len: &Huffman,
        dist: &Huffman,
    ) -> Result<(), &'static str> {
        loop {
            let sym = decode(input, len)?;
            match sym {
                0..=255 => out.push(sym as u8),
                256 => return Ok(()),
                _ => {
                    let i = usize::from(sym - 257);
                    if i >= LBASE.len() {
                        return Err("bad length symbol");
                    }
                    let n = usize::from(LBASE[i]) + input.bits(u32::from(LEXT[i]))? as usize;
                    let d = usize::from(decode(input, dist)?);
                    if d >= DBASE.len() {
                        return Err("bad distance symbol");
                    }
                    let back = usize::from(DBASE[d]) + input.bits(u32::from(DEXT[d]))? as usize;
                    if back > out.len() {
                        return Err("distance too far back");
                    }
                    let from = out.len() - back;
                    for k in 0..n {
                        out.push(out[from + k]);
                    }
                }
            }
        }
    }

    fn stored(input: &mut Input, out: &mut Vec<u8>) -> Result<(), &'static str> {
        // Skip to the byte boundary; whole bytes still in the bit buffer were read ahead.
        input.buf = 0;
        input.pos -= (input.count / 8) as usize;
        input.count = 0;
        let d = input.data;
        let header = d.get(input.pos..input.pos + 4).ok_or("unexpected end of data")?;
        let len = u16::from_le_bytes([header[0], header[1]]);
        let nlen = u16::from_le_bytes([header[2], header[3]]);
        if len != !nlen {
            return Err("stored block length mismatch");
        }
        input.pos += 4;
        let block = d
            .get(input.pos..input.pos + usize::from(len))
            .ok_or("unexpected end of data")?;
        out.extend_from_slice(block);
        input.pos += usize::from(len);
        Ok(())
    }

    fn fixed(input: &mut Input, out: &mut Vec<u8>) -> Result<(), &'static str> {
        let mut lengths = [0u8; 288];
        lengths[..144].fill(8);
        lengths[144..256].fill(9);
        lengths[256..280].fill(7);
        lengths[280..].fill(8);
        let (len, _) = build(&lengths)?;
        let (dist, _) = build(&[5u8; 30])?;
        codes(input, out, &len, &dist)
    }

    fn dynamic(input: &mut Input, out: &mut Vec<u8>) -> Result<(), &'static str> {
        const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
        let nlen = input.bits(5)? as usize + 257;
        let ndist = input.bits(5)? as usize + 1;
        let ncode = input.bits(4)? as usize + 4;
        if nlen > 286 || ndist > 30 {
            return Err("bad counts");
        }
        let mut lengths = [0u8; 320];
        for &slot in &ORDER[..ncode] {
            lengths[slot] = input.bits(3)? as u8;
        }
        let (lencode, left) = build(&lengths[..19])?;
        if left != 0 {
            return Err("incomplete code-length code");
        }
        let mut index = 0;
        while index < nlen + ndist {
            let sym = decode(input, &lencode)?;
            if sym < 16 {
                lengths[index] = sym as u8;
                index += 1;
                continue;
            }
            let (value, repeat) = match sym {
                16 => {
                    if index == 0 {
                        return Err("repeat with no previous length");
                    }
                    (lengths[index - 1], 3 + input.bits(2)? as usize)
                }
                17 => (0, 3 + input.bits(3)? as usize),
                _ => (0, 11 + input.bits(7)? as usize),
            };
            if index + repeat > nlen + ndist {
                return Err("too many lengths");
            }
            lengths[index..index + repeat].fill(value);
            index += repeat;
        }
        if lengths[256] == 0 {
            return Err("no end-of-block code");
        }
        let (len, left) = build(&lengths[..nlen])?;
        if left > 0 && nlen != usize::from(len.count[0] + len.count[1]) {
            return Err("incomplete literal/length code");
        }
        let (dist, left) = build(&lengths[nlen..nlen + ndist])?;
        if left > 0 && ndist != usize::from(dist.count[0] + dist.count[1]) {
            return Err("incomplete distance code");
        }
        codes(input, out, &len, &dist)
    }

    /// Inflates a raw deflate stream.
    pub fn inflate(data: &[u8]) -> Result<Vec<u8>, &'static str> {
        let mut input = Input {
            data,
            pos: 0,
            buf: 0,
            count: 0,
        };
        let mut out = Vec::with_capacity(data.len() * 3);
        loop {
            let last = input.bits(1)?;
            match input.bits(2)? {
                0 => stored(&mut input, &mut out)?,
                1 => fixed(&mut input, &mut out)?,
                2 => dynamic(&mut input, &mut out)?,
                _ => return Err("bad block type"),
            }
            if last == 1 {
                return Ok(out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// ELF (64-bit little-endian, which both Lambda architectures are): what the checks need, read from the file.

mod elf {
    /// What the checks look at.
    #[derive(Debug, Default)]
    pub struct Info {
        pub machine: u16,
        /// `PT_INTERP`.
        pub interpreter: Option<String>,
        /// Section names.
        pub sections: Vec<String>,
        /// `DT_NEEDED` libraries.
        pub needed: Vec<String>,
        /// Symbol versions needed from other files (`.gnu.version_r`), e.g. `GLIBC_2.34`.
        pub versions: Vec<String>,
    }

    pub fn machine_name(machine: u16) -> &'static str {
        match machine {
            3 => "x86",
            40 => "ARM",
            62 => "x86-64",
            183 => "AArch64",
            243 => "RISC-V",
            _ => "other",
        }
    }

    struct Section {
        name: u32,
        kind: u32,
        offset: usize,
        size: usize,
        link: u32,
        info: u32,
    }

    fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
        b.get(at..at + 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]))
            .ok_or_else(|| "truncated ELF file".to_owned())
    }

    fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
        b.get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
            .ok_or_else(|| "truncated ELF file".to_owned())
    }

    fn u64_at(b: &[u8], at: usize) -> Result<usize, String> {
        b.get(at..at + 8)
            .map(|s| u64::from_le_bytes(s.try_into().unwrap_or_default()) as usize)
            .ok_or_else(|| "truncated ELF file".to_owned())
    }

    fn c_string(b: &[u8], at: usize) -> Result<String, String> {
        let tail = b.get(at..).ok_or("string past the end of the ELF file")?;
        let end = tail.iter().position(|&c| c == 0).ok_or("unterminated string")?;
        Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
    }

    /// Reads the header, program headers and sections of an ELF executable.
    pub fn inspect(b: &[u8]) -> Result<Info, String> {
        if b.get(..4) != Some(b"\x7fELF".as_slice()) {
            return Err("`bootstrap` is not an ELF file".into());
        }
        if b[4] != 2 || b[5] != 1 {
            return Err("`bootstrap` is not a 64-bit little-endian ELF file".into());
        }
        let kind = u16_at(b, 16)?;
        if kind != 2 && kind != 3 {
            return Err(format!("`bootstrap` is not an executable (ELF type {kind})"));
        }
        let mut info = Info {
            machine: u16_at(b, 18)?,
            ..Info::default()
        };
        let (phoff, shoff) = (u64_at(b, 32)?, u64_at(b, 40)?);
        let (phentsize, phnum) = (usize::from(u16_at(b, 54)?), usize::from(u16_at(b, 56)?));
        let (shentsize, shnum, shstrndx) = (
            usize::from(u16_at(b, 58)?),
            usize::from(u16_at(b, 60)?),
            usize::from(u16_at(b, 62)?),
        );
        for i in 0..phnum {
            let at = phoff + i * phentsize;
            if u32_at(b, at)? == 3 {
                let (offset, size) = (u64_at(b, at + 8)?, u64_at(b, at + 32)?);
                let raw = b.get(offset..offset + size).ok_or("truncated PT_INTERP")?;
                let text = String::from_utf8_lossy(raw);
                info.interpreter = Some(text.trim_end_matches('\0').to_owned());
            }
        }
        let mut sections = Vec::with_capacity(shnum);
        for i in 0..shnum {
            let at = shoff + i * shentsize;
            sections.push(Section {
                name: u32_at(b, at)?,
                kind: u32_at(b, at + 4)?,
                offset: u64_at(b, at + 24)?,
                size: u64_at(b, at + 32)?,
                link: u32_at(b, at + 40)?,
                info: u32_at(b, at + 44)?,
            });
        }
        let strtab = |index: u32| -> Result<usize, String> {
            sections
                .get(index as usize)
                .map(|s| s.offset)
                .ok_or_else(|| "bad string table index".to_owned())
        };
        if let Some(names) = sections.get(shstrndx) {
            for s in &sections {
                info.sections.push(c_string(b, names.offset + s.name as usize)?);
            }
        }
        for s in &sections {
            match s.kind {
                // SHT_DYNAMIC: DT_NEEDED entries name libraries in the linked string table.
                6 => {
                    let strings = strtab(s.link)?;
                    for at in (s.offset..s.offset + s.size).step_by(16) {
                        let tag = u64_at(b, at)?;
                        if tag == 0 {
                            break;
                        }
                        if tag == 1 {
                            info.needed.push(c_string(b, strings + u64_at(b, at + 8)?)?);
                        }
                    }
                }
                // SHT_GNU_verneed: for each needed file, the versions (Vernaux) it must provide.
                0x6fff_fffe => {
                    let strings = strtab(s.link)?;
                    let mut at = s.offset;
                    for _ in 0..s.info {
                        let (count, aux, next) =
                            (u16_at(b, at + 2)?, u32_at(b, at + 8)?, u32_at(b, at + 12)?);
                        let mut a = at + aux as usize;
                        for _ in 0..count {
                            info.versions
                                .push(c_string(b, strings + u32_at(b, a + 8)? as usize)?);
                            let next_aux = u32_at(b, a + 12)?;
                            if next_aux == 0 {
                                break;
                            }
                            a += next_aux as usize;
                        }
                        if next == 0 {
                            break;
                        }
                        at += next as usize;
                    }
                }
                _ => {}
            }
        }
        info.versions.sort();
        info.versions.dedup();
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip with one entry, built by hand: `method` 0 (stored) with `data`, or 8 with `data` already deflated.
    fn zip_with(name: &str, mode: u32, method: u16, data: &[u8], content: &[u8]) -> Vec<u8> {
        let mut z = Vec::new();
        let crc = crc32(content);
        // What the local and the central header share: method, time and date, CRC-32, sizes, name length.
        let shared = |z: &mut Vec<u8>| {
            z.extend_from_slice(&method.to_le_bytes());
            z.extend_from_slice(&[0, 0, 0, 0]);
            z.extend_from_slice(&crc.to_le_bytes());
            z.extend_from_slice(&(data.len() as u32).to_le_bytes());
            z.extend_from_slice(&(content.len() as u32).to_le_bytes());
            z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        };
        z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        z.extend_from_slice(&[20, 0, 0, 0]);
        shared(&mut z);
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(name.as_bytes());
        z.extend_from_slice(data);
        let central = z.len();
        z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        z.extend_from_slice(&[20, 3, 20, 0, 0, 0]);
        shared(&mut z);
        z.extend_from_slice(&[0; 8]);
        z.extend_from_slice(&(mode << 16).to_le_bytes());
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(name.as_bytes());
        let size = z.len() - central;
        z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        z.extend_from_slice(&(size as u32).to_le_bytes());
        z.extend_from_slice(&(central as u32).to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z
    }

    /// A minimal ELF executable: a header, PT_INTERP, and the sections the checks read (`.dynstr`, `.dynamic`
    /// with DT_NEEDED, `.gnu.version_r` with the given versions from libc.so.6, `.shstrtab`, optionally
    /// `.symtab`).
    fn elf_with(machine: u16, interp: &str, libs: &[&str], versions: &[&str], symtab: bool) -> Vec<u8> {
        let mut dynstr = vec![0u8];
        let mut add = |s: &str| {
            let at = dynstr.len() as u32;
            dynstr.extend_from_slice(s.as_bytes());
            dynstr.push(0);
            at
        };
        let lib_names: Vec<u32> = libs.iter().map(|l| add(l)).collect();
        let libc = add("libc.so.6");
        let version_names: Vec<u32> = versions.iter().map(|v| add(v)).collect();
        let mut dynamic = Vec::new();
        for n in &lib_names {
            dynamic.extend_from_slice(&1u64.to_le_bytes());
            dynamic.extend_from_slice(&u64::from(*n).to_le_bytes());
        }
        dynamic.extend_from_slice(&[0u8; 16]);
        let mut verneed = Vec::new();
        verneed.extend_from_slice(&1u16.to_le_bytes());
        verneed.extend_from_slice(&(versions.len() as u16).to_le_bytes());
        verneed.extend_from_slice(&libc.to_le_bytes());
        verneed.extend_from_slice(&16u32.to_le_bytes());
        verneed.extend_from_slice(&0u32.to_le_bytes());
        for (i, n) in version_names.iter().enumerate() {
            verneed.extend_from_slice(&[0; 8]);
            verneed.extend_from_slice(&n.to_le_bytes());
            let next: u32 = if i + 1 == versions.len() { 0 } else { 16 };
            verneed.extend_from_slice(&next.to_le_bytes());
        }
        let mut shstr = vec![0u8];
        let mut name = |s: &str| {
            let at = shstr.len() as u32;
            shstr.extend_from_slice(s.as_bytes());
            shstr.push(0);
            at
        };
        let names = [
            name(".dynstr"),
            name(".dynamic"),
            name(".gnu.version_r"),
            name(".symtab"),
            name(".shstrtab"),
        ];
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16..18].copy_from_slice(&3u16.to_le_bytes());
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        // One program header: PT_INTERP.
        let phoff = b.len();
        let interp_at = phoff + 56;
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&3u32.to_le_bytes());
        ph[8..16].copy_from_slice(&(interp_at as u64).to_le_bytes());
        ph[32..40].copy_from_slice(&(interp.len() as u64 + 1).to_le_bytes());
        b.extend_from_slice(&ph);
        b.extend_from_slice(interp.as_bytes());
        b.push(0);
        let place = |data: &[u8], b: &mut Vec<u8>| {
            let at = b.len();
            b.extend_from_slice(data);
            (at, data.len())
        };
        let dynstr_at = place(&dynstr, &mut b);
        let dynamic_at = place(&dynamic, &mut b);
        let verneed_at = place(&verneed, &mut b);
        let shstr_at = place(&shstr, &mut b);
        let shoff = b.len();
        let section = |name: u32, kind: u32, (offset, size): (usize, usize), link: u32, info: u32| {
            let mut s = vec![0u8; 64];
            s[..4].copy_from_slice(&name.to_le_bytes());
            s[4..8].copy_from_slice(&kind.to_le_bytes());
            s[24..32].copy_from_slice(&(offset as u64).to_le_bytes());
            s[32..40].copy_from_slice(&(size as u64).to_le_bytes());
            s[40..44].copy_from_slice(&link.to_le_bytes());
            s[44..48].copy_from_slice(&info.to_le_bytes());
            s
        };
        let mut table = vec![0u8; 64]; // SHN_UNDEF
        table.extend(section(names[0], 3, dynstr_at, 0, 0));
        table.extend(section(names[1], 6, dynamic_at, 1, 0));
        table.extend(section(names[2], 0x6fff_fffe, verneed_at, 1, 1));
        let mut count = 5; // SHN_UNDEF, the three above and .shstrtab
        if symtab {
            table.extend(section(names[3], 2, (0, 0), 0, 0));
            count += 1;
        }
        table.extend(section(names[4], 3, shstr_at, 0, 0));
        b.extend_from_slice(&table);
        b[32..40].copy_from_slice(&(phoff as u64).to_le_bytes());
        b[40..48].copy_from_slice(&(shoff as u64).to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        b[58..60].copy_from_slice(&64u16.to_le_bytes());
        b[60..62].copy_from_slice(&(count as u16).to_le_bytes());
        b[62..64].copy_from_slice(&((count - 1) as u16).to_le_bytes());
        b
    }

    const ARM64_LOADER: &str = "/lib/ld-linux-aarch64.so.1";

    fn good_arm64() -> Vec<u8> {
        elf_with(
            183,
            ARM64_LOADER,
            &["libgcc_s.so.1", "libc.so.6"],
            &["GLIBC_2.17", "GLIBC_2.28"],
            false,
        )
    }

    fn stored(name: &str, mode: u32, content: &[u8]) -> Vec<u8> {
        zip_with(name, mode, 0, content, content)
    }

    /// A zip holding an arm64 `bootstrap` (mode 755) linking `libs`, needing glibc `versions`, with a symbol
    /// table when `symtab`.
    fn arm64_zip(libs: &[&str], versions: &[&str], symtab: bool) -> Vec<u8> {
        let elf = elf_with(183, ARM64_LOADER, libs, versions, symtab);
        stored("bootstrap", 0o100_755, &elf)
    }

    #[test]
    fn a_good_zip_passes_and_yields_its_bootstrap() {
        let elf = good_arm64();
        let report = check_lambda_zip(&stored("bootstrap", 0o100_755, &elf), Arch::Arm64).unwrap();
        assert_eq!(report.bootstrap, elf);
        assert_eq!(report.glibc, Some((2, 28, 0)));
        assert!(report.summary(Arch::Arm64).contains("needs glibc 2.28"));
    }

    #[test]
    fn every_zip_check_refuses_its_mistake() {
        let elf = good_arm64();
        let refuses = |zip: Vec<u8>, arch: Arch, expected: &str| {
            let err = check_lambda_zip(&zip, arch).unwrap_err();
            assert!(err.contains(expected), "{err:?} should mention {expected:?}");
        };
        let x86_64 = |zip| refuses(zip, Arch::X86_64, "not 62 (x86-64)");
        x86_64(stored("bootstrap", 0o100_755, &elf));
        let arm64 = |zip, expected| refuses(zip, Arch::Arm64, expected);
        arm64(stored("lambda/bootstrap", 0o100_755, &elf), "at the zip's root");
        arm64(stored("bootstrap", 0o100_644, &elf), "executable by everyone");
        arm64(stored("bootstrap", 0o100_700, &elf), "executable by everyone");
        arm64(stored("bootstrap", 0o120_777, &elf), "not a regular file");
        arm64(stored("bootstrap", 0o100_755, b"#!/bin/sh\n"), "not an ELF file");
        let (libc, glibc_2_17) = (&["libc.so.6"][..], &["GLIBC_2.17"][..]);
        arm64(arm64_zip(libc, &["GLIBC_2.35"], false), "needs GLIBC_2.35");
        arm64(arm64_zip(libc, glibc_2_17, true), "not stripped");
        arm64(
            arm64_zip(&["libssl.so.3"], glibc_2_17, false),
            "links libssl.so.3",
        );
        let musl = elf_with(183, "/lib/ld-musl-aarch64.so.1", libc, &[], false);
        arm64(stored("bootstrap", 0o100_755, &musl), "asks for loader");
        arm64(b"not a zip at all".to_vec(), "not a valid zip");
        let mut corrupt = stored("bootstrap", 0o100_755, &elf);
        corrupt[40] ^= 0xff; // inside the data
        assert!(
            check_lambda_zip(&corrupt, Arch::Arm64)
                .unwrap_err()
                .contains("CRC-32")
        );
    }

    #[test]
    fn the_glibc_ceiling_is_2_34() {
        let zip = stored(
            "bootstrap",
            0o100_755,
            &elf_with(
                62,
                "/lib64/ld-linux-x86-64.so.2",
                &["libc.so.6"],
                &["GLIBC_2.2.5", "GLIBC_2.34"],
                false,
            ),
        );
        let report = check_lambda_zip(&zip, Arch::X86_64).unwrap();
        assert_eq!(report.glibc, Some((2, 34, 0)));
        assert_eq!(parse_version("2.2.5"), Some((2, 2, 5)));
        assert_eq!(parse_version("PRIVATE"), None);
    }

    #[test]
    fn inflates_fixed_and_dynamic_huffman_and_stored_blocks() {
        // "hello hello hello\n" deflated with fixed codes (zlib level 9, raw), and a stored block.
        let fixed = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x5c, 0x00];
        assert_eq!(inflate::inflate(&fixed).unwrap(), b"hello hello hello\n");
        let stored_block = [0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c'];
        assert_eq!(inflate::inflate(&stored_block).unwrap(), b"abc");
        // A dynamic-Huffman block: zlib (level 9, raw deflate) of 200 letters `a + (i * i / 7) % 26`.
        let text: Vec<u8> = (0..200u32).map(|i| b'a' + ((i * i / 7) % 26) as u8).collect();
        assert_eq!(DYNAMIC[0] >> 1 & 3, 2, "the vector is a dynamic block");
        assert_eq!(inflate::inflate(DYNAMIC).unwrap(), text);
        assert!(inflate::inflate(&[0x07]).is_err(), "block type 3 is refused");
    }

    const DYNAMIC: &[u8] = &[
        0x5d, 0xce, 0x5b, 0x16, 0x04, 0x11, 0x0c, 0x00, 0xd1, 0xb5, 0x22, 0x48, 0x13, 0x8f, 0x20, 0x4d, 0xac,
        0x7e, 0x66, 0x7e, 0xe7, 0x2e, 0xa0, 0x4e, 0x19, 0x63, 0xac, 0x83, 0x80, 0x89, 0xda, 0x10, 0x75, 0x31,
        0x77, 0xb9, 0x81, 0xc6, 0xf1, 0x34, 0xcd, 0xc3, 0x8a, 0x7c, 0xd3, 0x82, 0xaa, 0x49, 0xe2, 0xf4, 0x0c,
        0x0c, 0x23, 0x2c, 0xdc, 0x64, 0x38, 0xee, 0x02, 0x42, 0xf0, 0xd6, 0xa0, 0x23, 0x7b, 0x9d, 0x05, 0xdd,
        0x59, 0x9d, 0xd0, 0x5b, 0xdd, 0x32, 0xb9, 0xb7, 0xfa, 0xd3, 0x3a, 0x4f, 0xd9, 0x6a, 0x3d, 0x52, 0x5f,
        0xc7, 0x61, 0x99, 0xea, 0xf3, 0xd0, 0x50, 0x5f, 0x20, 0x81, 0xb2, 0x23, 0x1b, 0xda, 0xb8, 0xc2, 0xf8,
        0x96, 0xd9, 0xcf, 0x28, 0x49, 0x2b, 0xac, 0x74, 0x19, 0x95, 0x1f, 0x33, 0xc9, 0x9f, 0x41, 0xe1, 0x4a,
        0xcf, 0xd1, 0xa9, 0x8c, 0x46, 0x09, 0x03, 0x38, 0x6b, 0x7e, 0xfe, 0xae, 0x3f,
    ];

    #[test]
    fn crc32_is_the_zip_one() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn the_production_site_is_the_landing_page_and_headers_only() {
        let files: Vec<String> = [
            "_headers",
            "handoff/handoff.js",
            "handoff/handoff_bg.wasm",
            "handoff/index.html",
            "handoff/landing.css",
            "handoff/screens.js",
            "handoff/screens_bg.wasm",
        ]
        .map(String::from)
        .to_vec();
        const BOOT: &str = "await import('/handoff/handoff.js'); location.pathname + '/x'";
        // sha256 of BOOT, base64, as `node -e` with crypto.createHash computes it (www/site.mjs `scriptHash`).
        const BOOT_HASH: &str = "'sha256-9WUng69V2BG68/CanG37LbvhNGe40YF7O+IJLsbBOZ0='";
        let page_html = format!(
            r#"<link rel="stylesheet" href="/handoff/landing.css"><script type="application/json" id="handoff-messages">{{"en":{{}}}}</script><script type="module" async>{BOOT}</script>"#
        );
        let page = std::cell::RefCell::new(page_html.clone());
        let headers = std::cell::RefCell::new(format!(
            "/*\n  Referrer-Policy: no-referrer\n  Content-Security-Policy: script-src 'self' {BOOT_HASH}\n"
        ));
        let read = |name: &str| match name {
            "handoff/index.html" => Some(page.borrow().clone()),
            "_headers" => Some(headers.borrow().clone()),
            _ => None,
        };
        assert_eq!(script_hash(BOOT), BOOT_HASH);
        assert_eq!(site_problem(&files, read), None);
        // A boot script the CSP does not allow (edited after the build): the page would never start.
        *page.borrow_mut() = page_html.replace("+ '/x'", "+ '/y'");
        assert!(
            site_problem(&files, read)
                .unwrap()
                .contains("the CSP does not allow handoff/index.html's inline script")
        );
        *page.borrow_mut() = page_html.replace(&format!(">{BOOT}<"), r#" src="/handoff/handoff.js"><"#);
        assert!(
            site_problem(&files, read)
                .unwrap()
                .contains("no inline boot script")
        );
        *page.borrow_mut() = page_html.clone();
        let allowed = headers.borrow().clone();
        *headers.borrow_mut() = allowed.replace(BOOT_HASH, "");
        assert!(
            site_problem(&files, read)
                .unwrap()
                .contains("the CSP does not allow")
        );
        *headers.borrow_mut() = allowed;
        assert_eq!(site_problem(&files, read), None);
        // A page the build did not fill in: its words (or configuration) would show as placeholders.
        *page.borrow_mut() = page_html.replace(r#"{"en":{}}"#, "@HANDOFF_MESSAGES@");
        assert!(
            site_problem(&files, read)
                .unwrap()
                .contains("placeholder @HANDOFF_MESSAGES@")
        );
        *page.borrow_mut() = page_html.replace(r#"id="handoff-messages""#, r#"id="other""#);
        assert!(site_problem(&files, read).unwrap().contains("carries no words"));
        *page.borrow_mut() = page_html.clone();
        for extra in [
            "bench/amplify/index.html",
            "api-demo/index.html",
            "pkg/handoff_web.js",
            "index.html",
            "app/app.js",
        ] {
            let mut with = files.clone();
            with.push(extra.to_owned());
            let problem = site_problem(&with, read).unwrap();
            assert!(problem.contains("development-only file"), "{problem}");
        }
        let mut with = files.clone();
        with.push("notes.txt".to_owned());
        assert!(
            site_problem(&with, read)
                .unwrap()
                .contains("not part of the production site")
        );
        let without: Vec<String> = files.iter().filter(|f| !f.ends_with(".css")).cloned().collect();
        assert!(
            site_problem(&without, read)
                .unwrap()
                .contains("refers to /handoff/landing.css")
        );
    }

    /// A worker older than any file or directory of its sources is stale, as in tests/edge/helper.mjs.
    #[test]
    fn an_edge_worker_older_than_a_source_is_stale() {
        let root = std::env::temp_dir().join(format!("xtask-stale-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for dir in ["edge/src/nested", "core/src", "edge/build/worker"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        let at = |secs: u64| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        let touch = |path: &str, secs: u64| {
            let path = root.join(path);
            fs::write(&path, "x").unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(at(secs))
                .unwrap();
        };
        for source in [
            "edge/Cargo.toml",
            "Cargo.lock",
            "core/src/lib.rs",
            "edge/src/nested/mod.rs",
        ] {
            touch(source, 1_000);
        }
        // Directories' own times count too (a deleted file changes only its directory's): keep them old.
        for dir in ["edge/src/nested", "edge/src", "core/src"] {
            fs::File::open(root.join(dir))
                .unwrap()
                .set_modified(at(1_000))
                .unwrap();
        }
        assert!(edge_worker_stale(&root), "no worker built yet");
        touch("edge/build/worker/shim.mjs", 2_000);
        assert!(!edge_worker_stale(&root));
        touch("edge/src/nested/mod.rs", 3_000);
        assert!(edge_worker_stale(&root), "an edited source deep in edge/src");
        touch("edge/build/worker/shim.mjs", 4_000);
        touch("Cargo.lock", 5_000);
        assert!(edge_worker_stale(&root), "a changed Cargo.lock");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn missing_production_environment_is_noticed() {
        assert!(
            missing_environment(
                "▲ [WARNING] No environment found in configuration with name \"production\"."
            )
            .is_some()
        );
        assert!(
            missing_environment("Total Upload: 1.2 MiB / gzip: 400 KiB\n--dry-run: exiting now.").is_none()
        );
    }
}
