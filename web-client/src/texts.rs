//! The page's words, as data: a catalogue of messages per language (`web-client/messages/<lang>.json`, inlined into
//! the page by the site build as `#handoff-messages`), overridden per deployment by the configuration's `messages`,
//! in the language the browser prefers (`navigator.languages`), English for whatever a language leaves out. No
//! text is compiled into the page's wasm, so a translation or a new wording needs no rebuild.

use handoff_core::json::{self, Mismatch, Object};

use handoff_core::named::Named;

/// Messages by language, then by key: `{"en": {"retry": "Try again"}, "de": {...}}`.
pub type Catalogue = Named<Named<String>>;

/// Reads a catalogue's JSON text (the inline `#handoff-messages` block); `None` unless it is an object of objects
/// of strings.
pub fn catalogue_from_json(text: &str) -> Option<Catalogue> {
    catalogue(&json::parse_object(text)?).ok()
}

/// Reads a catalogue from a JSON object: every member an object of strings (the language `en` must be `{...}`).
pub fn catalogue(languages: &Object) -> Result<Catalogue, Mismatch> {
    let mut catalogue = Catalogue::new();
    for (language, _) in languages.iter() {
        catalogue.insert(language.to_owned(), Named::member(languages, language)?);
    }
    Ok(catalogue)
}

/// The language used for whatever the chosen one does not say.
pub const FALLBACK_LANGUAGE: &str = "en";

/// The `id` of the inline JSON block that carries the built-in catalogue.
pub const MESSAGES_ELEMENT_ID: &str = "handoff-messages";

/// The messages in one language, with English under them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    /// The chosen language's tag as the catalogue spells it (`de`, `pt-BR`): the page's `<html lang>`.
    pub language: String,
    messages: Named<String>,
}

