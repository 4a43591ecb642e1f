//! handoff-web: the landing page that turns a handoff link into a Cognito session in the browser, and the same
//! sign-in as a small wasm-bindgen API (`completeHandoff`) for web apps that do not use Leptos.
//!
//! Plain logic lives in plain modules, tested natively: [`link`] (the local checks on the unverified token, read
//! from the `#handoff=` fragment by core's `link`), [`cognito`] (the two JSON 1.1 calls and what their errors mean), [`binding`]
//! (the edge's context binding proof), [`session`] (Amplify v6's storage keys), [`cookie`] (Amplify's cookie
//! layout), [`device`] (device tracking), [`early`] (adopting the Cognito calls boot.js sent early), [`executor`] (the sign-in's task runner), [`flow`] (the sign-in with retries), [`outcome`] (steps and failures), [`screen`] (what the page shows, and what the sign-in hands the screens) and
//! [`texts`] (the page's words, as data).
//! The browser glue (`browser`, `promise`), the JS API (`api`), the page's sign-in (`signin`, no Leptos) and its
//! screens (`page`, Leptos) exist on wasm32 only.
#![deny(missing_docs)]

pub mod binding;
pub mod cognito;
pub mod config;
pub mod cookie;
pub mod device;
pub mod early;
pub mod executor;
pub mod flow;
pub mod link;
pub mod outcome;
pub mod screen;
pub mod session;
pub mod texts;

#[cfg(all(target_arch = "wasm32", feature = "api"))]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod page;
#[cfg(target_arch = "wasm32")]
pub mod promise;
#[cfg(target_arch = "wasm32")]
pub mod signin;

pub use config::PageConfig;
pub use outcome::{Failure, Step};
