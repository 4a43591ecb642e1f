//! Short names for what the landing page's wasm and its JS glue say to each other. wasm-bindgen names every import
//! after the JS function and a hash (`__wbg_set_body_3c365989753d61f4`), and its closure exports after their whole
//! Rust type (over 200 characters each). Both files carry each name, and a random hash does not compress: about
//! 4 KB gzip of the page's 83 KB of code. binaryen's `--minify-imports-and-exports-and-modules` renames them in the
//! wasm and prints the map; [`rename`] applies it to the glue.
//!
//! The glue is the page's own (wasm-bindgen `--target web`, minified by esbuild): its imports are the keys of the
//! object it hands to `instantiate`, under the module name, and it reads the exports as properties of the instance's
//! `exports`. Every import must be found and the module name exactly once, else the build stops: a glue that
//! misses a name would fail in the browser, at the first call of that import.

use serde::Deserialize;

/// binaryen's map, as `--minify-imports-and-exports-and-modules` prints it on stdout.
#[derive(Debug, Deserialize)]
pub struct Map {
    /// `[module, old name, new name]`.
    imports: Vec<(String, String, String)>,
    /// `[old name, new name]`.
    #[serde(default)]
    exports: Vec<(String, String)>,
}

/// The name binaryen gives every module (it renames them all to one).
const MODULE: &str = "a";

impl Map {
    /// Reads binaryen's output.
    pub fn parse(text: &str) -> Result<Map, String> {
        serde_json::from_str(text).map_err(|e| format!("wasm-opt's map of minified names: {e}"))
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Replaces each whole-word occurrence of `old` in `text` (optionally only right after a `.`) with `new`; returns
/// how many it replaced.
fn replace_word(text: &mut String, old: &str, new: &str, after_dot: bool) -> usize {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text.as_str();
    while let Some(at) = rest.find(old) {
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let after = rest[at + old.len()..].chars().next();
        let whole = !before.is_some_and(is_ident) && !after.is_some_and(is_ident);
        let placed = !after_dot || before == Some('.');
        out.push_str(&rest[..at]);
        if whole && placed {
            out.push_str(new);
            count += 1;
        } else {
            out.push_str(old);
        }
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    *text = out;
    count
}

/// The glue `js` with the names of `map`: the imports' keys, the module name, and the exports read as properties.
pub fn rename(js: &str, map: &Map) -> Result<String, String> {
    let mut js = js.to_owned();
    let mut modules: Vec<&str> = map.imports.iter().map(|(m, _, _)| m.as_str()).collect();
    modules.sort_unstable();
    modules.dedup();
    for (_, old, new) in &map.imports {
        if replace_word(&mut js, old, new, false) == 0 {
            return Err(format!("the glue never names the import `{old}`"));
        }
    }
    for module in modules {
        let quoted = format!("\"{module}\"");
        match js.matches(&quoted).count() {
            1 => js = js.replace(&quoted, &format!("\"{MODULE}\"")),
            n => return Err(format!("the glue names the module {quoted} {n} times, not once")),
        }
    }
    // An export the glue never reads (the start marker, the abort handler) has nothing to rename.
    for (old, new) in &map.exports {
        replace_word(&mut js, old, new, true);
    }
    Ok(js)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = r#"function T(){return{__proto__:null,"./handoff_bg.js":{__wbg_set_1a2b:function(e,n){e.set=n},__wbg_set_body_3c3f:function(e,n){e.body=n},__wbindgen_throw_4c88:function(e){throw e}}}}function S(e){o=e.exports,o.__wbindgen_start()}function m(e){return o.__wbindgen_malloc(e)}const memory=o.memory;"#;

    fn map() -> Map {
        Map::parse(
            r#"{"imports":[["./handoff_bg.js","__wbg_set_1a2b","b"],["./handoff_bg.js","__wbg_set_body_3c3f","c"],
                ["./handoff_bg.js","__wbindgen_throw_4c88","$"]],
                "exports":[["memory","d"],["__wbindgen_start","e"],["__wbindgen_malloc","f"],["__abort_handler","g"]]}"#,
        )
        .unwrap()
    }

    #[test]
    fn renames_imports_the_module_and_the_exports_read_as_properties() {
        let js = rename(GLUE, &map()).unwrap();
        assert_eq!(
            js,
            r#"function T(){return{__proto__:null,"a":{b:function(e,n){e.set=n},c:function(e,n){e.body=n},$:function(e){throw e}}}}function S(e){o=e.exports,o.e()}function m(e){return o.f(e)}const memory=o.d;"#
        );
    }

    #[test]
    fn a_name_inside_a_longer_name_or_a_plain_word_is_left_alone() {
        // `__wbg_set_1a2b` is not renamed inside `x__wbg_set_1a2b`, and `memory` only as a property.
        let mut text = "x__wbg_set_1a2b __wbg_set_1a2b __wbg_set_1a2bc".to_owned();
        assert_eq!(replace_word(&mut text, "__wbg_set_1a2b", "b", false), 1);
        assert_eq!(text, "x__wbg_set_1a2b b __wbg_set_1a2bc");
        let mut text = "const memory=o.memory;".to_owned();
        assert_eq!(replace_word(&mut text, "memory", "d", true), 1);
        assert_eq!(text, "const memory=o.d;");
    }

    #[test]
    fn a_glue_that_misses_an_import_or_the_module_stops_the_build() {
        let missing = GLUE.replace("__wbg_set_body_3c3f", "__wbg_other");
        assert_eq!(
            rename(&missing, &map()).unwrap_err(),
            "the glue never names the import `__wbg_set_body_3c3f`"
        );
        let twice = format!("{GLUE}\"./handoff_bg.js\"");
        assert_eq!(
            rename(&twice, &map()).unwrap_err(),
            "the glue names the module \"./handoff_bg.js\" 2 times, not once"
        );
        assert!(Map::parse("not json").unwrap_err().starts_with("wasm-opt's map"));
    }
}
