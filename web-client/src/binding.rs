//! The context binding, the page's side (login CSRF, second defence). The edge recorded where the link was asked
//! for (client IP / ASN), and only the edge can see where this browser is: the page posts the token to
//! `{edgeUrl}/v1/bind` alongside `InitiateAuth` and passes the short-lived proof it gets to the Verify trigger as
//! `RespondToAuthChallenge`'s `ClientMetadata`; the edge's redeem compares.
//!
//! Only a definite "wrong context" stops the page (before the answer is sent, so the link stays unspent). Every
//! other outcome (binding off, an error, no answer) goes on without a proof: the edge decides, and a deployment
//! that requires the binding refuses the answer.

use crate::flow::{NetworkError, Reply};

/// The `ClientMetadata` member that carries the proof to the Verify trigger.
pub const METADATA_KEY: &str = "handoff_binding";
/// Longest proof the page passes on.
pub const MAX_PROOF_CHARS: usize = 1024;
/// The bind request's content type: `text/plain` keeps it a CORS simple request (no preflight).
pub const CONTENT_TYPE: &str = "text/plain;charset=UTF-8";
/// The edge's reason code for a browser that is not where the link was asked for.
pub const WRONG_CONTEXT: &str = "wrong_context";

/// What the edge's answer means for the sign-in.
#[derive(Clone, PartialEq, Eq)]
pub enum Binding {
    /// A proof to pass on as `ClientMetadata`.
    Proof(String),
    /// This browser is not where the link was asked for: stop before the answer is sent.
    WrongContext,
    /// No proof (binding off, any other error, no answer): go on without one.
    Absent,
}

impl Binding {
    /// Reads the edge's answer: 200 with a well-formed `binding` is a proof, 403 `wrong_context` stops, and
    /// everything else is no proof.
    pub fn from_reply(reply: Result<Reply, NetworkError>) -> Binding {
        let Ok(reply) = reply else {
            return Binding::Absent;
        };
        let Some(answer) = handoff_core::json::parse_object(&reply.body) else {
            return Binding::Absent;
        };
        let (Ok(proof), Ok(error)) = (answer.opt_str("binding"), answer.opt_str("error")) else {
            return Binding::Absent;
        };
        match (reply.status, proof, error) {
            (200, Some(proof), _) if well_formed(&proof) => Binding::Proof(proof),
            (403, _, Some(error)) if error == WRONG_CONTEXT => Binding::WrongContext,
            _ => Binding::Absent,
        }
    }

    /// The proof, if there is one.
    pub fn proof(&self) -> Option<&str> {
        match self {
            Binding::Proof(proof) => Some(proof),
            _ => None,
        }
    }
}

/// Opaque to the page, but of the promised shape (base64url and dots, at most [`MAX_PROOF_CHARS`]): anything
/// else is not passed on to Cognito.
fn well_formed(proof: &str) -> bool {
    !proof.is_empty()
        && proof.len() <= MAX_PROOF_CHARS
        && proof
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

// The proof is a credential for a minute: never print it.
impl std::fmt::Debug for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Binding::Proof(_) => "Proof(***)",
            Binding::WrongContext => "WrongContext",
            Binding::Absent => "Absent",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: serde_json::Value) -> Result<Reply, NetworkError> {
        Ok(Reply {
            status,
            error_type: None,
            body: body.to_string(),
        })
    }

    #[test]
    fn a_proof_from_a_200() {
        let proof = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ4In0.c2ln-_";
        assert_eq!(
            Binding::from_reply(reply(
                200,
                serde_json::json!({"binding": proof, "expires_in": 60})
            )),
            Binding::Proof(proof.into())
        );
        let longest = "a".repeat(MAX_PROOF_CHARS);
        assert_eq!(
            Binding::from_reply(reply(200, serde_json::json!({ "binding": longest }))).proof(),
            Some(longest.as_str())
        );
    }

    #[test]
    fn wrong_context_only_from_a_403_saying_so() {
        let wrong = serde_json::json!({"error": "wrong_context", "message": "..."});
        assert_eq!(
            Binding::from_reply(reply(403, wrong.clone())),
            Binding::WrongContext
        );
        // The same words with another status are not the edge's verdict.
        assert_eq!(Binding::from_reply(reply(400, wrong.clone())), Binding::Absent);
        assert_eq!(Binding::from_reply(reply(200, wrong)), Binding::Absent);
    }

    #[test]
    fn everything_else_is_no_proof() {
        for answer in [
            Err(NetworkError),
            reply(404, serde_json::json!({"error": "not_found"})),
            reply(400, serde_json::json!({"error": "malformed"})),
            reply(401, serde_json::json!({"error": "bad_signature"})),
            reply(403, serde_json::json!({"error": "expired"})),
            reply(403, serde_json::json!({"error": "unknown_key"})),
            reply(503, serde_json::json!({"error": "unavailable"})),
            Ok(Reply {
                status: 502,
                error_type: None,
                body: "<html>bad gateway</html>".into(),
            }),
            reply(200, serde_json::json!({})),
            reply(200, serde_json::json!({"binding": ""})),
            reply(200, serde_json::json!({"binding": 42})),
            reply(
                200,
                serde_json::json!({"binding": "a".repeat(MAX_PROOF_CHARS + 1)}),
            ),
            // Nothing the page would pass on to Cognito unless it has the promised shape.
            reply(200, serde_json::json!({"binding": "a b"})),
            reply(200, serde_json::json!({"binding": "a+b/c="})),
            reply(200, serde_json::json!({"binding": "\"},\"x\":{\""})),
        ] {
            let shown = format!("{answer:?}");
            assert_eq!(Binding::from_reply(answer), Binding::Absent, "{shown}");
        }
    }

    #[test]
    fn debug_never_shows_the_proof() {
        assert_eq!(format!("{:?}", Binding::Proof("secret".into())), "Proof(***)");
    }
}
