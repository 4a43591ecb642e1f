//! The landing page's entry point: mounts the Leptos app. Everything else lives in the library.

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::page::start();
}
