//! `handoff revoke`: the user's live handoff links stop working (`POST /v1/revoke` with the access token), e.g.
//! on sign-out. Prints how many were live.

use super::{Ctx, Failure, TokenArgs, edge_for_user, from_edge, print_result};

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
    let (edge, user) = edge_for_user(ctx, &args.token, "to revoke every live handoff link of")?;
    let answer = edge.revoke(&user.token).map_err(|e| from_edge(&e))?;
    ctx.progress(&format!(
        "revoked {} live link(s); links already used or expired were not counted",
        answer.revoked
    ));
    print_result(
        args.json,
        serde_json::json!({"revoked": answer.revoked}),
        answer.revoked,
    );
    Ok(())
}
