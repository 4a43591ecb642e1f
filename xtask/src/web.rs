//! `cargo xtask build-web [--config FILE]`: builds the landing page and the npm package from `web-client/`
//! (release, size-optimised; wasm-bindgen `--target web`; npm binaryen's `wasm-opt -Oz`), assembles the static
//! site from `www/` into `target/web/site/` with the configuration inlined, writes `pkg/`, and prints the sizes.
//!
//! The configuration file defaults to `$HANDOFF_WEB_CONFIG`, then `www/config.dev.json`. Serve the site with
//! `node www/serve.mjs --root target/web/site [--port N] [--config FILE]` (loopback, real security headers).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cmd::{self, Error, Result};
use crate::glue_names;
use crate::tools::{self, NIGHTLY, Tools, WASM_TARGET, reset, write};

/// The package whose cdylib is the npm package and whose `handoff-page` binary is the landing page.
const PACKAGE: &str = "handoff-web";
/// The landing page's sign-in, its first wasm (wasm-bindgen runs its `main` at start).
const PAGE_BIN: &str = "handoff-page";
/// The landing page's screens (Leptos), its second wasm, loaded only when the sign-in has a screen to show.
const SCREENS_BIN: &str = "handoff-screens";
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

/// The landing page's code (the inline boot script, the glue and the wasm), gzip, in KB: the build fails above it, so
/// that the page never grows by accident. It is issue 11's goal, 42 KB, the size of the aws-amplify page it
/// replaces, which the page meets since it formats nothing and holds no `BTreeMap` (docs/web.md). Lower it whenever
/// the page shrinks. (101 -> 86 when the page dropped serde for core's JSON reader, `handoff_core::json`: 18 KB
/// gzip of wasm; 86 -> 81 with short wasm names, [`minify_names`]: 4 KB; 81 -> 57 when the Leptos screens became a
/// second wasm, loaded only to show a screen, which this budget does not count: the sign-in's code is what every
/// visit waits for; 57 -> 42 with a small allocator, no formatting, no `BTreeMap`, no wasm-bindgen-futures.)
const PAGE_CODE_BUDGET_KB: u32 = 42;

/// The screens' code (their glue and wasm), gzip, in KB: downloaded only to show a failure or the switch question,
/// so off the path of every visit, but a failure screen waits for it. Today's size plus a little room.
const SCREENS_CODE_BUDGET_KB: u32 = 72;

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

/// The landing page's configuration file, for `build-web` and `package`.
#[derive(clap::Args)]
pub struct ConfigArg {
    /// The landing page's configuration (JSON) [default: www/config.dev.json]
    #[arg(long, value_name = "FILE", env = "HANDOFF_WEB_CONFIG")]
    config: Option<PathBuf>,
}

impl ConfigArg {
    /// The file given, else the development configuration.
    pub fn file(&self, tools: &Tools) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| tools.root.join("www").join("config.dev.json"))
    }
}

/// `cargo xtask build-web`.
pub fn run(tools: &Tools, config: &ConfigArg) -> Result<()> {
    let out = build(tools, &config.file(tools))?;
    println!("site: {}\npkg:  {}", out.site.display(), out.pkg.display());
    Ok(())
}

