//! The account's forms: logging in, passwords (forgot, reset, change), email addresses
//! (verify, change, confirm the change). Each form checks the same rules in the browser and on the
//! server; the flows are `mizan::auth::accounts`. The links we mail open a page with one
//! of these forms: the token is spent by a POST, never by opening the link (mail
//! scanners open links).

/// Signs in with email and password (a form, so that it works without JavaScript too).
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "login", auth = public, output = CurrentUser, errors(rate_limited))]
pub struct LoginForm {
    /// The account's address.
    #[field(label = "Email", email)]
    pub email: String,
    /// Its password.
    #[field(label = "Password", widget = "password")]
    pub password: String,
}

/// Asks for a password-reset link. The answer never says whether the address has an
/// account.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "forgot_password", auth = public, output = (), errors(rate_limited))]
pub struct ForgotPasswordForm {
    /// The account's address.
    #[field(label = "Email", email)]
    pub email: String,
}

/// Sets a new password with the token of a reset link.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "reset_password", auth = public, output = ())]
pub struct ResetPasswordForm {
    /// From the link.
    #[field(widget = "hidden")]
    pub token: String,
    /// The new password (the framework's rule: [`NewPassword`]).
    #[field(
        label = "New password",
        help = "At least 10 characters. Setting it signs you out everywhere."
    )]
    pub password: NewPassword,
}

/// Confirms an account's email address with the token of a verification link.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "verify_email", auth = public, output = ())]
pub struct VerifyEmailForm {
    /// From the link.
    #[field(widget = "hidden")]
    pub token: String,
}

/// Moves the signed-in account to the new address of its email-change link (only the
/// account that asked may confirm it).
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "confirm_email", auth = authenticated, output = ())]
pub struct ConfirmEmailForm {
    /// From the link.
    #[field(widget = "hidden")]
    pub token: String,
}

/// Changes the signed-in user's password.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "change_password", auth = authenticated, output = (), errors(rate_limited))]
pub struct ChangePasswordForm {
    /// The password now (accounts made through a provider have none: leave it empty).
    #[field(label = "Current password", widget = "password")]
    pub current_password: Option<String>,
    /// The new password (the framework's rule: [`NewPassword`]).
    #[field(
        label = "New password",
        help = "At least 10 characters. Your other sessions end."
    )]
    pub new_password: NewPassword,
}

/// Moves the signed-in account to a new email address, once confirmed from it.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "change_email", auth = authenticated, output = (), errors(rate_limited))]
pub struct ChangeEmailForm {
    /// The new address.
    #[field(label = "New email", email)]
    pub new_email: String,
    /// The password, to show it is really you.
    #[field(label = "Password", widget = "password")]
    pub password: Option<String>,
}

use mizan::auth::{CurrentUser, NewPassword};

#[cfg(feature = "ssr")]
mod handler {
    use mizan::AppError;
    use mizan::auth::{CurrentUser, accounts};
    use mizan::forms::{FormHandler, Submission};

    use super::{
        ChangeEmailForm, ChangePasswordForm, ConfirmEmailForm, ForgotPasswordForm, LoginForm,
        ResetPasswordForm, VerifyEmailForm,
    };

    impl FormHandler for LoginForm {
        async fn on_submit(self, _submission: Submission) -> Result<CurrentUser, AppError> {
            accounts::log_in(&self.email, self.password).await
        }
    }

    impl FormHandler for VerifyEmailForm {
        async fn on_submit(self, _submission: Submission) -> Result<(), AppError> {
            accounts::verify_email(&self.token).await
        }
    }

    impl FormHandler for ConfirmEmailForm {
        async fn on_submit(self, submission: Submission<CurrentUser>) -> Result<(), AppError> {
            accounts::confirm_email_change(&submission.user, &self.token).await
        }
    }

    impl FormHandler for ForgotPasswordForm {
        async fn on_submit(self, _submission: Submission) -> Result<(), AppError> {
            accounts::request_password_reset(&self.email).await
        }
    }

    impl FormHandler for ResetPasswordForm {
        async fn on_submit(self, _submission: Submission) -> Result<(), AppError> {
            accounts::reset_password(&self.token, self.password).await
        }
    }

    impl FormHandler for ChangePasswordForm {
        async fn on_submit(self, submission: Submission<CurrentUser>) -> Result<(), AppError> {
            accounts::change_password(&submission.user, self.current_password, self.new_password)
                .await
        }
    }

    impl FormHandler for ChangeEmailForm {
        async fn on_submit(self, submission: Submission<CurrentUser>) -> Result<(), AppError> {
            accounts::request_email_change(&submission.user, &self.new_email, self.password).await
        }
    }
}
