//! The rules for account fields. Plain Rust with no server dependency, so the browser can
//! run the very same checks before it sends a form.

use crate::error::{AppError, FieldErrors};

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// The longest password accepted (argon2 work grows with length; nobody types more).
pub const MAX_PASSWORD_LEN: usize = 256;
/// The longest display name accepted, in characters.
pub const MAX_NAME_LEN: usize = 100;
/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// What is wrong with an email address, if anything.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let email = email.trim();
    if email.is_empty() {
        return Some("enter your email address");
    }
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

/// What is wrong with a new password, if anything.
pub fn password_problem(password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        Some(format!("use at least {MIN_PASSWORD_LEN} characters"))
    } else if length > MAX_PASSWORD_LEN {
        Some(format!("use at most {MAX_PASSWORD_LEN} characters"))
    } else {
        None
    }
}

/// What is wrong with a display name, if anything.
pub fn name_problem(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        Some("enter your name".to_owned())
    } else if name.chars().count() > MAX_NAME_LEN {
        Some(format!("use at most {MAX_NAME_LEN} characters"))
    } else {
        None
    }
}

/// Checks a sign-up form: every problem at once, one list per field.
///
/// # Errors
/// [`AppError::Validation`] naming each invalid field.
pub fn check_signup(email: &str, password: &str, name: &str) -> Result<(), AppError> {
    let mut fields = FieldErrors::new();
    if let Some(problem) = email_problem(email) {
        fields.insert("email".into(), vec![problem.to_owned()]);
    }
    if let Some(problem) = password_problem(password) {
        fields.insert("password".into(), vec![problem]);
    }
    if let Some(problem) = name_problem(name) {
        fields.insert("name".into(), vec![problem]);
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation { fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_emails_pass() {
        for email in [
            "a@example.com",
            "first.last+tag@sub.example.org",
            " a@b.co ",
        ] {
            assert_eq!(email_problem(email), None, "{email}");
        }
    }

    #[test]
    fn malformed_emails_are_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        for email in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@b@c.com",
            "a b@c.com",
            "a@.com",
            &long,
        ] {
            assert!(email_problem(email).is_some(), "{email}");
        }
    }

    #[test]
    fn passwords_need_ten_characters_and_at_most_256() {
        assert!(password_problem("123456789").is_some());
        assert!(password_problem("1234567890").is_none());
        assert!(
            password_problem("ééééééééé").is_some(),
            "characters, not bytes"
        );
        assert!(password_problem(&"x".repeat(257)).is_some());
    }

    #[test]
    fn signup_reports_every_bad_field_at_once() {
        let Err(AppError::Validation { fields }) = check_signup("nope", "short", " ") else {
            panic!("expected a validation error");
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["email", "name", "password"]
        );
        assert!(check_signup("a@example.com", "long enough pw", "Ada").is_ok());
    }
}
