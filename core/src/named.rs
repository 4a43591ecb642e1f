//! [`Named`]: values by name, in the order they were read: a challenge's parameters, the landing page's words by
//! language, its theme's properties. A list rather than a `BTreeMap`: these hold a few dozen names at most, and a
//! tree's code was about 1 KB gzip of the page's wasm, which every visit waits for (docs/web.md).

use serde::{Deserialize, Deserializer};

use crate::json::{Mismatch, Object};

/// Values by name, each name once, in the order they were first inserted. Lookups are linear. Two are equal when
/// they hold the same names with equal values, in any order (a map's equality: serde reads one in sorted order,
/// the page's reader in the text's).
#[derive(Debug, Clone)]
pub struct Named<T>(Vec<(String, T)>);

impl<T: PartialEq> PartialEq for Named<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.iter().all(|(name, value)| other.get(name) == Some(value))
    }
}

impl<T: Eq> Eq for Named<T> {}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<T> Named<T> {
    /// No names.
    pub fn new() -> Self {
        Named::default()
    }

    /// Sets `name` to `value`, in place if it is there already, else at the end.
    pub fn insert(&mut self, name: String, value: T) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = value,
            None => self.0.push((name, value)),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// Whether there is no name.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Named<String> {
    /// The members of `object`, if every one is a string.
    pub fn strings(object: &Object) -> Option<Named<String>> {
        let mut named = Named::new();
        for (name, value) in object.iter() {
            named.insert(name.to_owned(), value.as_str()?.to_owned());
        }
        Some(named)
    }

    /// The member `name` of `object`, an object of strings; absent is empty, anything else (`null` too) a mismatch.
    pub fn member(object: &Object, name: &str) -> Result<Named<String>, Mismatch> {
        match object.get(name) {
            None => Ok(Named::new()),
            Some(value) => value
                .as_object()
                .and_then(Named::strings)
                .ok_or_else(|| Mismatch {
                    member: name.to_owned(),
                    expected: "an object of strings",
                }),
        }
    }
}

impl<T> FromIterator<(String, T)> for Named<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(pairs: I) -> Self {
        let mut named = Named::new();
        for (name, value) in pairs {
            named.insert(name, value);
        }
        named
    }
}

/// Read from a JSON object, as serde reads a map (the CLI's answers; the page reads with [`Named::member`]).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, T>::deserialize(deserializer)?;
        Ok(map.into_iter().collect())
    }
}

impl<T, const N: usize> From<[(&str, T); N]> for Named<T> {
    fn from(pairs: [(&str, T); N]) -> Self {
        let mut named = Named::new();
        for (name, value) in pairs {
            named.insert(name.to_owned(), value);
        }
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_name_once_in_first_insertion_order() {
        let mut named = Named::from([("b", 1), ("a", 2)]);
        named.insert("b".into(), 3);
        named.insert("c".into(), 4);
        assert_eq!(
            named.iter().collect::<Vec<_>>(),
            [("b", &3), ("a", &2), ("c", &4)]
        );
        assert_eq!(named.names().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(named.get("a"), Some(&2));
        assert_eq!(named.get("B"), None);
        assert!(!named.is_empty());
        assert!(Named::<u8>::new().is_empty());
        let collected: Named<u8> = [("x".to_owned(), 1), ("x".to_owned(), 2)].into_iter().collect();
        assert_eq!(collected.iter().collect::<Vec<_>>(), [("x", &2)]);
    }

    #[test]
    fn deserializes_as_a_map() {
        let named: Named<String> = serde_json::from_str(r#"{"b": "1", "a": "2"}"#).unwrap();
        assert_eq!(named.get("a").map(String::as_str), Some("2"));
        assert_eq!(named.get("b").map(String::as_str), Some("1"));
        assert!(serde_json::from_str::<Named<String>>(r#"{"a": 1}"#).is_err());
        // Equal as maps: serde's reading is sorted, the page's is in the text's order.
        let text = r#"{"b": "1", "a": "2"}"#;
        let ours = Named::strings(&crate::json::parse_object(text).unwrap()).unwrap();
        assert_eq!(ours.names().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(named.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(ours, named);
        assert_ne!(ours, Named::from([("b", "1".to_owned())]));
        assert_ne!(ours, Named::from([("b", "1".to_owned()), ("a", "3".to_owned())]));
    }

    #[test]
    fn reads_objects_of_strings() {
        let object =
            crate::json::parse_object(r#"{"m": {"b": "1", "a": "2"}, "n": {"a": 1}, "s": "x"}"#).unwrap();
        let m = Named::member(&object, "m").unwrap();
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            [("b", &"1".to_owned()), ("a", &"2".to_owned())]
        );
        assert_eq!(Named::member(&object, "absent"), Ok(Named::new()));
        for wrong in ["n", "s"] {
            assert_eq!(
                Named::member(&object, wrong).unwrap_err().to_string(),
                format!("`{wrong}` must be an object of strings")
            );
        }
    }
}
