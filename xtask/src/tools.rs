//! Where the project's tools live and which versions are pinned: every command takes paths from here.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::cmd::{Error, Result};

/// The wasm target for core, the edge worker and the landing page.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// `worker-build`, the edge worker's build tool (installed with `--locked`).
pub const WORKER_BUILD_VERSION: &str = "0.8.7";
/// `ministack`, the local Cognito emulator (PyPI).
pub const MINISTACK_VERSION: &str = "1.5.33";
/// `cargo-lambda` (PyPI, in its own venv): cross-builds the trigger Lambda for x86_64 and arm64 with zig.
pub const CARGO_LAMBDA_VERSION: &str = "1.9.2";
/// `ziglang` (PyPI), the zig cargo-lambda links with; pinned too (cargo-lambda accepts any newer one).
pub const ZIGLANG_VERSION: &str = "0.17.1";
/// The Rust targets of the trigger Lambda (provided.al2023 on x86_64 and on arm64/Graviton).
pub const LAMBDA_TARGETS: [&str; 2] = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];
/// Seconds wasm-bindgen-test-runner waits for a test suite.
pub const WASM_BINDGEN_TEST_TIMEOUT: &str = "120";
/// The dated nightly (with `rust-src`) for the two builds that need unstable flags: the landing page's wasm
/// (`-Zbuild-std`, panics that abort without a message) and the fuzz targets (`-Zsanitizer`). `fuzz/run.sh` reads it
/// here.
pub const NIGHTLY: &str = "nightly-2026-10-30";
/// `cargo-fuzz` (installed with `--locked`): builds and runs the libFuzzer targets in `fuzz/`.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Paths of the repository and of every tool `setup` installs.
pub struct Tools {
    /// The workspace root (where `Cargo.lock` and `package.json` live).
    pub root: PathBuf,
    /// Where `cargo install` puts binaries (`$CARGO_HOME/bin`).
    pub cargo_bin: PathBuf,
}

