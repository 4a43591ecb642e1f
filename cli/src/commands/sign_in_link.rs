//! `handoff sign-in-link URL` (formerly `redeem`, still accepted): what the landing page does with a handoff link,
//! without a browser: a context binding from the edge when one is known, CUSTOM_AUTH on the web client, the token
//! as the answer. Prints the id token's claims.

use handoff_cli::edge::{Bind, Edge};
use handoff_cli::landing::{self, FlowError};
use handoff_cli::url;

use super::{Ctx, Exit, Failure, from_cognito, usage};

/// `handoff sign-in-link` arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The link (`...#handoff=<token>`)
    url: String,
}

/// Signs in with the link and prints the id token's claims.
pub fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
    let web_client = ctx.require(&ctx.global.web_client, "WEB_CLIENT_ID", "--web-client")?;
    let link = landing::parse_link(&args.url).map_err(|e| usage(e.to_string()))?;
    let client = ctx.cognito()?;
    // Like the landing page: a context binding from the edge, when one is known (the edge decides if it needs it).
    let edge_url = ctx.settings.pick(ctx.global.edge.as_deref(), "EDGE_URL");
    let binding = match edge_url {
        Some(raw) => {
            let edge = Edge::new(&url::checked("EDGE_URL", &raw).map_err(usage)?);
            match edge.bind(&link.token) {
                Bind::Bound(binding) => Some(binding),
                Bind::WrongContext => {
                    return Err(Failure::new(
                        Exit::Refused,
                        "this link was asked for on another network: open it on the device that asked for it",
                    ));
                }
                Bind::Unbound(why) => {
                    ctx.progress(&format!("no context binding ({why}); going on without"));
                    None
                }
            }
        }
        None => None,
    };
    let tokens = landing::redeem_bound(&client, &web_client, &link, binding.as_deref(), &mut |line| {
        ctx.progress(line)
    })
    .map_err(|e| match e {
        FlowError::Cognito(e) => from_cognito(&e),
        FlowError::BadLink(_) => usage(e.to_string()),
        FlowError::Protocol(_) => Failure::new(Exit::Refused, e.to_string()),
    })?;
    let id_token = tokens
        .id_token
        .as_deref()
        .ok_or_else(|| Failure::new(Exit::Unavailable, "no id token"))?;
    let claims = landing::unverified_claims(id_token)
        .ok_or_else(|| Failure::new(Exit::Unavailable, "the id token is not a readable JWT"))?;
    if let Some(redirect) = &link.redirect {
        ctx.progress(&format!("the web app would now open {redirect}"));
    }
    println!("{}", serde_json::to_string_pretty(&claims).unwrap_or_default());
    Ok(())
}
