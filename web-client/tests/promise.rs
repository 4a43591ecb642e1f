//! The page's promise glue and executor in headless Chromium (`web-client/src/promise.rs`,
//! `web-client/src/executor.rs`): what JS settles reaches the awaiting task, timers wait, and a task spawned on the
//! sign-in's executor runs to its end as its promises settle.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use handoff_web::executor::spawn;
use handoff_web::promise::{after, settled};
use js_sys::{Array, Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_promise_settles_with_its_value_or_its_rejection() {
    let ok = settled(&Promise::resolve(&JsValue::from_str("yes"))).await;
    assert_eq!(ok.map(|v| v.as_string()), Ok(Some("yes".to_owned())));
    let refused = settled(&Promise::reject(&JsValue::from_f64(7.0))).await;
    assert_eq!(refused.map_err(|e| e.as_f64()), Err(Some(7.0)));
    // Not a promise: ready at once, as its own value (`Promise.resolve`).
    let plain = settled(&JsValue::from_f64(3.0)).await;
    assert_eq!(plain.map(|v| v.as_f64()), Ok(Some(3.0)));
}

#[wasm_bindgen_test]
async fn a_timer_waits_at_least_its_time() {
    let start = js_sys::Date::now();
    assert!(after(40).await.is_ok());
    let waited = js_sys::Date::now() - start;
    assert!(waited >= 35.0, "waited {waited} ms");
}

#[wasm_bindgen_test]
async fn promises_settling_out_of_order_reach_their_own_futures() {
    // Two promises JS settles later, the second first.
    let resolvers = Array::new();
    let make = || {
        Promise::new(&mut |resolve, _| {
            resolvers.push(&resolve);
        })
    };
    let (first, second) = (make(), make());
    let (a, b) = (settled(&first), settled(&second));
    let resolve = |i: u32, v: &str| {
        Function::from(resolvers.get(i))
            .call1(&JsValue::NULL, &v.into())
            .unwrap();
    };
    resolve(1, "second");
    resolve(0, "first");
    assert_eq!(b.await.unwrap().as_string().as_deref(), Some("second"));
    assert_eq!(a.await.unwrap().as_string().as_deref(), Some("first"));
}

#[wasm_bindgen_test]
async fn a_dropped_future_does_not_take_a_later_promises_value() {
    let mut later: Option<Function> = None;
    let pending = Promise::new(&mut |resolve, _| later = Some(resolve));
    drop(settled(&pending));
    // Its promise settles after the drop; a future made now gets its own promise's value, not that one.
    later.unwrap().call1(&JsValue::NULL, &"stale".into()).unwrap();
    let fresh = settled(&Promise::resolve(&JsValue::from_str("fresh"))).await;
    assert_eq!(fresh.unwrap().as_string().as_deref(), Some("fresh"));
    assert!(after(0).await.is_ok());
}

#[wasm_bindgen_test]
async fn a_spawned_task_runs_to_its_end_as_its_promises_settle() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let task_log = Rc::clone(&log);
    spawn(async move {
        task_log.borrow_mut().push("started");
        let _ = after(10).await;
        task_log.borrow_mut().push("timer");
        let value = settled(&Promise::resolve(&JsValue::from_str("v"))).await;
        task_log
            .borrow_mut()
            .push(if value.is_ok() { "promise" } else { "refused" });
    });
    assert_eq!(*log.borrow(), ["started"], "polled at once, up to its first wait");
    let _ = after(60).await;
    assert_eq!(*log.borrow(), ["started", "timer", "promise"]);
}
