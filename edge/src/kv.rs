//! The burn records' KV namespace, called through the binding's own `get` and `put`. workers-rs' KV builder
//! converts its options with serde on every call, and formatting its error type brings serde_json's messages and
//! float formatting into the worker (about 20 KB of its code); the two calls the edge makes need neither.

use crate::promise::settled;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::outgoing::js_text;

/// A KV namespace binding.
pub struct Kv(Object);

impl Kv {
    /// The namespace bound as `binding`, if the environment has an object by that name.
    pub fn new(env: &worker::Env, binding: &str) -> Option<Kv> {
        let this = Reflect::get(env.as_ref(), &JsValue::from_str(binding)).ok()?;
        this.dyn_into::<Object>().ok().map(Kv)
    }

    /// The value at `key` as text; `None` when there is none.
    pub async fn get_text(&self, key: &str) -> Result<Option<String>, String> {
        let read = self.call("get", &[JsValue::from_str(key), JsValue::from_str("text")])?;
        let value = settled(&read).await.map_err(js_text)?;
        Ok(value.as_string())
    }

    /// Starts writing `value` at `key`, to expire after `ttl_secs` seconds (KV's minimum is 60); the write's
    /// promise, which nothing here awaits.
    pub fn put_text(&self, key: &str, value: &str, ttl_secs: u64) -> Result<Promise, String> {
        let options = Object::new();
        // Seconds fit a double exactly far beyond any TTL the edge asks for.
        Reflect::set(
            &options,
            &JsValue::from_str("expirationTtl"),
            &JsValue::from_f64(ttl_secs as f64),
        )
        .map_err(js_text)?;
        let args = [JsValue::from_str(key), JsValue::from_str(value), options.into()];
        self.call("put", &args)
    }

    /// Calls the binding's `method` with `args` (two or three); its promise.
    fn call(&self, method: &str, args: &[JsValue]) -> Result<Promise, String> {
        let function = Reflect::get(&self.0, &JsValue::from_str(method))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| format!("the KV binding has no {method}"))?;
        let returned = match args {
            [a, b] => function.call2(&self.0, a, b),
            [a, b, c] => function.call3(&self.0, a, b, c),
            _ => return Err(format!("KV {method}: wrong number of arguments")),
        }
        .map_err(js_text)?;
        returned
            .dyn_into::<Promise>()
            .map_err(|_| format!("KV {method} returned no promise"))
    }
}
