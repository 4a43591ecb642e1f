//! `handoff link`: ask the edge for a handoff link for the signed-in user; prints the URL.

use super::{Ctx, Failure, TokenArgs, edge_for_user, from_edge, print_result};

/// `handoff link` flags.
#[derive(clap::Args)]
pub struct Args {
    /// Where the web app should land (a same-origin path inside the edge's allowlist)
    #[arg(long, value_name = "PATH")]
    redirect: Option<String>,
    /// Print the edge's whole answer as JSON instead of the URL
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    token: TokenArgs,
}

/// Asks for a link and prints it.
pub fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
    let (edge, user) = edge_for_user(ctx, &args.token, "for a handoff link for")?;
    let answer = edge
        .issue(&user.token, args.redirect.as_deref())
        .map_err(|e| from_edge(&e))?;
    ctx.progress(&format!("link valid for {} s, single use", answer.expires_in));
    print_result(
        args.json,
        serde_json::json!({"url": answer.url, "token": answer.token, "expires_in": answer.expires_in}),
        &answer.url,
    );
    Ok(())
}
