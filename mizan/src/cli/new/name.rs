//! The name given to a generator, checked once: snake_case, not a Rust keyword.

use std::fmt;
use std::str::FromStr;

/// A generated item's name: lowercase ASCII letters, digits and single underscores,
/// starting with a letter (`about_us`; `about-us` is read as that too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

/// Words a module may not be named: Rust's keywords, reserved ones included, and the
/// crates a project's modules use by name (a module of that name would hide the crate).
const RESERVED: &[&str] = &[
    "abstract",
    "alloc",
    "app",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "core",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "leptos",
    "leptos_meta",
    "leptos_router",
    "let",
    "loop",
    "macro",
    "match",
    "mizan",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "pub",
    "ref",
    "return",
    "schemars",
    "self",
    "serde",
    "sqlx",
    "static",
    "std",
    "struct",
    "super",
    "tokio",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
];

impl FromStr for Name {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let snake = text.replace('-', "_");
        let well_formed = snake.starts_with(|c: char| c.is_ascii_lowercase())
            && !snake.ends_with('_')
            && !snake.contains("__")
            && snake
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(format!(
                "`{text}` is not a name: lowercase letters, digits and single underscores, \
                 starting with a letter (e.g. about_us)"
            ));
        }
        if RESERVED.contains(&snake.as_str()) {
            return Err(format!(
                "`{text}` is a Rust keyword or a crate the project uses: pick another name"
            ));
        }
        Ok(Self(snake))
    }
}

impl Name {
    /// `about_us`: the module and file name.
    pub fn snake(&self) -> &str {
        &self.0
    }

    /// `about-us`: the path segment.
    pub fn kebab(&self) -> String {
        self.0.replace('_', "-")
    }

    /// `AboutUs`: the start of type and component names.
    pub fn camel(&self) -> String {
        self.0.split('_').map(capitalized).collect()
    }

    /// `About us`: a title for people.
    pub fn title(&self) -> String {
        capitalized(&self.0.replace('_', " "))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `word` with its first letter in upper case.
pub(super) fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reads_in_each_form() {
        let name: Name = "about-us".parse().expect("a name");
        assert_eq!(name.snake(), "about_us");
        assert_eq!(name.kebab(), "about-us");
        assert_eq!(name.camel(), "AboutUs");
        assert_eq!(name.title(), "About us");
        assert_eq!("faq2".parse::<Name>().expect("a name").camel(), "Faq2");
    }

    #[test]
    fn what_cannot_name_a_module_is_refused() {
        for bad in [
            "", "About", "2fa", "a__b", "a_", "a b", "é", "mod", "macro", "leptos",
        ] {
            assert!(bad.parse::<Name>().is_err(), "{bad:?}");
        }
    }
}
