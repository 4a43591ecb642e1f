//! What the landing page does, without a browser: read the token from the link's `#handoff=` fragment, start
//! Cognito's CUSTOM_AUTH for the username in the (unverified) token, answer the one custom challenge with the
//! token. The edge, through the Verify trigger, decides.

use handoff_core::cognito_api::CUSTOM_CHALLENGE;
use handoff_core::link::{Fragment, FragmentError, LinkToken};
use handoff_core::wire::FRAGMENT_PARAM;

use crate::cognito::{self, Client, Tokens, Transport};

pub use handoff_core::MAX_TOKEN_BYTES;

/// A handoff link, taken apart (core's [`LinkToken`]). Nothing here is verified.
pub type Link = LinkToken;

/// Why a redeem did not sign in.
#[derive(Debug)]
pub enum FlowError {
    /// The link carries no readable token.
    BadLink(String),
    /// Cognito (or the edge behind its trigger) said no, or could not be reached.
    Cognito(cognito::Error),
    /// Cognito answered something the flow never expects.
    Protocol(String),
}

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlowError::BadLink(m) => write!(f, "not a handoff link: {m}"),
            FlowError::Cognito(e) => e.fmt(f),
            FlowError::Protocol(m) => write!(f, "unexpected sign-in step: {m}"),
        }
    }
}

impl From<cognito::Error> for FlowError {
    fn from(e: cognito::Error) -> Self {
        FlowError::Cognito(e)
    }
}

/// Reads the token from a link's fragment (`...#handoff=<token>`, other fragment parameters ignored).
pub fn parse_link(url: &str) -> Result<Link, FlowError> {
    let (_, hash) = url
        .split_once('#')
        .ok_or_else(|| FlowError::BadLink("the URL has no #fragment".into()))?;
    let token = Fragment::parse(hash).token.map_err(|e| {
        FlowError::BadLink(match e {
            FragmentError::Missing => format!("the fragment has no {FRAGMENT_PARAM}= parameter"),
            FragmentError::Repeated => format!("the fragment has more than one {FRAGMENT_PARAM}= parameter"),
            FragmentError::BadCharacters => "the token has characters a token never has".into(),
        })
    })?;
    LinkToken::read(&token).map_err(|e| FlowError::BadLink(e.to_string()))
}

/// Signs in to `web_client_id` with the link's token: `InitiateAuth` (CUSTOM_AUTH), then one
/// `RespondToAuthChallenge`. `progress` hears each step.
pub fn redeem<T: Transport>(
    client: &Client<T>,
    web_client_id: &str,
    link: &Link,
    progress: &mut dyn FnMut(&str),
) -> Result<Tokens, FlowError> {
    redeem_bound(client, web_client_id, link, None, progress)
}

/// [`redeem`] with the context binding the edge gave for this token (passed as `ClientMetadata`).
pub fn redeem_bound<T: Transport>(
    client: &Client<T>,
    web_client_id: &str,
    link: &Link,
    binding: Option<&str>,
    progress: &mut dyn FnMut(&str),
) -> Result<Tokens, FlowError> {
    progress(&format!("starting custom sign-in for {:?}", link.username));
    let started = client.custom_auth(web_client_id, &link.username)?;
    if started.authentication_result.is_some() {
        return Err(FlowError::Protocol(
            "Cognito issued tokens without asking for the handoff token".into(),
        ));
    }
    if started.challenge_name.as_deref() != Some(CUSTOM_CHALLENGE) {
        return Err(FlowError::Protocol(format!(
            "expected CUSTOM_CHALLENGE, got {:?}",
            started.challenge_name
        )));
    }
    let session = started
        .session
        .ok_or_else(|| FlowError::Protocol("the challenge has no Session".into()))?;
    // Real Cognito names the user it resolved (it may differ from what was sent, e.g. an alias); answer as that.
    let username = started
        .challenge_parameters
        .get("USERNAME")
        .cloned()
        .unwrap_or_else(|| link.username.clone());
    progress("answering the challenge with the handoff token");
    let answered =
        client.answer_custom_challenge(web_client_id, &username, &session, &link.token, binding)?;
    match answered.authentication_result {
        Some(tokens) => {
            progress("signed in");
            Ok(tokens)
        }
        None => Err(FlowError::Protocol(format!(
            "Cognito asked for another challenge ({:?}); a handoff link gets one attempt",
            answered.challenge_name
        ))),
    }
}

/// The claims of a JWT, decoded WITHOUT verification (for display only).
pub fn unverified_claims(jwt: &str) -> Option<serde_json::Value> {
    // Cognito's tokens run larger than handoff tokens (groups, custom claims).
    handoff_core::dangerous::insecure_decode(jwt, 64 * 1024).ok()
}
