//! `cargo xtask build-web [--config FILE]`: builds the landing page and the npm package from `web-client/`
//! (release, size-optimised; wasm-bindgen `--target web`; npm binaryen's `wasm-opt -Oz`), assembles the static
//! site from `www/` into `target/web/site/` with the configuration inlined, writes `pkg/`, and prints the sizes.
//!
//! The configuration file defaults to `$HANDOFF_WEB_CONFIG`, then `www/config.dev.json`. Serve the site with
//! `node www/serve.mjs --root target/web/site [--port N] [--config FILE]` (loopback, real security headers).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cmd::{self, Error, Result};
use crate::tools::{Tools, WASM_TARGET};

/// The package whose cdylib is the npm package and whose `handoff-page` binary is the landing page.
const PACKAGE: &str = "handoff-web";
/// The landing page binary (wasm-bindgen runs its `main` at start).
const PAGE_BIN: &str = "handoff-page";
/// wasm features rustc enables by default for wasm32 today; wasm-opt must accept them.
const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// Exports of the page's wasm that nothing calls, removed before wasm-opt so that their code goes too:
/// wasm-streams' `IntoUnderlying*` classes (Leptos always enables `server_fn/browser`, and a `#[wasm_bindgen]`
/// export survives even in a binary). Their JS classes stay in the glue, unused.
const PAGE_DEAD_EXPORTS: &[&str] = &["*intounderlying*"];

/// Where the build puts things.
pub struct Out {
    /// The assembled site (served as is).
    pub site: PathBuf,
    /// The npm package.
    pub pkg: PathBuf,
    /// wasm-bindgen's output for the page, before assembly.
    pub page: PathBuf,
}

impl Out {
    /// The output paths under `root`.
    pub fn new(root: &Path) -> Self {
        let web = root.join("target").join("web");
        Out {
            site: web.join("site"),
            page: web.join("page"),
            pkg: root.join("pkg"),
        }
    }
}

