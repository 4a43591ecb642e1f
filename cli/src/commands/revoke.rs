//! `handoff revoke`: the user's live handoff links stop working (`POST /v1/revoke` with the access token), e.g.
//! on sign-out. Prints how many were live.

use super::{Ctx, Failure, TokenArgs, from_edge, user_token};

/// `handoff revoke` flags.
#[derive(clap::Args)]
pub struct Args {
    /// Print the edge's answer as JSON (`{"revoked": N}`) instead of the number
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    token: TokenArgs,
}

/// Revokes and prints the count.
pub fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
    let (edge_url, edge) = ctx.edge()?;
    let user = user_token(ctx, &args.token)?;
    ctx.progress(&format!(
        "asking {edge_url} to revoke every live handoff link of {:?}",
        user.username
    ));
    let answer = edge.revoke(&user.token).map_err(|e| from_edge(&e))?;
    ctx.progress(&format!(
        "revoked {} live link(s); links already used or expired were not counted",
        answer.revoked
    ));
    if args.json {
        println!("{}", serde_json::json!({"revoked": answer.revoked}));
    } else {
        println!("{}", answer.revoked);
    }
    Ok(())
}
