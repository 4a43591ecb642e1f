//! The landing page's second wasm, the Leptos screens (`page`): a failure, or the switch question, handed over by
//! the sign-in (`src/main.rs`). boot.js loads it only when the sign-in asks for it.

fn main() {
    #[cfg(target_arch = "wasm32")]
    handoff_web::page::start();
}

/// The sign-in's allocator (see `src/main.rs`): the screens' wasm is another instance, with its own memory.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
