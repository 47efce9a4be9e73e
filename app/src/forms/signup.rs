//! Sign-up: create an account and start signed in (or, when accounts must verify their
//! address first, wait for the link).

use mizan::auth::{CurrentUser, NewPassword};

/// The sign-up form. The email must not be taken yet (checked on the server, under a
/// per-client limit). Answers the new account, signed in; `None` when accounts verify
/// their address first (the same answer whether the address had an account or not).
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "signup", auth = public, output = Option<CurrentUser>, errors(rate_limited))]
pub struct SignupForm {
    /// Display name.
    #[field(label = "Name", length(max = 100))]
    pub name: String,
    /// Email address, unique whatever its case.
    #[field(label = "Email", email)]
    pub email: String,
    /// The framework's rule ([`NewPassword`]): at least 10 characters, at most 256.
    #[field(label = "Password")]
    pub password: NewPassword,
}

#[cfg(feature = "ssr")]
mod handler {
    use mizan::AppError;
    use mizan::auth::{CurrentUser, accounts};
    use mizan::forms::{FormHandler, Submission};

    use super::SignupForm;

    impl FormHandler for SignupForm {
        async fn server_checks(&self, _submission: &Submission) -> Result<(), AppError> {
            accounts::check_sign_up_email(&self.email).await
        }

        async fn on_submit(self, _submission: Submission) -> Result<Option<CurrentUser>, AppError> {
            accounts::sign_up(&self.email, self.password, &self.name).await
        }
    }
}

#[cfg(test)]
mod tests {
    use mizan::forms::{FormValues, validate};

    use super::*;

    fn values(name: &str, email: &str, password: &str) -> FormValues {
        FormValues::from([
            ("name".to_owned(), name.to_owned()),
            ("email".to_owned(), email.to_owned()),
            ("password".to_owned(), password.to_owned()),
        ])
    }

    #[test]
    fn a_good_signup_passes_with_trimmed_name_and_email() {
        let form = validate::<SignupForm>(&values(" Ada ", " ada@example.com ", " pass word "))
            .expect("valid");
        assert_eq!(form.name, "Ada");
        assert_eq!(form.email, "ada@example.com");
        assert_eq!(
            form.password.into_inner(),
            " pass word ",
            "passwords are never trimmed"
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let errors = validate::<SignupForm>(&values(" ", "nope", "short")).expect_err("invalid");
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["email", "name", "password"]
        );
        assert_eq!(errors["name"], ["this field is required"]);
        assert_eq!(errors["password"], ["use at least 10 characters"]);
    }
}