/// Entry point of `cargo xtask build-web`.
pub fn run(args: &[String]) -> ExitCode {
    let config = match args {
        [] => None,
        [flag, file] if flag == "--config" => Some(PathBuf::from(file)),
        _ => {
            eprintln!("usage: cargo xtask build-web [--config FILE]");
            return ExitCode::from(2);
        }
    };
    let result = Tools::locate().and_then(|tools| {
        let config = config
            .or_else(|| std::env::var_os("HANDOFF_WEB_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| tools.root.join("www").join("config.dev.json"));
        build(&tools, &config)
    });
    match result {
        Ok(out) => {
            println!("site: {}\npkg:  {}", out.site.display(), out.pkg.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Builds everything; returns where it went.
pub fn build(tools: &Tools, config: &Path) -> Result<Out> {
    let out = Out::new(&tools.root);
    let config =
        fs::canonicalize(config).map_err(|e| Error::msg(format!("config file {}: {e}", config.display())))?;

    // The page (a binary: it keeps only what `main` reaches), then the npm package's cdylib without Leptos:
    // every `#[wasm_bindgen]` export of a dependency is a root a cdylib keeps, and Leptos brings some.
    let release = tools.root.join("target").join(WASM_TARGET).join("release");
    cargo_build(
        tools,
        &["--bin", PAGE_BIN, "--no-default-features", "--features", "page"],
    )?;
    reset(&out.page)?;
    bindgen(
        tools,
        &release.join(format!("{PAGE_BIN}.wasm")),
        &out.page,
        "handoff",
        false,
    )?;
    optimise(tools, &out.page.join("handoff_bg.wasm"), PAGE_DEAD_EXPORTS)?;
    minify_js(tools, &out.page.join("handoff.js"))?;

    cargo_build(tools, &["--lib", "--no-default-features", "--features", "api"])?;
    reset(&out.pkg)?;
    bindgen(
        tools,
        &release.join("handoff_web.wasm"),
        &out.pkg,
        "handoff_web",
        true,
    )?;
    optimise(tools, &out.pkg.join("handoff_web_bg.wasm"), &[])?;
    write_package_json(tools, &out.pkg)?;

    cmd::run(
        "build-web: assemble the site",
        tools
            .command("node")
            .arg("www/site.mjs")
            .arg("assemble")
            .arg("--out")
            .arg(&out.site)
            .arg("--page")
            .arg(&out.page)
            .arg("--pkg")
            .arg(&out.pkg)
            .arg("--config")
            .arg(&config),
    )?;
    println!("\nlanding page (what a browser downloads besides the HTML):");
    let handoff = out.site.join("handoff");
    cmd::run(
        "build-web: sizes",
        tools.command("node").args(["www/site.mjs", "sizes"]).args(
            [
                "index.html",
                "boot.js",
                "handoff.js",
                "handoff_bg.wasm",
                "landing.css",
            ]
            .map(|f| handoff.join(f)),
        ),
    )?;
    println!("\nnpm package:");
    cmd::run(
        "build-web: sizes",
        tools
            .command("node")
            .args(["www/site.mjs", "sizes"])
            .args(["handoff_web.js", "handoff_web_bg.wasm"].map(|f| out.pkg.join(f))),
    )?;
    Ok(out)
}

/// A release build of the web client, size first: `opt-level = "z"` and no `strip` for this build only (the
/// workspace profile serves the edge too; wasm-bindgen needs the `target_features` section that `strip` drops,
/// and wasm-opt removes names and producers afterwards).
fn cargo_build(tools: &Tools, args: &[&str]) -> Result<()> {
    cmd::run(
        "build-web: cargo build",
        tools
            .command("cargo")
            .args(["build", "--release", "--target", WASM_TARGET, "-p", PACKAGE])
            .args(args)
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
            .env("CARGO_PROFILE_RELEASE_STRIP", "false"),
    )
}

fn reset(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| Error::msg(format!("cannot clear {}: {e}", dir.display())))?;
    }
    fs::create_dir_all(dir).map_err(|e| Error::msg(format!("cannot create {}: {e}", dir.display())))
}

fn bindgen(tools: &Tools, wasm: &Path, out_dir: &Path, name: &str, typescript: bool) -> Result<()> {
    let mut command = tools.command(tools.wasm_bindgen());
    command
        .args(["--target", "web", "--out-name", name])
        .arg("--out-dir")
        .arg(out_dir)
        .arg(wasm);
    if !typescript {
        command.arg("--no-typescript");
    }
    cmd::run("build-web: wasm-bindgen", &mut command)
}

/// npm binaryen's wasm-opt, in place (never Debian's: it produces wasm that fails at run time), after removing
/// the exports matching `dead_exports` (wildcards).
fn optimise(tools: &Tools, wasm: &Path, dead_exports: &[&str]) -> Result<()> {
    let mut command = tools.command(tools.wasm_opt());
    for pattern in dead_exports {
        command
            .arg("--remove-exports")
            .arg(format!("--pass-arg=remove-exports@{pattern}"));
    }
    cmd::run(
        "build-web: wasm-opt",
        command
            .args(["-Oz", "--strip-debug", "--strip-producers"])
            .args(WASM_OPT_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )
}

/// The page's wasm-bindgen glue, minified in place with esbuild (the npm package's glue stays readable: its users
/// bundle it themselves).
fn minify_js(tools: &Tools, js: &Path) -> Result<()> {
    cmd::run(
        "build-web: esbuild --minify",
        tools
            .command(tools.esbuild())
            .arg(js)
            .args([
                "--minify",
                "--format=esm",
                "--target=es2022",
                "--allow-overwrite",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", js.display())),
    )
}

fn write_package_json(tools: &Tools, pkg: &Path) -> Result<()> {
    let manifest = crate::tools::read(&tools.root.join("Cargo.toml"))?;
    let version = manifest
        .lines()
        .find_map(|l| {
            l.strip_prefix("version = ")
                .map(|v| v.trim().trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| "0.0.0".to_owned());
    let json = format!(
        r#"{{
  "name": "handoff-web",
  "version": "{version}",
  "description": "Handoff: complete a native-to-web sign-in for AWS Cognito in the browser (wasm).",
  "license": "Apache-2.0",
  "type": "module",
  "main": "handoff_web.js",
  "module": "handoff_web.js",
  "types": "handoff_web.d.ts",
  "files": ["handoff_web.js", "handoff_web.d.ts", "handoff_web_bg.wasm", "handoff_web_bg.wasm.d.ts", "snippets/", "README.md"],
  "sideEffects": ["./snippets/*"]
}}
"#
    );
    write(&pkg.join("package.json"), &json)?;
    write(&pkg.join("README.md"), PKG_README)
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| Error::msg(format!("cannot write {}: {e}", path.display())))
}

const PKG_README: &str = r#"# handoff-web

Completes a Handoff sign-in (a native app's single-use link, `#handoff=<token>`) in any web app, without Leptos:
reads and scrubs the token from the URL fragment, signs in to Cognito with CUSTOM_AUTH (two requests), stores the
session under Amplify v6's localStorage keys and goes to the link's redirect target.

```js
import init, { completeHandoff } from 'handoff-web';

await init();
const result = await completeHandoff({
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbC123',
  clientId: '<web app client id>',
  redirectAllowlist: ['/orders', '/account'],
  onProgress: (step) => console.log(step), // "checking" | "contacting" | "verifying" | "signing_in"
});
if (!result.ok) showError(result.error, result.title, result.message); // never rejects
```

Failures: `expired`, `unusable` (already used, revoked or forged), `invalid` (nothing was sent), `network`
(`retry: true`), `misconfigured`. Types are in `handoff_web.d.ts`. The page that serves this must send
`Referrer-Policy: no-referrer` and a CSP with `script-src 'self' 'wasm-unsafe-eval'`.
"#;
