//! Awaiting a JS promise from Rust for less than wasm-bindgen-futures' `JsFuture`, which makes two wasm-bindgen
//! closures per promise (each a JS function registered with a `FinalizationRegistry`, and unregistered when it is
//! dropped). Here one callback, made once per isolate, settles every promise: JS calls it with the promise's slot
//! number, and the slot table wakes the task that waits on it. A verify awaits one promise, so this is most of the
//! difference between the worker's verify and the bare WebCrypto call's.
//!
//! The slot table ([`Slots`]) is core's (`handoff_core::slots`), plain and tested natively; the promise glue exists on
//! wasm32 only.

pub use handoff_core::slots::{Slots, Waiting};

#[cfg(target_arch = "wasm32")]
pub use glue::settled;

#[cfg(target_arch = "wasm32")]
mod glue {
    use std::cell::RefCell;

    use js_sys::Promise;
    use wasm_bindgen::JsValue;
    use wasm_bindgen::prelude::{Closure, wasm_bindgen};

    use super::{Slots, Waiting};

    #[wasm_bindgen(inline_js = r#"
let settle;
export function set_settle(f) { settle = f; }
export function watch(promise, slot) {
  promise.then((value) => settle(slot, true, value), (error) => settle(slot, false, error));
}
"#)]
    extern "C" {
        fn set_settle(f: &Closure<dyn FnMut(u32, bool, JsValue)>);
        fn watch(promise: &Promise, slot: u32);
    }

    thread_local! {
        static SLOTS: RefCell<Slots<Result<JsValue, JsValue>>> = const { RefCell::new(Slots::new()) };
        /// The one callback JS settles promises with, made on first use and kept for the isolate's life.
        static SETTLE: () = {
            let settle = Closure::<dyn FnMut(u32, bool, JsValue)>::new(|slot: u32, ok: bool, value: JsValue| {
                let value = if ok { Ok(value) } else { Err(value) };
                let waker = SLOTS.with(|slots| slots.try_borrow_mut().ok()?.settle(slot, value));
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
            set_settle(&settle);
            settle.forget();
        };
    }

    /// A promise being awaited ([`settled`]).
    pub type Settled = Waiting<Result<JsValue, JsValue>>;

    /// Awaits `promise`: `Ok` with its value, `Err` with its rejection (as `JsFuture` does).
    pub fn settled(promise: &Promise) -> Settled {
        SETTLE.with(|_| ());
        let waiting = Waiting::open(&SLOTS);
        watch(promise, waiting.slot());
        waiting
    }
}
