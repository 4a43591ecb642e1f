//! handoff-cli: the reference "mobile app" client (sign in, ask the edge for a handoff link, revoke links, sign in
//! with a link the way the landing page does) and the operator's tool (signing keys, local Cognito provisioning).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cognito;
pub mod edge;
pub mod files;
pub mod http;
pub mod keys;
pub mod landing;
pub mod provision;
pub mod rotation;
pub mod settings;
pub mod signin;
pub mod srp;
pub mod state;
pub mod url;