/// Builds everything; returns where it went.
pub fn build(tools: &Tools, config: &Path) -> Result<Out> {
    let out = Out::new(&tools.root);
    let config =
        fs::canonicalize(config).map_err(|e| Error::msg(format!("config file {}: {e}", config.display())))?;

    // The page (a binary: it keeps only what `main` reaches), then the npm package's cdylib without Leptos:
    // every `#[wasm_bindgen]` export of a dependency is a root a cdylib keeps, and Leptos brings some.
    let release = tools.root.join("target").join(WASM_TARGET).join("release");
    page_build(tools)?;
    reset(&out.page)?;
    for (bin, name) in [(PAGE_BIN, "handoff"), (SCREENS_BIN, "screens")] {
        let wasm = page_target(&tools.root)
            .join(WASM_TARGET)
            .join("release")
            .join(format!("{bin}.wasm"));
        bindgen(tools, &wasm, &out.page, name, false)?;
        let (wasm, js) = (
            out.page.join(format!("{name}_bg.wasm")),
            out.page.join(format!("{name}.js")),
        );
        optimise(tools, &wasm, PAGE_DEAD_EXPORTS)?;
        minify_js(tools, &js)?;
        minify_names(tools, &wasm, &js)?;
    }

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
    let handoff = out.site.join("handoff");
    println!("\nlanding page (what a browser downloads to sign in; index.html carries the boot script):");
    cmd::run(
        "build-web: sizes",
        tools
            .command("node")
            .args(["www/site.mjs", "sizes"])
            .args(["index.html", "handoff.js", "handoff_bg.wasm", "landing.css"].map(|f| handoff.join(f))),
    )?;
    println!("\nits screens (downloaded only for a failure or the switch question):");
    cmd::run(
        "build-web: sizes",
        tools
            .command("node")
            .args(["www/site.mjs", "sizes"])
            .args(["screens.js", "screens_bg.wasm"].map(|f| handoff.join(f))),
    )?;
    cmd::run(
        "build-web: size budget",
        tools
            .command("node")
            .args(["www/site.mjs", "budget", &PAGE_CODE_BUDGET_KB.to_string()])
            // index.html counts by its inline boot script (www/site.mjs `codeSizes`).
            .args(["index.html", "handoff.js", "handoff_bg.wasm"].map(|f| handoff.join(f))),
    )?;
    cmd::run(
        "build-web: size budget",
        tools
            .command("node")
            .args(["www/site.mjs", "budget", &SCREENS_CODE_BUDGET_KB.to_string()])
            .args([
                "--subject",
                "the screens' code",
                "--constant",
                "SCREENS_CODE_BUDGET_KB",
            ])
            .args(["screens.js", "screens_bg.wasm"].map(|f| handoff.join(f))),
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

/// Where the page's nightly build goes: a target directory of its own, so that it never invalidates the stable
/// builds of the same crates (clippy, the npm package, the tests).
fn page_target(root: &Path) -> PathBuf {
    root.join("target").join("page")
}

/// The landing page's wasm, built for size on the pinned nightly ([`NIGHTLY`]): `opt-level = "z"`, the standard
/// library rebuilt with the page (`-Zbuild-std`, so LTO reaches into it), and `panic = immediate-abort`, which
/// drops every panic message and the formatting machinery behind them (a panic is a bug and the page has nothing
/// to say about it; the loading screen's fallback tells the user what to do). 11 % smaller gzip than the stable
/// build. The standard library is built with its `optimize_for_size` feature (smaller formatting and searching
/// code, slower on inputs a page never has: 0.6 KB gzip). The npm package stays on stable: its users build it
/// with `wasm-pack` (the README's command).
///
/// The sign-in is built without the `page` feature, so that Leptos and its dependencies are not even linked (their
/// `#[wasm_bindgen]` exports would leave JS classes in its glue); the screens with it.
fn page_build(tools: &Tools) -> Result<()> {
    for (bin, features) in [(PAGE_BIN, &[][..]), (SCREENS_BIN, &["--features", "page"][..])] {
        cmd::run(
            "build-web: cargo build (page)",
            tools
                .command("cargo")
                .arg(format!("+{NIGHTLY}"))
                .args(["build", "--release", "--target", WASM_TARGET, "-p", PACKAGE])
                .args(["--bin", bin, "--no-default-features"])
                .args(features)
                .arg("-Zbuild-std=std,panic_abort")
                .arg("-Zbuild-std-features=optimize_for_size")
                .arg("--target-dir")
                .arg(page_target(&tools.root))
                .env("RUSTFLAGS", "-Zunstable-options -Cpanic=immediate-abort")
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
                .env("CARGO_PROFILE_RELEASE_STRIP", "false"),
        )?;
    }
    Ok(())
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

/// Short import, export and module names in the page's wasm, and the same in its glue ([`glue_names`]): 4 KB gzip
/// less of the page's code.
fn minify_names(tools: &Tools, wasm: &Path, js: &Path) -> Result<()> {
    const STEP: &str = "build-web: short wasm names";
    let map = cmd::capture(
        STEP,
        tools
            .command(tools.wasm_opt())
            .arg("--minify-imports-and-exports-and-modules")
            .args(WASM_OPT_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )?;
    let map = glue_names::Map::parse(&map).map_err(|e| Error::msg(format!("{STEP}: {e}")))?;
    let glue = fs::read_to_string(js).map_err(|e| Error::msg(format!("{STEP}: {}: {e}", js.display())))?;
    let glue =
        glue_names::rename(&glue, &map).map_err(|e| Error::msg(format!("{STEP}: {}: {e}", js.display())))?;
    write(js, &glue)
}

/// The page's wasm-bindgen glue, minified in place with esbuild (the npm package's glue stays
/// readable: its users bundle it themselves). Bundled from an entry that re-exports only its default export (the
/// `init` boot.js calls), so that esbuild drops what nothing uses (`initSync`).
fn minify_js(tools: &Tools, js: &Path) -> Result<()> {
    let file = js.file_name().and_then(|f| f.to_str()).unwrap_or_default();
    let entry = js.with_extension("entry.js");
    write(&entry, &format!("export {{ default }} from './{file}';\n"))?;
    let built = cmd::run(
        "build-web: esbuild --minify",
        tools
            .command(tools.esbuild())
            .arg(&entry)
            .args([
                "--bundle",
                "--minify",
                "--format=esm",
                "--target=es2022",
                "--allow-overwrite",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", js.display())),
    );
    let _ = fs::remove_file(&entry);
    built
}

/// The npm package's `package.json`, README and LICENSE. Version, license and repository come from the workspace
/// manifest (`[workspace.package]`); `exports` names the wasm too, so that bundlers can import its URL
/// (`handoff-web/handoff_web_bg.wasm`: the esbuild recipe in [`PKG_README`]).
fn write_package_json(tools: &Tools, pkg: &Path) -> Result<()> {
    let manifest: Manifest = tools::read_toml(&tools.root.join("Cargo.toml"))?;
    write(
        &pkg.join("package.json"),
        &package_json(&manifest.workspace.package),
    )?;
    write(&pkg.join("README.md"), PKG_README)?;
    let license = tools.root.join("LICENSE");
    fs::copy(&license, pkg.join("LICENSE"))
        .map(|_| ())
        .map_err(|e| Error::msg(format!("cannot copy {}: {e}", license.display())))
}

/// The workspace manifest's fields the npm package repeats.
#[derive(Deserialize)]
struct Manifest {
    workspace: Workspace,
}

#[derive(Deserialize)]
struct Workspace {
    package: WorkspacePackage,
}

#[derive(Deserialize)]
struct WorkspacePackage {
    version: String,
    license: String,
    repository: String,
}

/// `package.json`, its members in the order npm writes them (serde_json's own map would sort them, and `exports`
/// must list `types` before `default`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PackageJson<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    keywords: &'a [&'a str],
    license: &'a str,
    repository: Repository<'a>,
    #[serde(rename = "type")]
    kind: &'a str,
    main: &'a str,
    module: &'a str,
    types: &'a str,
    exports: Exports<'a>,
    files: &'a [&'a str],
    /// The snippet that scrubs the token runs at import, and must stay.
    side_effects: &'a [&'a str],
}

#[derive(Serialize)]
struct Repository<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    url: &'a str,
    directory: &'a str,
}

#[derive(Serialize)]
struct Exports<'a> {
    #[serde(rename = ".")]
    main: Conditions<'a>,
    #[serde(rename = "./handoff_web_bg.wasm")]
    wasm: &'a str,
    #[serde(rename = "./snippets/*")]
    snippets: &'a str,
    #[serde(rename = "./package.json")]
    package_json: &'a str,
}

#[derive(Serialize)]
struct Conditions<'a> {
    types: &'a str,
    default: &'a str,
}

