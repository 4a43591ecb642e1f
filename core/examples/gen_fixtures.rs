//! Writes the TEST-ONLY golden vectors to `tests/fixtures/` (run from anywhere in the workspace):
//! `cargo run -p handoff-core --features rust-crypto --example gen-fixtures`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let files = [
        ("tokens.json", support::corpus_json()),
        ("keys/test-only.public.jwks.json", support::public_jwks_json()),
        ("keys/test-only.private.jwks.json", support::private_jwks_json()),
        ("wire/redeem-request.json", support::wire_redeem_request()),
        ("wire/redeem-answer-ok.json", support::wire_redeem_ok()),
        (
            "wire/redeem-answer-replayed.json",
            support::wire_redeem_replayed(),
        ),
    ];
    for (name, value) in files {
        let path = fixtures.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, support::pretty(&value))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