impl Tools {
    /// Finds the workspace root (the parent of this crate) and cargo's bin directory.
    pub fn locate() -> Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .ok_or_else(|| Error::msg("xtask: cannot find the workspace root above xtask/"))?
            .to_path_buf();
        let cargo_home = match env::var_os("CARGO_HOME") {
            Some(home) if !home.is_empty() => PathBuf::from(home),
            _ => {
                let home = env::var_os("HOME")
                    .ok_or_else(|| Error::msg("xtask: neither CARGO_HOME nor HOME is set"))?;
                PathBuf::from(home).join(".cargo")
            }
        };
        Ok(Self {
            root,
            cargo_bin: cargo_home.join("bin"),
        })
    }

    /// `wasm-bindgen` from `wasm-bindgen-cli` (version = Cargo.lock's `wasm-bindgen`).
    pub fn wasm_bindgen(&self) -> PathBuf {
        self.cargo_bin.join("wasm-bindgen")
    }

    /// The cargo runner for wasm32 tests (from `wasm-bindgen-cli`).
    pub fn wasm_bindgen_test_runner(&self) -> PathBuf {
        self.cargo_bin.join("wasm-bindgen-test-runner")
    }

    /// `worker-build`, which builds the edge worker.
    pub fn worker_build(&self) -> PathBuf {
        self.cargo_bin.join("worker-build")
    }

    /// `node_modules/.bin`: wrangler, wasm-opt, esbuild.
    pub fn node_bin(&self) -> PathBuf {
        self.root.join("node_modules").join(".bin")
    }

    /// npm `binaryen` 132's wasm-opt (never Debian's: it produces wasm that fails at run time).
    pub fn wasm_opt(&self) -> PathBuf {
        self.node_bin().join("wasm-opt")
    }

    /// The esbuild that wrangler bundles with.
    pub fn esbuild(&self) -> PathBuf {
        self.node_bin().join("esbuild")
    }

    /// wrangler (runs workerd locally).
    pub fn wrangler(&self) -> PathBuf {
        self.node_bin().join("wrangler")
    }

    /// Debian's Chromium (browser tests, Playwright's `executablePath`).
    pub fn chromium(&self) -> PathBuf {
        PathBuf::from("/usr/bin/chromium")
    }

    /// Debian's chromedriver, matching `chromium`.
    pub fn chromedriver(&self) -> PathBuf {
        PathBuf::from("/usr/bin/chromedriver")
    }

    /// The Python venv for ministack (gitignored).
    pub fn venv(&self) -> PathBuf {
        self.root.join(".tools").join("venv")
    }

    /// The venv's Python.
    pub fn venv_python(&self) -> PathBuf {
        self.venv().join("bin").join("python")
    }

    /// The `ministack` launcher inside the venv.
    pub fn ministack(&self) -> PathBuf {
        self.venv().join("bin").join("ministack")
    }

    /// The Python venv for cargo-lambda and its zig (gitignored).
    pub fn cargo_lambda_venv(&self) -> PathBuf {
        self.root.join(".tools").join("cargo-lambda")
    }

    /// `cargo-lambda` (run as `cargo-lambda lambda build ...`, with the venv's bin first on PATH).
    pub fn cargo_lambda(&self) -> PathBuf {
        self.cargo_lambda_venv().join("bin").join("cargo-lambda")
    }

    /// Debian's qemu-user for arm64 (runs the arm64 `bootstrap` on this x86_64 machine).
    pub fn qemu_aarch64(&self) -> PathBuf {
        PathBuf::from("/usr/bin/qemu-aarch64")
    }

    /// Debian's aarch64 glibc (`libc6-arm64-cross`): qemu's `-L` prefix for dynamically linked arm64 binaries.
    pub fn aarch64_sysroot(&self) -> PathBuf {
        PathBuf::from("/usr/aarch64-linux-gnu")
    }

    /// Generated dev keys and secrets (gitignored).
    pub fn dev_dir(&self) -> PathBuf {
        self.root.join(".dev")
    }

    /// The toolchain pinned in `rust-toolchain.toml` (its `[toolchain] channel`).
    pub fn rust_channel(&self) -> Result<String> {
        #[derive(Deserialize)]
        struct File {
            toolchain: Toolchain,
        }
        #[derive(Deserialize)]
        struct Toolchain {
            channel: String,
        }
        let file: File = read_toml(&self.root.join("rust-toolchain.toml"))?;
        Ok(file.toolchain.channel)
    }

    /// The version of the `wasm-bindgen` crate in Cargo.lock; wasm-bindgen-cli must match it exactly.
    pub fn wasm_bindgen_version(&self) -> Result<String> {
        let path = self.root.join("Cargo.lock");
        let versions = locked_versions(&read_toml(&path)?, "wasm-bindgen");
        match versions.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Error::msg(format!(
                "{}: no `wasm-bindgen` package",
                path.display()
            ))),
            many => Err(Error::msg(format!(
                "{}: several `wasm-bindgen` versions ({}); pin one so wasm-bindgen-cli can match it",
                path.display(),
                many.join(", ")
            ))),
        }
    }

    /// PATH for child processes: cargo-installed tools and node_modules/.bin first.
    pub fn path_env(&self) -> OsString {
        let ours = [self.cargo_bin.clone(), self.node_bin()];
        let inherited = env::var_os("PATH").unwrap_or_default();
        let rest: Vec<PathBuf> = env::split_paths(&inherited)
            .filter(|d| !ours.contains(d))
            .collect();
        let dirs = ours.into_iter().chain(rest);
        env::join_paths(dirs).unwrap_or_else(|_| env::var_os("PATH").unwrap_or_default())
    }

    /// Environment every child gets, so tools find each other without downloading anything.
    pub fn child_env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("PATH", self.path_env()),
            ("CHROMEDRIVER", self.chromedriver().into_os_string()),
            ("WASM_BINDGEN_TEST_TIMEOUT", WASM_BINDGEN_TEST_TIMEOUT.into()),
            // worker-build downloads these from GitHub unless told where they are.
            ("WASM_BINDGEN_BIN", self.wasm_bindgen().into_os_string()),
            ("WASM_OPT_BIN", self.wasm_opt().into_os_string()),
            ("ESBUILD_BIN", self.esbuild().into_os_string()),
        ]
    }

    /// A command run in the workspace root with [`Tools::child_env`].
    ///
    /// `RUSTUP_TOOLCHAIN` (set by rustup's proxy for `cargo +x xtask`) is removed so that every
    /// child builds with the toolchain pinned in `rust-toolchain.toml`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root)
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("RUSTUP_TOOLCHAIN_SOURCE")
            // `cargo run` (cargo xtask) sets these for xtask itself; build scripts that track them (ring's does)
            // would otherwise rebuild whenever a build switches between xtask's children and a plain shell.
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("CARGO_MANIFEST_PATH")
            .env_remove("CARGO_PRIMARY_PACKAGE")
            .env_remove("CARGO_PKG_NAME")
            .envs(self.child_env());
        cmd
    }

    /// wrangler run in `dir`, offline and quiet: no metrics, no error reports, no fetches to Cloudflare, its
    /// config and logs in `scratch` rather than the user's home.
    pub fn wrangler_in(&self, dir: &Path, scratch: &Path) -> Command {
        let mut cmd = self.command(self.wrangler());
        cmd.current_dir(dir)
            .env("CI", "true")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_SEND_ERROR_REPORTS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("XDG_CONFIG_HOME", scratch.join("config"))
            .env("WRANGLER_LOG_PATH", scratch.join("logs"))
            .env("NO_COLOR", "1");
        cmd
    }
}

/// Reads a text file, naming it on failure.
pub fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))
}

/// A TOML file read into `T`, naming the file on failure.
pub fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    toml::from_str(&read(path)?).map_err(|e| Error::msg(format!("{}: {e}", path.display())))
}

/// Writes a text file, naming it on failure.
pub fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| Error::msg(format!("cannot write {}: {e}", path.display())))
}

/// Empties `dir` (creating it if needed).
pub fn reset(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| Error::msg(format!("cannot clear {}: {e}", dir.display())))?;
    }
    fs::create_dir_all(dir).map_err(|e| Error::msg(format!("cannot create {}: {e}", dir.display())))
}

/// The `[[package]]` entries of a Cargo.lock that matter here.
#[derive(Deserialize)]
struct Lock {
    package: Vec<Locked>,
}

#[derive(Deserialize)]
struct Locked {
    name: String,
    version: String,
}

/// Every version of package `name` in a Cargo.lock.
fn locked_versions(lock: &Lock, name: &str) -> Vec<String> {
    lock.package
        .iter()
        .filter(|p| p.name == name)
        .map(|p| p.version.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_locked_wasm_bindgen_version_only() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+x"
dependencies = [
 "once_cell",
]

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.50"
"#;
        let lock: Lock = toml::from_str(lock).unwrap();
        assert_eq!(locked_versions(&lock, "wasm-bindgen"), vec!["0.2.130".to_owned()]);
        assert!(locked_versions(&lock, "missing").is_empty());
    }

    /// The real files parse: the toolchain's channel and exactly one locked wasm-bindgen.
    #[test]
    fn reads_the_workspace_toolchain_and_lock() {
        let tools = Tools::locate().unwrap();
        assert!(tools.rust_channel().unwrap().starts_with("1."));
        assert!(tools.wasm_bindgen_version().unwrap().starts_with("0.2."));
    }
}
