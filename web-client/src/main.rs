//! The landing page's first wasm, the sign-in (`signin`, no Leptos): wasm-bindgen runs `main` once the module is
//! instantiated. A binary rather than the cdylib because a binary keeps only what `main` reaches: the
//! `#[wasm_bindgen]` exports of Leptos's dependencies (which the cdylib must keep) cost the page about 30 KB gzip, and
//! the Leptos screens are a second binary (`src/screens_main.rs`), loaded only when there is a screen to show.

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::signin::start();
}