/// A piece of a message: text, or the value of a `{placeholder}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// Literal text.
    Text(&'a str),
    /// A placeholder's name (`current` for `{current}`).
    Value(&'a str),
}

impl Texts {
    /// Picks the first of `preferred` (the browser's languages, best first) that the built-in catalogue or the
    /// configuration's `overrides` has, by exact tag and then by primary subtag (`de-CH` finds `de`), else
    /// English; then layers English, the chosen language, and the overrides of each.
    pub fn select(builtin: &Catalogue, overrides: &Catalogue, preferred: &[String]) -> Texts {
        let find = |tag: &str| {
            builtin
                .names()
                .chain(overrides.names())
                .find(|known| known.eq_ignore_ascii_case(tag))
                .map(str::to_owned)
        };
        let language = preferred
            .iter()
            .find_map(|tag| find(tag).or_else(|| find(tag.split('-').next().unwrap_or(tag))))
            .unwrap_or_else(|| FALLBACK_LANGUAGE.to_owned());
        let mut messages = Named::new();
        for lang in [FALLBACK_LANGUAGE, language.as_str()] {
            for catalogue in [builtin, overrides] {
                for (key, text) in catalogue.get(lang).iter().flat_map(|layer| layer.iter()) {
                    messages.insert(key.to_owned(), text.clone());
                }
            }
        }
        Texts { language, messages }
    }

    /// The message for `key`; the key itself when no catalogue has it (visible, never empty).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.messages.get(key).map_or(key, String::as_str)
    }

    /// The message for `key` with its `{name}` placeholders filled from `values`.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        self.parts(key)
            .into_iter()
            .map(|part| match part {
                Part::Text(text) => text,
                Part::Value(name) => values.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v),
            })
            .collect()
    }

    /// The message for `key` cut at its placeholders (for markup around the values).
    pub fn parts<'a>(&'a self, key: &'a str) -> Vec<Part<'a>> {
        let mut parts = Vec::new();
        let mut rest = self.get(key);
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            if open > 0 {
                parts.push(Part::Text(&rest[..open]));
            }
            parts.push(Part::Value(&rest[open + 1..close]));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(json: serde_json::Value) -> Catalogue {
        super::catalogue(&json::parse_object(&json.to_string()).unwrap()).unwrap()
    }

    fn builtin() -> Catalogue {
        let mut all = Catalogue::new();
        for (lang, text) in [
            ("en", include_str!("../messages/en.json")),
            ("de", include_str!("../messages/de.json")),
        ] {
            all.insert(
                lang.into(),
                Named::strings(&json::parse_object(text).unwrap()).unwrap(),
            );
        }
        all
    }

    fn langs(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn every_language_says_everything_english_says() {
        let all = builtin();
        let english = all.get("en").unwrap();
        for (lang, messages) in all.iter() {
            let mut keys: Vec<_> = messages.names().collect();
            let mut want: Vec<_> = english.names().collect();
            keys.sort_unstable();
            want.sort_unstable();
            assert_eq!(keys, want, "{lang}");
            for (key, text) in messages.iter() {
                assert!(!text.trim().is_empty(), "{lang} {key}");
                // Placeholders are the same in every language.
                let names = |t: &str| {
                    let texts = Texts {
                        language: String::new(),
                        messages: [("k", t.to_owned())].into(),
                    };
                    let mut v: Vec<String> = texts
                        .parts("k")
                        .into_iter()
                        .filter_map(|p| match p {
                            Part::Value(n) => Some(n.to_owned()),
                            Part::Text(_) => None,
                        })
                        .collect();
                    v.sort();
                    v
                };
                assert_eq!(names(text), names(english.get(key).unwrap()), "{lang} {key}");
            }
        }
        // Every screen and step of the page has its words.
        for failure in crate::outcome::Failure::ALL {
            assert!(
                english
                    .get(&format!("failure.{}.title", failure.code()))
                    .is_some()
            );
            assert!(
                english
                    .get(&format!("failure.{}.message", failure.code()))
                    .is_some()
            );
        }
        for step in crate::outcome::Step::ALL {
            assert!(english.get(&format!("step.{}", step.code())).is_some());
        }
    }

    #[test]
    fn picks_the_browsers_first_known_language() {
        let all = builtin();
        let none = Catalogue::new();
        assert_eq!(
            Texts::select(&all, &none, &langs(&["de-DE", "en-US"])).language,
            "de"
        );
        assert_eq!(
            Texts::select(&all, &none, &langs(&["fr-FR", "de"])).language,
            "de"
        );
        assert_eq!(
            Texts::select(&all, &none, &langs(&["fr-FR", "en-GB"])).language,
            "en"
        );
        assert_eq!(Texts::select(&all, &none, &langs(&["ja"])).language, "en");
        assert_eq!(Texts::select(&all, &none, &[]).language, "en");
        let texts = Texts::select(&all, &none, &langs(&["de-AT"]));
        assert_eq!(texts.get("retry"), "Erneut versuchen");
    }

    #[test]
    fn a_deployment_overrides_words_and_adds_languages() {
        let all = builtin();
        let overrides = catalogue(serde_json::json!({
            "en": {"title": "Signing you in to Acme"},
            "fr": {"retry": "Réessayer"}
        }));
        let en = Texts::select(&all, &overrides, &langs(&["en"]));
        assert_eq!(en.get("title"), "Signing you in to Acme");
        assert_eq!(en.get("retry"), "Try again");
        // A language only the deployment has; what it leaves out is English.
        let fr = Texts::select(&all, &overrides, &langs(&["fr-CA"]));
        assert_eq!(fr.language, "fr");
        assert_eq!(fr.get("retry"), "Réessayer");
        assert_eq!(fr.get("title"), "Signing you in to Acme");
        // No catalogue at all: the key shows, never an empty screen.
        let bare = Texts::select(&Catalogue::new(), &Catalogue::new(), &[]);
        assert_eq!(bare.get("retry"), "retry");
    }

    #[test]
    fn placeholders() {
        let texts = Texts::select(&builtin(), &Catalogue::new(), &langs(&["en"]));
        assert_eq!(
            texts.fill("switch.body", &[("current", "alice"), ("next", "bob")]),
            "You are signed in as alice. Continue as bob?"
        );
        assert_eq!(
            texts.parts("switch.body"),
            [
                Part::Text("You are signed in as "),
                Part::Value("current"),
                Part::Text(". Continue as "),
                Part::Value("next"),
                Part::Text("?"),
            ]
        );
        let odd = Texts {
            language: "en".into(),
            messages: [("k", "a {b".to_owned())].into(),
        };
        assert_eq!(odd.fill("k", &[("b", "x")]), "a {b");
    }
}
