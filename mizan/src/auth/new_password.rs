//! The rule every new password follows, written once as a type: the forms that set a
//! password, sign-up, resets and the command line all read passwords into it.

use crate::forms::{FieldKind, FieldType, REQUIRED, Rule};

/// A password that follows the site's rule: at least [`NewPassword::MIN`] characters, at
/// most [`NewPassword::MAX`] (argon2's work grows with the length). Never trimmed; its
/// `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    /// The fewest characters.
    pub const MIN: usize = 10;
    /// The most characters.
    pub const MAX: usize = 256;

    /// The rule, as forms describe and check it.
    pub fn rule() -> Rule {
        Rule::Length {
            min: Some(Self::MIN),
            max: Some(Self::MAX),
        }
    }

    /// `text` as a new password.
    ///
    /// # Errors
    /// What to tell the person when it breaks the rule.
    pub fn parse(text: &str) -> Result<Self, String> {
        match Self::rule().check(text) {
            Some(problem) => Err(problem),
            None => Ok(Self(text.to_owned())),
        }
    }

    /// The password itself, to hash.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl FieldType for NewPassword {
    const KIND: FieldKind = FieldKind::Password;
    const REQUIRED: bool = true;
    const HELP: Option<&'static str> = Some("At least 10 characters.");

    fn parse(value: Option<&str>) -> Result<Self, String> {
        Self::parse(value.ok_or_else(|| REQUIRED.to_owned())?)
    }

    fn rules() -> Vec<Rule> {
        vec![Self::rule()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_is_checked_and_spaces_are_kept() {
        assert_eq!(
            NewPassword::parse("short").map(NewPassword::into_inner),
            Err("use at least 10 characters".to_owned())
        );
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        assert_eq!(
            NewPassword::parse(" ten chars ").map(NewPassword::into_inner),
            Ok(" ten chars ".to_owned())
        );
        assert_eq!(
            format!("{:?}", NewPassword::parse("a secret password")),
            "Ok(NewPassword(***))"
        );
    }
}
