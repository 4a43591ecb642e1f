//! `handoff keys ...`: the edge's signing keys (JWK Set files): generate, rotate in three steps (stage, promote,
//! retire; each checked against what the edge publishes when `--edge` / `EDGE_URL` names it), print the public set.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use handoff_cli::files;
use handoff_cli::keys::{self, Alg};
use handoff_cli::rotation::{KeyFile, LEEWAY_SECS};
use handoff_core::KeySet;

use super::{Ctx, Exit, Failure, file_error, now, usage};

/// `handoff keys` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate a new private JWK Set with one key
    Generate {
        /// Signature algorithm
        #[arg(long, value_enum, default_value = "eddsa")]
        alg: Alg,
        /// Key id (default: `<alg>-<random hex>`)
        #[arg(long)]
        kid: Option<String>,
        /// Write to FILE (mode 0600) instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Rotation step 1: add a new key to FILE as verify-only (deploy FILE before `promote`)
    Stage {
        /// The private JWK Set file, rewritten in place (mode 0600)
        file: PathBuf,
        /// Signature algorithm of the new key
        #[arg(long, value_enum, default_value = "eddsa")]
        alg: Alg,
        /// Key id of the new key (default: `<alg>-<random hex>`)
        #[arg(long)]
        kid: Option<String>,
    },
    /// Rotation step 2: the staged key signs from now on; old keys stay for verification (deploy FILE)
    Promote {
        /// The private JWK Set file, rewritten in place (mode 0600)
        file: PathBuf,
        /// Promote even if the edge (--edge / EDGE_URL) does not publish the staged key yet
        #[arg(long)]
        force: bool,
    },
    /// Rotation step 3: drop the keys the promotion replaced, once no link they signed can be live (deploy FILE)
    Retire {
        /// The private JWK Set file, rewritten in place (mode 0600)
        file: PathBuf,
        /// The deployment's longest token lifetime (the edge's TOKEN_TTL_SECS), in seconds
        #[arg(long, value_name = "SECS", default_value_t = handoff_core::HARD_MAX_TTL_SECS)]
        max_ttl: u64,
        /// Retire now even if links signed by the old keys may still be live (they will fail: unknown_key)
        #[arg(long)]
        force: bool,
    },
    /// Print the public JWK Set of FILE (what the edge serves at /.well-known/jwks.json)
    Jwks {
        /// A JWK Set file
        file: PathBuf,
    },
}

/// Runs one `keys` subcommand.
pub fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    match command {
        Command::Generate { alg, kid, out } => generate(ctx, alg, kid, out),
        Command::Stage { file, alg, kid } => stage(ctx, &file, alg, kid),
        Command::Promote { file, force } => promote(ctx, &file, force),
        Command::Retire { file, max_ttl, force } => retire(ctx, &file, max_ttl, force),
        Command::Jwks { file } => {
            print!("{}", keys::to_text(&read_key_set(&file)?.public_jwks()));
            Ok(())
        }
    }
}

fn generate(ctx: &Ctx, alg: Alg, kid: Option<String>, out: Option<PathBuf>) -> Result<(), Failure> {
    let key = keys::generate(alg, kid.as_deref()).map_err(usage)?;
    let set = KeySet::new(vec![key]).map_err(|e| usage(e.to_string()))?;
    let text = keys::to_text(&set.private_jwks());
    match out {
        Some(path) => {
            files::write_private(&path, text.as_bytes()).map_err(file_error)?;
            ctx.progress(&format!("wrote {} (mode 0600)", path.display()));
        }
        None => {
            if std::io::stdout().is_terminal() {
                ctx.progress("printing a PRIVATE key set; prefer --out FILE");
            }
            print!("{text}");
        }
    }
    Ok(())
}

fn stage(ctx: &Ctx, file: &Path, alg: Alg, kid: Option<String>) -> Result<(), Failure> {
    let current = read_key_file(file)?;
    let key = keys::generate(alg, kid.as_deref()).map_err(usage)?;
    let kid = key.kid().to_owned();
    let staged = current.stage(key, now()).map_err(usage)?;
    write_key_file(file, &staged)?;
    ctx.progress(&format!(
        "staged {kid:?} as verify-only in {}; {:?} still signs. Deploy this file (SIGNING_JWKS), then run \
         `handoff keys promote`",
        file.display(),
        signer(&staged)
    ));
    println!("{kid}");
    Ok(())
}

