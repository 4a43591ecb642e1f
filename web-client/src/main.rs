//! The landing page's first wasm, the sign-in (`signin`, no Leptos): wasm-bindgen runs `main` once the module is
//! instantiated. It is built without the `page` feature, so Leptos is not even linked; the Leptos screens are a
//! second binary (`src/screens_main.rs`), loaded only when there is a screen to show. Both are binaries rather than
//! the cdylib because a binary keeps only what `main` reaches (a cdylib keeps every `#[wasm_bindgen]` export of its
//! dependencies: Leptos's cost the page about 30 KB gzip).

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::signin::start();
}

/// A small free-list allocator instead of Rust's dlmalloc: 2.2 KB gzip less of the code every visit waits for
/// (docs/web.md). The page lives for seconds and allocates a few thousand times; the lock is a flag on a
/// single-threaded page (no `unsafe`, which the workspace forbids).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
