//! Validation rules as data: the same values describe a field in the schema and check it,
//! in the browser and on the server.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// One constraint on a field's value. Rules see the value as typed (trimmed, except for
/// passwords) and only when it is not empty: emptiness is the `required` flag's business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// At least `min` and at most `max` characters (not bytes).
    Length {
        /// Fewest characters.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<usize>,
        /// Most characters.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<usize>,
    },
    /// An email address like `name@example.com`.
    Email,
    /// A whole number from `min` to `max`, both included.
    Range {
        /// Smallest value.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        /// Largest value.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// The whole value matches a regular expression (`regex-lite` syntax).
    Pattern {
        /// The expression; anchored at both ends when checked.
        regex: Cow<'static, str>,
        /// What to tell the person when it does not match.
        message: Cow<'static, str>,
    },
}

/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

impl Rule {
    /// What is wrong with `value` under this rule, if anything.
    pub fn check(&self, value: &str) -> Option<String> {
        match self {
            &Self::Length { min, max } => {
                let length = value.chars().count();
                match (min, max) {
                    (Some(min), _) if length < min => {
                        Some(format!("use at least {min} character{}", plural(min)))
                    }
                    (_, Some(max)) if length > max => {
                        Some(format!("use at most {max} character{}", plural(max)))
                    }
                    _ => None,
                }
            }
            Self::Email => email_problem(value).map(str::to_owned),
            &Self::Range { min, max } => match value.parse::<i64>() {
                Err(_) => Some(NOT_A_NUMBER.to_owned()),
                Ok(n) if min.is_some_and(|min| n < min) || max.is_some_and(|max| n > max) => {
                    Some(match (min, max) {
                        (Some(min), Some(max)) => format!("enter a number from {min} to {max}"),
                        (Some(min), None) => format!("enter {min} or more"),
                        (None, _) => format!("enter {} or less", max.unwrap_or_default()),
                    })
                }
                Ok(_) => None,
            },
            Self::Pattern { regex, message } => {
                match regex_lite::Regex::new(&format!("^(?:{regex})$")) {
                    Ok(re) if re.is_match(value) => None,
                    Ok(_) => Some(message.to_string()),
                    // A broken expression is the form author's bug: say so, never pass.
                    Err(_) => Some(format!("this field's pattern `{regex}` is invalid")),
                }
            }
        }
    }
}

/// The message for a value that should be a whole number and is not.
pub const NOT_A_NUMBER: &str = "enter a whole number";

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What is wrong with an email address, if anything.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let email = email.trim();
    if email.len() > MAX_EMAIL_LEN {
        return Some("this email address is too long");
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace) =>
        {
            None
        }
        _ => Some("enter an email address like name@example.com"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        let rule = Rule::Length {
            min: Some(3),
            max: Some(5),
        };
        assert_eq!(
            rule.check("ab").as_deref(),
            Some("use at least 3 characters")
        );
        assert_eq!(rule.check("éèê"), None, "three characters, six bytes");
        assert_eq!(rule.check("abcde"), None);
        assert_eq!(
            rule.check("abcdef").as_deref(),
            Some("use at most 5 characters")
        );
        let one = Rule::Length {
            min: Some(1),
            max: None,
        };
        assert_eq!(one.check("").as_deref(), Some("use at least 1 character"));
    }

    #[test]
    fn ordinary_emails_pass() {
        for email in [
            "a@example.com",
            "first.last+tag@sub.example.org",
            " a@b.co ",
        ] {
            assert_eq!(Rule::Email.check(email), None, "{email}");
        }
    }

    #[test]
    fn malformed_emails_are_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        for email in [
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@b@c.com",
            "a b@c.com",
            "a@.com",
            "a@com.",
            &long,
        ] {
            assert!(Rule::Email.check(email).is_some(), "{email}");
        }
    }

    #[test]
    fn range_includes_both_ends_and_wants_a_number() {
        let rule = Rule::Range {
            min: Some(1),
            max: Some(5),
        };
        assert_eq!(rule.check("1"), None);
        assert_eq!(rule.check("5"), None);
        assert_eq!(
            rule.check("0").as_deref(),
            Some("enter a number from 1 to 5")
        );
        assert_eq!(
            rule.check("6").as_deref(),
            Some("enter a number from 1 to 5")
        );
        assert_eq!(rule.check("three").as_deref(), Some(NOT_A_NUMBER));
        let at_least = Rule::Range {
            min: Some(18),
            max: None,
        };
        assert_eq!(at_least.check("17").as_deref(), Some("enter 18 or more"));
        let at_most = Rule::Range {
            min: None,
            max: Some(9),
        };
        assert_eq!(at_most.check("10").as_deref(), Some("enter 9 or less"));
    }

    #[test]
    fn patterns_match_the_whole_value() {
        let rule = Rule::Pattern {
            regex: "[a-z0-9-]+".into(),
            message: "use lowercase letters, digits and dashes".into(),
        };
        assert_eq!(rule.check("my-room-1"), None);
        assert_eq!(
            rule.check("My room").as_deref(),
            Some("use lowercase letters, digits and dashes")
        );
        assert!(
            rule.check("ok!").is_some(),
            "a partial match is not a match"
        );
        let broken = Rule::Pattern {
            regex: "(".into(),
            message: "x".into(),
        };
        assert!(
            broken.check("anything").is_some(),
            "a broken pattern never passes"
        );
    }

    #[test]
    fn rules_describe_themselves_as_json() {
        let json = serde_json::to_string(&[
            Rule::Length {
                min: None,
                max: Some(100),
            },
            Rule::Email,
        ])
        .expect("encode");
        assert_eq!(json, r#"[{"rule":"length","max":100},{"rule":"email"}]"#);
    }
}
