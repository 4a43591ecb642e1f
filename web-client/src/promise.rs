//! Awaiting promises and timers without wasm-bindgen-futures (wasm32 only). Its `JsFuture` makes two wasm-bindgen
//! closures per promise; here one callback, made once, settles every awaited promise and timer through core's slot
//! table (`handoff_core::slots`, as the edge worker's `edge/src/promise.rs` does). The futures wake whatever
//! executor polls them: the sign-in's own ([`crate::executor`]), Leptos's in the screens.

use std::cell::RefCell;

use handoff_core::slots::{Slots, Waiting};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    static SLOTS: RefCell<Slots<Result<JsValue, JsValue>>> = const { RefCell::new(Slots::new()) };
    /// `settle(slot, ok, value)`, the one function JS settles slots with, made on first use and kept for the
    /// page's life.
    static SETTLE: Function = {
        let settle = Closure::<dyn FnMut(u32, bool, JsValue)>::new(|slot: u32, ok: bool, value: JsValue| {
            let value = if ok { Ok(value) } else { Err(value) };
            let waker = SLOTS.with(|slots| slots.try_borrow_mut().ok()?.settle(slot, value));
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        let function = Function::from(settle.as_ref().clone());
        settle.forget();
        function
    };
}

/// A promise or timer being awaited: `Ok` with the promise's value, `Err` with its rejection (as `JsFuture`).
pub type Settled = Waiting<Result<JsValue, JsValue>>;

/// `settle` with the slot and the outcome bound in front of the value JS passes.
fn settler(slot: u32, ok: bool) -> Function {
    SETTLE.with(|settle| {
        settle
            .bind2(&JsValue::NULL, &slot.into(), &ok.into())
            .unchecked_into()
    })
}

/// Awaits `value`, a promise or any other value (`Promise.resolve` semantics: a value that is not a promise is
/// ready at once, as its own value).
pub fn settled(value: &JsValue) -> Settled {
    let waiting = Waiting::open(&SLOTS);
    let slot = waiting.slot();
    let promise = Promise::resolve(value);
    let watched = js_sys::Reflect::get(&promise, &"then".into())
        .ok()
        .and_then(|then| {
            Function::from(then)
                .call2(&promise, &settler(slot, true), &settler(slot, false))
                .ok()
        });
    if watched.is_none() {
        // Cannot happen for a real promise; settle it as a rejection rather than leave the task waiting forever.
        let _ = settler(slot, false).call1(&JsValue::NULL, &JsValue::UNDEFINED);
    }
    waiting
}

/// Resolves after `ms` milliseconds (`setTimeout`, with `undefined`).
pub fn after(ms: i32) -> Settled {
    let waiting = Waiting::open(&SLOTS);
    let slot = waiting.slot();
    let global = crate::browser::global();
    let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into()).map(Function::from);
    if set_timeout
        .and_then(|set| set.call2(&global, &settler(slot, true), &ms.into()))
        .is_err()
    {
        let _ = settler(slot, true).call1(&JsValue::NULL, &JsValue::UNDEFINED);
    }
    waiting
}
