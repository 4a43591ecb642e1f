//! The landing page's second wasm, the Leptos screens (`page`): a failure, or the switch question, handed over by
//! the sign-in (`src/main.rs`). boot.js loads it only when the sign-in asks for it.

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::page::start();
}
