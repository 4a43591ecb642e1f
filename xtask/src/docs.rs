//! The documents name tests by file and function (`core/tests/api.rs`: `debug_of_wire_types_never_prints_the_token`,
//! ...): a moved or renamed test must not leave a claim in the docs that nothing checks. Checked by a unit test here
//! (so `cargo xtask test` runs it with the native tests).

use std::path::Path;

/// Every `` `path.rs`: `name`, `name` `` reference in `text`: (path, names).
pub fn references(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".rs`: `") {
        let path_start = rest[..at].rfind('`').map_or(at, |i| i + 1);
        let path = &rest[path_start..at + 3];
        let mut names = Vec::new();
        let mut tail = &rest[at + ".rs`: ".len()..];
        while let Some(name) = tail.strip_prefix('`') {
            let Some(end) = name.find('`') else { break };
            names.push(name[..end].to_owned());
            tail = &name[end + 1..];
            match tail.strip_prefix(", ") {
                Some(next) if next.starts_with('`') => tail = next,
                _ => break,
            }
        }
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
        };
        if plain(path) && names.iter().all(|n| plain(n)) {
            out.push((path.to_owned(), names));
        }
        rest = &rest[at + 1..];
    }
    out
}

/// The references of `doc` (relative to `root`) that name a missing file, or a name the file does not contain as
/// a word.
pub fn broken(root: &Path, doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root.join(doc)).unwrap_or_default();
    let mut problems = Vec::new();
    for (path, names) in references(&text) {
        let Ok(source) = std::fs::read_to_string(root.join(&path)) else {
            problems.push(format!("{doc}: {path} does not exist"));
            continue;
        };
        for name in names {
            let word = |i: usize| {
                let before = source[..i].chars().next_back();
                let after = source[i + name.len()..].chars().next();
                [before, after]
                    .iter()
                    .all(|c| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_')))
            };
            if !source.match_indices(&name).any(|(i, _)| word(i)) {
                problems.push(format!("{doc}: {path} has no `{name}`"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_from_prose_and_tables() {
        let text = "| x | `core/tests/api.rs`: `a_test`, `b_test`; `tests/x.mjs`: a title; `cli/src/main.rs` alone |";
        assert_eq!(
            references(text),
            [(
                "core/tests/api.rs".to_owned(),
                vec!["a_test".to_owned(), "b_test".to_owned()]
            )]
        );
    }

    #[test]
    fn every_test_the_documents_name_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut problems = Vec::new();
        let mut seen = 0;
        for doc in [
            "README.md",
            "docs/security.md",
            "docs/design.md",
            "docs/deploy.md",
            "docs/web.md",
            "docs/mobile.md",
        ] {
            seen += references(&std::fs::read_to_string(root.join(doc)).unwrap()).len();
            problems.extend(broken(&root, doc));
        }
        assert!(seen >= 20, "only {seen} references found: the reader is broken");
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
