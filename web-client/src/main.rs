//! The landing page's first wasm, the sign-in (`signin`, no Leptos): wasm-bindgen runs `main` once the module is
//! instantiated. It is built without the `page` feature, so Leptos is not even linked; the Leptos screens are a
//! second binary (`src/screens_main.rs`), loaded only when there is a screen to show. Both are binaries rather than
//! the cdylib because a binary keeps only what `main` reaches (a cdylib keeps every `#[wasm_bindgen]` export of its
//! dependencies: Leptos's cost the page about 30 KB gzip).

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::signin::start();
}