fn promote(ctx: &Ctx, file: &Path, force: bool) -> Result<(), Failure> {
    let current = read_key_file(file)?;
    let promoted = current.promote(now()).map_err(usage)?;
    let kid = signer(&promoted);
    // Every edge instance must verify the new key before any signs with it: ask the edge.
    match ctx.rotation_edge()? {
        Some((edge_url, edge)) => match edge.published_kids() {
            Ok(kids) if kids.contains(&kid) => {
                ctx.progress(&format!(
                    "{edge_url} publishes {kid:?}: the staged set is deployed"
                ));
            }
            Ok(_) if force => ctx.progress(&format!("{edge_url} does not publish {kid:?} yet (--force)")),
            Ok(_) => {
                return Err(usage(format!(
                    "{edge_url} does not publish {kid:?} yet: deploy the staged key set first (or --force)"
                )));
            }
            Err(e) if force => ctx.progress(&format!("cannot check the edge ({e}); promoting (--force)")),
            Err(e) => return Err(Failure::new(Exit::Unavailable, format!("{e} (or --force)"))),
        },
        None => ctx.progress("no edge URL (--edge / EDGE_URL): make sure the staged set is deployed"),
    }
    write_key_file(file, &promoted)?;
    let retiring = promoted
        .rotation
        .promoted
        .as_ref()
        .map(|p| p.retiring.clone())
        .unwrap_or_default();
    ctx.progress(&format!(
        "{kid:?} signs now; {retiring:?} kept for verification. Deploy this file, then run `handoff keys \
         retire` after the longest token lifetime plus {LEEWAY_SECS} s"
    ));
    println!("{kid}");
    Ok(())
}

fn retire(ctx: &Ctx, file: &Path, max_ttl: u64, force: bool) -> Result<(), Failure> {
    let current = read_key_file(file)?;
    let Some(promotion) = current.rotation.promoted.clone() else {
        return Err(usage(
            "nothing to retire: no promotion is pending (`handoff keys promote` first)",
        ));
    };
    // The wait counts from the promotion's deployment: the edge must sign with the promoted key already.
    if let Some((edge_url, edge)) = ctx.rotation_edge()? {
        match edge.published_kids() {
            Ok(kids) if kids.first() == Some(&promotion.kid) => {}
            Ok(_) if force => ctx.progress(&format!(
                "{edge_url} does not sign with {:?} yet (--force)",
                promotion.kid
            )),
            Ok(_) => {
                return Err(usage(format!(
                    "{edge_url} does not sign with {:?} yet: deploy the promoted key set first (or --force)",
                    promotion.kid
                )));
            }
            Err(e) if force => ctx.progress(&format!("cannot check the edge ({e}); retiring (--force)")),
            Err(e) => return Err(Failure::new(Exit::Unavailable, format!("{e} (or --force)"))),
        }
    }
    let retired = current.retire(now(), max_ttl, force).map_err(usage)?;
    write_key_file(file, &retired)?;
    ctx.progress(&format!(
        "retired {:?}; deploy this file: links they signed now fail with unknown_key",
        promotion.retiring
    ));
    for kid in &promotion.retiring {
        println!("{kid}");
    }
    Ok(())
}

fn read_key_file(path: &Path) -> Result<KeyFile, Failure> {
    let text = files::read_text(path).map_err(file_error)?;
    KeyFile::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn write_key_file(path: &Path, file: &KeyFile) -> Result<(), Failure> {
    files::write_private(path, file.to_text().as_bytes()).map_err(file_error)
}

fn signer(file: &KeyFile) -> String {
    file.keys
        .signing_key()
        .map(|k| k.kid().to_owned())
        .unwrap_or_default()
}

fn read_key_set(path: &Path) -> Result<KeySet, Failure> {
    let text = files::read_text(path).map_err(file_error)?;
    KeySet::from_jwks(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}
