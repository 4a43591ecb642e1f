//! The landing page's entry point: wasm-bindgen runs `main` once the module is instantiated. A binary rather
//! than the cdylib because a binary keeps only what `main` reaches: the `#[wasm_bindgen]` exports of Leptos's
//! dependencies (which the cdylib must keep) cost the page about 30 KB gzip.

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::page::start();
}