/// The package.json text.
fn package_json(workspace: &WorkspacePackage) -> String {
    let json = PackageJson {
        name: "handoff-web",
        version: &workspace.version,
        description: "Handoff: complete a native-to-web sign-in for AWS Cognito in the browser (wasm).",
        keywords: &["aws", "cognito", "amplify", "sign-in", "wasm"],
        license: &workspace.license,
        repository: Repository {
            kind: "git",
            url: &workspace.repository,
            directory: "web-client",
        },
        kind: "module",
        main: "handoff_web.js",
        module: "handoff_web.js",
        types: "handoff_web.d.ts",
        exports: Exports {
            main: Conditions {
                types: "./handoff_web.d.ts",
                default: "./handoff_web.js",
            },
            wasm: "./handoff_web_bg.wasm",
            snippets: "./snippets/*",
            package_json: "./package.json",
        },
        files: &[
            "handoff_web.js",
            "handoff_web.d.ts",
            "handoff_web_bg.wasm",
            "handoff_web_bg.wasm.d.ts",
            "snippets/",
            "README.md",
            "LICENSE",
        ],
        side_effects: &["./snippets/*"],
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}

/// The npm package's README. Its recipes are tested as written: tests/browser/npm-package.test.mjs builds and serves
/// every block after a `<!-- recipe: ... -->` marker and signs in through it in Chromium. Markers: `recipe: NAME
/// serve=DIR landing=PATH` starts a recipe (until the next heading); `sh` blocks are its commands (`mkdir -p`,
/// `cp -r`, `npx esbuild ...`, `npx vite build`), other blocks are files named by their first line's comment;
/// `recipe: headers` is the response headers every recipe is served with.
const PKG_README: &str = include_str!("pkg-readme.md");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_json_is_json_in_npm_order() {
        let workspace = WorkspacePackage {
            version: "1.2.3".into(),
            license: "Apache-2.0".into(),
            repository: "https://example.test/\"quoted\"\\x\n".into(),
        };
        let text = package_json(&workspace);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["repository"]["url"], "https://example.test/\"quoted\"\\x\n");
        assert_eq!(value["sideEffects"][0], "./snippets/*");
        assert_eq!(value["exports"]["./handoff_web_bg.wasm"], "./handoff_web_bg.wasm");
        assert!(
            text.starts_with("{\n  \"name\": \"handoff-web\",\n  \"version\": \"1.2.3\""),
            "{text}"
        );
        let types = text.find("\"types\": \"./handoff_web.d.ts\"").unwrap();
        let default = text.find("\"default\": \"./handoff_web.js\"").unwrap();
        assert!(
            types < default,
            "TypeScript reads the first matching condition: types first"
        );
    }

    /// The real manifest has every field the npm package repeats.
    #[test]
    fn reads_the_workspace_package() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest: Manifest = tools::read_toml(&root.join("Cargo.toml")).unwrap();
        assert!(!manifest.workspace.package.version.is_empty());
        assert!(!manifest.workspace.package.repository.is_empty());
    }

    /// `wasm-pack build web-client` runs wasm-opt with web-client/Cargo.toml's flags: they must enable every wasm
    /// feature this build enables.
    #[test]
    fn wasm_pack_enables_the_same_wasm_features() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web-client/Cargo.toml");
        let manifest = toml::Value::Table(tools::read_toml(&manifest).unwrap());
        let flags = [
            "package",
            "metadata",
            "wasm-pack",
            "profile",
            "release",
            "wasm-opt",
        ]
        .iter()
        .try_fold(&manifest, |value, key| value.get(key))
        .and_then(toml::Value::as_array)
        .expect("web-client/Cargo.toml has [package.metadata.wasm-pack.profile.release] wasm-opt");
        for flag in WASM_OPT_FEATURES {
            assert!(
                flags.iter().any(|f| f.as_str() == Some(flag)),
                "web-client/Cargo.toml's wasm-pack wasm-opt flags lack {flag}"
            );
        }
    }
}
