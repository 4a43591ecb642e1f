//! `cargo xtask setup`: installs every pinned tool, idempotently (each step checks before it installs).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::{self, Error, Result};
use crate::tools::{
    self, CARGO_FUZZ_VERSION, CARGO_LAMBDA_VERSION, LAMBDA_TARGETS, MINISTACK_VERSION, NIGHTLY, Tools,
    WASM_TARGET, WORKER_BUILD_VERSION, ZIGLANG_VERSION,
};

/// Runs every setup step in order; stops at the first failure.
pub fn run(tools: &Tools) -> Result<()> {
    let started = Instant::now();
    disk_space(tools);
    rust(tools)?;
    wasm_bindgen_cli(tools)?;
    worker_build(tools)?;
    wasm_pack(tools)?;
    chromium(tools)?;
    npm_packages(tools)?;
    python_venv(tools)?;
    dev_secrets(tools)?;
    lambda_targets(tools)?;
    cargo_lambda(tools)?;
    qemu_user(tools)?;
    nightly(tools)?;
    fuzz_tools(tools)?;
    println!("setup: done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// What a cold `cargo xtask test` writes under `target/` (measured: 6.5-7 GB), with room to spare.
const DISK_NEEDED_GB: u64 = 10;

/// Warns when the disk under `target/` has less room than a cold run needs. A full disk otherwise shows up
/// minutes later as `No space left on device` in whichever compile happens to hit it.
fn disk_space(tools: &Tools) {
    let Some(out) = cmd::probe(tools.command("df").args(["-Pk", "."]).current_dir(&tools.root)) else {
        return;
    };
    let Some(free_gb) = df_available_gb(&out) else {
        return;
    };
    if free_gb < DISK_NEEDED_GB {
        println!(
            "setup: warning: {free_gb} GB free on the disk of {}; a cold `cargo xtask test` writes about \
             {DISK_NEEDED_GB} GB under target/ (free space, e.g. old clones' target/ directories)",
            tools.root.display()
        );
    } else {
        println!("setup: disk ok ({free_gb} GB free)");
    }
}

/// The "Available" column of `df -Pk`'s one data line, in whole GB.
fn df_available_gb(out: &str) -> Option<u64> {
    let line = out.lines().nth(1)?;
    let kb: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    Some(kb / (1024 * 1024))
}

/// Prints the "already there" line.
fn present(tool: &str, version: &str) {
    println!("setup: {tool} {version} ok (present)");
}

/// Prints the "installing" line, runs `install`, then prints how long it took.
fn installing(tool: &str, version: &str, install: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("setup: installing {tool} {version}...");
    let started = Instant::now();
    install()?;
    println!(
        "setup: {tool} {version} installed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The wasm32 target and rustfmt/clippy for the toolchain pinned in rust-toolchain.toml.
fn rust(tools: &Tools) -> Result<()> {
    const STEP: &str = "rust";
    let channel = tools.rust_channel()?;
    rust_targets(tools, STEP, &channel, &[WASM_TARGET])?;
    let components = cmd::capture(
        STEP,
        tools.command("rustup").args(["component", "list", "--installed"]),
    )?;
    for component in ["rustfmt", "clippy"] {
        let prefix = format!("{component}-");
        if components
            .lines()
            .any(|c| c.trim() == component || c.trim().starts_with(&prefix))
        {
            present(component, &channel);
        } else {
            installing(component, &channel, || {
                cmd::run(
                    STEP,
                    tools.command("rustup").args(["component", "add", component]),
                )
            })?;
        }
    }
    Ok(())
}

/// `wasm-bindgen-cli` at exactly Cargo.lock's wasm-bindgen version.
fn wasm_bindgen_cli(tools: &Tools) -> Result<()> {
    let version = tools.wasm_bindgen_version()?;
    // No --locked: its lockfile pins a webpki-roots version the registry mirror lacks (TOOLCHAIN.md).
    cargo_install(tools, "wasm-bindgen-cli", &version, false, || {
        let out = cmd::probe(tools.command(tools.wasm_bindgen()).arg("--version"));
        out.is_some_and(|o| reports_version(&o, &version)) && tools.wasm_bindgen_test_runner().is_file()
    })
}

/// `worker-build`, which builds the edge worker.
fn worker_build(tools: &Tools) -> Result<()> {
    cargo_install(tools, "worker-build", WORKER_BUILD_VERSION, true, || {
        let out = cmd::probe(tools.command(tools.worker_build()).arg("--version"));
        out.is_some_and(|o| reports_version(&o, WORKER_BUILD_VERSION))
    })
}

/// `wasm-pack` (installed with `--locked`): the documented way to test and build the wasm crates
/// (`wasm-pack test --node --mode no-install core`, `wasm-pack build --target web ... web-client`); the test
/// command runs it offline (`--mode no-install`, with wasm-bindgen and npm binaryen's wasm-opt on PATH).
const WASM_PACK_VERSION: &str = "0.15.1";

/// wasm-pack, which the test command's wasm32 steps run.
fn wasm_pack(tools: &Tools) -> Result<()> {
    let wasm_pack = tools.cargo_bin.join("wasm-pack");
    cargo_install(tools, "wasm-pack", WASM_PACK_VERSION, true, || {
        let out = cmd::probe(tools.command(&wasm_pack).arg("--version"));
        out.is_some_and(|o| reports_version(&o, WASM_PACK_VERSION))
    })
}

/// Debian's chromium and chromedriver (a matching pair from the same archive).
fn chromium(tools: &Tools) -> Result<()> {
    const STEP: &str = "chromium";
    let versions = || {
        let browser = cmd::probe(tools.command(tools.chromium()).arg("--version"))?;
        let driver = cmd::probe(tools.command(tools.chromedriver()).arg("--version"))?;
        Some((first_version(&browser)?, first_version(&driver)?))
    };
    if let Some((browser, driver)) = versions() {
        present("chromium", &browser);
        present("chromium-driver", &driver);
        return Ok(());
    }
    installing("chromium + chromium-driver", "(Debian)", || {
        apt_install(tools, STEP, &["chromium", "chromium-driver"])?;
        versions().map(|_| ()).ok_or_else(|| {
            Error::step(
                STEP,
                "apt-get install -y chromium chromium-driver",
                "finished but `--version` fails",
            )
        })
    })
}

/// The npm packages from the committed package-lock.json, reinstalled only when the lock changes.
fn npm_packages(tools: &Tools) -> Result<()> {
    const STEP: &str = "npm";
    let node = cmd::capture(STEP, tools.command("node").arg("--version"))?;
    let node = node.trim();
    let lock = tools.root.join("package-lock.json");
    let lock_text = tools::read(&lock)?;
    // The node version is part of the stamp: a new node may need the packages' install scripts again.
    let hash = format!("{:016x}", fnv1a(format!("{node}\n{lock_text}").as_bytes()));
    let stamp = tools.root.join("node_modules").join(".handoff-lock-hash");
    let label = format!("(node {node}, lock {})", &hash[..8]);
    let current = fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash);
    let binaries = [tools.wasm_opt(), tools.esbuild(), tools.wrangler()];
    if current && binaries.iter().all(|b| b.is_file()) {
        present("npm packages", &label);
        return Ok(());
    }
    installing("npm packages", &label, || {
        cmd::run(STEP, tools.command("npm").arg("ci"))?;
        if let Some(missing) = binaries.iter().find(|b| !b.is_file()) {
            return Err(Error::step(
                STEP,
                "npm ci",
                format!("finished but {} is missing", missing.display()),
            ));
        }
        fs::write(&stamp, format!("{hash}\n"))
            .map_err(|e| Error::step(STEP, "npm ci", format!("cannot write {}: {e}", stamp.display())))
    })
}

/// ministack signs Cognito tokens with RS256 only when `cryptography` is importable; without it, it serves a
/// dummy key set no verifier accepts (the edge refuses every access token).
const CRYPTOGRAPHY_VERSION: &str = "50.0.2";

/// The offline checks of the AWS deployment (`deploy/aws/`): cfn-lint lints the CloudFormation that
/// aws-sam-translator makes of the SAM template (as `sam package`/`sam deploy` would), and boto3 drives the
/// attach-to-an-existing-pool script. boto3 is the release paired with ministack's exact botocore pin
/// (1.43.106), so both resolve in one venv.
const CFN_LINT_VERSION: &str = "1.58.0";
const SAM_TRANSLATOR_VERSION: &str = "1.115.0";
const BOTO3_VERSION: &str = "1.43.106";

/// A Python venv in `.tools/venv` with ministack (and `cryptography`, which it needs to sign tokens),
/// plus the deployment checks' cfn-lint, aws-sam-translator and boto3.
fn python_venv(tools: &Tools) -> Result<()> {
    let pins = [
        ("ministack", MINISTACK_VERSION),
        ("cryptography", CRYPTOGRAPHY_VERSION),
        ("cfn-lint", CFN_LINT_VERSION),
        ("aws-sam-translator", SAM_TRANSLATOR_VERSION),
        ("boto3", BOTO3_VERSION),
    ];
    pip_venv(
        tools,
        "ministack",
        MINISTACK_VERSION,
        &tools.venv(),
        &pins,
        || tools.ministack().is_file(),
    )
}

/// Dev keys and secrets: the gitignored, owner-only `.dev/` directory and the edge's local secrets in
/// `edge/.dev.vars` (generated once, never overwritten).
fn dev_secrets(tools: &Tools) -> Result<()> {
    let dir = tools.dev_dir();
    // Owner only: dev keys and secrets live here.
    fs::create_dir_all(&dir)
        .and_then(|()| {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
        })
        .map_err(|e| {
            Error::msg(format!(
                "step `dev-secrets` failed: cannot create {}: {e}",
                dir.display()
            ))
        })?;
    // The edge's local secrets for a plain `wrangler dev` in edge/: a fresh Ed25519 key set and redeem secret,
    // generated here, kept if present, never committed. (`cargo xtask stack up` makes its own per start.)
    let dev_vars = tools.root.join("edge").join(".dev.vars");
    if dev_vars.is_file() {
        println!("setup: dev-secrets (edge/.dev.vars) ok (present)");
        return Ok(());
    }
    cmd::run(
        "dev-secrets",
        tools
            .command("node")
            .arg(tools.root.join("edge").join("scripts").join("dev-vars.mjs")),
    )?;
    println!("setup: dev-secrets (edge/.dev.vars) generated");
    Ok(())
}

/// The trigger Lambda's Rust targets (glibc, x86_64 and arm64) for the toolchain in rust-toolchain.toml.
fn lambda_targets(tools: &Tools) -> Result<()> {
    rust_targets(tools, "lambda-targets", &tools.rust_channel()?, &LAMBDA_TARGETS)
}

/// cargo-lambda and the zig it links with (`ziglang`), both from PyPI, in their own venv `.tools/cargo-lambda`:
/// `cargo xtask package` cross-builds the trigger zips for x86_64 and arm64 with them.
fn cargo_lambda(tools: &Tools) -> Result<()> {
    let pins = [
        ("cargo-lambda", CARGO_LAMBDA_VERSION),
        ("ziglang", ZIGLANG_VERSION),
    ];
    let label = format!("{CARGO_LAMBDA_VERSION} (zig {ZIGLANG_VERSION})");
    pip_venv(
        tools,
        "cargo-lambda",
        &label,
        &tools.cargo_lambda_venv(),
        &pins,
        || {
            cmd::probe(tools.command(tools.cargo_lambda()).args(["lambda", "--version"]))
                .is_some_and(|o| reports_version(&o, CARGO_LAMBDA_VERSION))
        },
    )
}

/// Debian packages that let this x86_64 machine run the arm64 `bootstrap`: qemu-user (`qemu-aarch64`) and the
/// aarch64 glibc it loads (`/usr/aarch64-linux-gnu`, qemu's `-L` prefix; zig links no libgcc_s).
const QEMU_PACKAGES: &[&str] = &["qemu-user", "libc6-arm64-cross"];

/// qemu-user and the aarch64 runtime libraries (Debian), for the arm64 trigger's tests.
fn qemu_user(tools: &Tools) -> Result<()> {
    const STEP: &str = "qemu-user";
    let sysroot = tools.aarch64_sysroot().join("lib");
    let version = || {
        let out = cmd::probe(tools.command(tools.qemu_aarch64()).arg("--version"))?;
        let libs = ["ld-linux-aarch64.so.1", "libc.so.6"];
        libs.iter()
            .all(|lib| sysroot.join(lib).is_file())
            .then(|| first_version(&out))
            .flatten()
    };
    if let Some(version) = version() {
        present("qemu-user + aarch64 glibc", &version);
        return Ok(());
    }
    installing("qemu-user + aarch64 glibc", "(Debian)", || {
        apt_install(tools, STEP, QEMU_PACKAGES)?;
        version().map(|_| ()).ok_or_else(|| {
            Error::step(
                STEP,
                &format!("apt-get install -y {}", QEMU_PACKAGES.join(" ")),
                "finished but `qemu-aarch64 --version` or the aarch64 libraries are missing",
            )
        })
    })
}

/// The dated nightly with `rust-src`: the landing page's size-first build (`-Zbuild-std`, panics that abort
/// without a message: xtask/src/web.rs) and the fuzz targets (`-Zsanitizer`).
fn nightly(tools: &Tools) -> Result<()> {
    const STEP: &str = "nightly";
    let toolchains = cmd::capture(STEP, tools.command("rustup").args(["toolchain", "list"]))?;
    // Listed with the host triple: `nightly-2026-10-30-x86_64-unknown-linux-gnu (...)`.
    let host_suffixed = format!("{NIGHTLY}-");
    let has_nightly = toolchains
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .any(|name| name == NIGHTLY || name.starts_with(&host_suffixed));
    if has_nightly {
        present(NIGHTLY, "(rustup)");
    } else {
        installing(NIGHTLY, "(rustup, minimal profile)", || {
            cmd::run(
                STEP,
                tools
                    .command("rustup")
                    .args(["toolchain", "install", NIGHTLY, "--profile", "minimal"]),
            )
        })?;
    }
    let components = cmd::capture(
        STEP,
        tools
            .command("rustup")
            .args(["component", "list", "--installed", "--toolchain", NIGHTLY]),
    )?;
    if components.lines().any(|c| c.trim() == "rust-src") {
        present("rust-src", NIGHTLY);
        Ok(())
    } else {
        installing("rust-src", NIGHTLY, || {
            cmd::run(
                STEP,
                tools
                    .command("rustup")
                    .args(["component", "add", "rust-src", "--toolchain", NIGHTLY]),
            )
        })
    }
}

/// cargo-fuzz for `fuzz/run.sh` (libFuzzer targets built with AddressSanitizer on the dated nightly).
fn fuzz_tools(tools: &Tools) -> Result<()> {
    const STEP: &str = "cargo-fuzz";
    let cargo_fuzz = tools.cargo_bin.join("cargo-fuzz");
    cargo_install(tools, STEP, CARGO_FUZZ_VERSION, true, || {
        let out = cmd::probe(tools.command(&cargo_fuzz).arg("--version"));
        out.is_some_and(|o| reports_version(&o, CARGO_FUZZ_VERSION))
    })
}

/// Each of `targets` for the pinned toolchain `channel`, added with rustup unless it is installed.
fn rust_targets(tools: &Tools, step: &str, channel: &str, targets: &[&str]) -> Result<()> {
    let installed = cmd::capture(
        step,
        tools.command("rustup").args(["target", "list", "--installed"]),
    )?;
    for &target in targets {
        if installed.lines().any(|t| t.trim() == target) {
            present(target, channel);
        } else {
            installing(target, channel, || {
                cmd::run(step, tools.command("rustup").args(["target", "add", target]))
            })?;
        }
    }
    Ok(())
}

/// A Python venv at `venv` holding exactly the `pins` (PyPI name, version), created if its python does not run
/// and filled with pip, unless the packages are there already and `runs` (a check of what they installed) holds.
/// Checked again afterwards.
fn pip_venv(
    tools: &Tools,
    tool: &str,
    label: &str,
    venv: &Path,
    pins: &[(&str, &str)],
    runs: impl Fn() -> bool,
) -> Result<()> {
    let python = venv.join("bin").join("python");
    // The dist-info directory is what `pip show` reads; looking at it directly takes no time.
    let installed = || {
        pins.iter()
            .all(|(name, version)| has_dist_info(venv, &name.replace('-', "_"), version))
            && runs()
    };
    if installed() {
        present(tool, label);
        return Ok(());
    }
    installing(tool, label, || {
        if cmd::probe(tools.command(&python).arg("--version")).is_none() {
            let mut create = tools.command("python3");
            create.args(["-m", "venv", "--clear"]).arg(venv);
            cmd::run(tool, &mut create)?;
        }
        let mut pip = tools.command(&python);
        pip.args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet"])
            .args(pins.iter().map(|(name, version)| format!("{name}=={version}")));
        install_checked(tool, &mut pip, installed, || {
            "finished but the venv lacks a pinned package, or it does not run".to_owned()
        })
    })
}

/// A tool from `cargo install <krate> --version <version>` (`--locked` unless its lockfile cannot build here),
/// skipped when `installed` says it is there. Another process of the setup may be installing it right now: wait
/// for running `cargo install`s before deciding. Checked again afterwards.
fn cargo_install(
    tools: &Tools,
    krate: &str,
    version: &str,
    locked: bool,
    installed: impl Fn() -> bool,
) -> Result<()> {
    if installed() {
        present(krate, version);
        return Ok(());
    }
    wait_for_cargo_installs();
    if installed() {
        present(krate, version);
        return Ok(());
    }
    installing(krate, version, || {
        let mut install = tools.command("cargo");
        install.args(["install", krate, "--version", version]);
        if locked {
            install.arg("--locked");
        }
        install_checked(krate, &mut install, installed, || {
            format!("finished but the installed `{krate}` does not report version {version}")
        })
    })
}

/// Runs `install`, then checks that `installed` holds; else an error saying `problem`.
fn install_checked(
    step: &str,
    install: &mut Command,
    installed: impl Fn() -> bool,
    problem: impl FnOnce() -> String,
) -> Result<()> {
    cmd::run(step, install)?;
    if installed() {
        Ok(())
    } else {
        Err(Error::step(step, &cmd::display(install), problem()))
    }
}

/// `apt-get update` and `apt-get install -y <packages>` from Debian's archive (through sudo unless root). Another
/// apt (a parallel setup) may hold the lock for a while: it is waited for rather than failed on.
fn apt_install(tools: &Tools, step: &str, packages: &[&str]) -> Result<()> {
    let root = cmd::probe(tools.command("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = tools.command(if root { "apt-get" } else { "sudo" });
        if !root {
            c.arg("apt-get");
        }
        c.args(["-o", "DPkg::Lock::Timeout=300"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive");
        cmd::run(step, &mut c)
    };
    apt(&["update"])?;
    apt(&[&["install", "-y"], packages].concat())
}

/// True when a `--version` output names exactly `version` as a word (so 0.2.13 does not match 0.2.130).
fn reports_version(output: &str, version: &str) -> bool {
    output
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .any(|word| {
            let word = word.strip_prefix('v').unwrap_or(word);
            word == version
        })
}

/// The first word of a `--version` output that starts with a digit.
fn first_version(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_owned)
}

/// True when `lib/python*/site-packages/<name>-<version>.dist-info` exists in the venv.
fn has_dist_info(venv: &Path, name: &str, version: &str) -> bool {
    let Ok(libs) = fs::read_dir(venv.join("lib")) else {
        return false;
    };
    let wanted = format!("{name}-{version}.dist-info");
    libs.flatten()
        .any(|lib| lib.path().join("site-packages").join(&wanted).is_dir())
}

/// Waits while another `cargo install` runs (the lead or a second terminal may be installing the same
/// tool): two parallel installs on 2 cores are slower than one after the other, and may race.
fn wait_for_cargo_installs() {
    let started = Instant::now();
    let mut announced = Duration::ZERO;
    loop {
        let running = running_cargo_installs();
        if running.is_empty() {
            return;
        }
        let waited = started.elapsed();
        if announced == Duration::ZERO || waited >= announced + Duration::from_secs(60) {
            println!(
                "setup: waiting for a running `{}` ({:.0}s so far)...",
                running[0],
                waited.as_secs_f64()
            );
            announced = waited.max(Duration::from_millis(1));
        }
        thread::sleep(Duration::from_secs(5));
    }
}

/// Command lines of running `cargo [+toolchain] install ...` processes (Linux /proc; empty elsewhere).
fn running_cargo_installs() -> Vec<String> {
    let Ok(procs) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let me = std::process::id().to_string();
    procs
        .flatten()
        .filter(|p| {
            p.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()) && n != me)
        })
        .filter_map(|p| fs::read(p.path().join("cmdline")).ok())
        .filter_map(|raw| {
            let args: Vec<String> = raw
                .split(|&b| b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let is_cargo = args
                .first()
                .is_some_and(|a| Path::new(a).file_name().is_some_and(|n| n == "cargo"));
            (is_cargo && args.iter().skip(1).take(2).any(|a| a == "install"))
                .then(|| args.join(" ").trim().to_owned())
        })
        .collect()
}

/// FNV-1a: a small stable hash for the npm stamp (std's hasher may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_available_column_of_df() {
        let out = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n\
                   /dev/vda         264000000  93000000   2621440      98% /\n";
        assert_eq!(df_available_gb(out), Some(2));
        assert_eq!(df_available_gb("Filesystem\n"), None);
        assert_eq!(df_available_gb("header\n/dev/vda 1 2 lots 3% /\n"), None);
    }

    #[test]
    fn version_must_match_as_a_whole_word() {
        assert!(reports_version("wasm-bindgen 0.2.130\n", "0.2.130"));
        assert!(reports_version("worker-build v0.8.7", "0.8.7"));
        assert!(reports_version("wasm-pack 0.15.1\n", "0.15.1"));
        assert!(!reports_version("wasm-bindgen 0.2.13", "0.2.130"));
        assert!(!reports_version("wasm-bindgen 0.2.1300", "0.2.130"));
    }

    #[test]
    fn finds_the_first_version_word() {
        assert_eq!(
            first_version("Chromium 156.0.7000.1 built on Debian").as_deref(),
            Some("156.0.7000.1")
        );
        assert_eq!(first_version("no digits"), None);
    }

    #[test]
    fn fnv1a_is_the_reference_function() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
