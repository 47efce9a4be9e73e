//! The account's forms: logging in (and its second step), two-factor sign-in, passwords
//! (forgot, reset, change), email addresses (verify, change, confirm the change), deleting
//! the account (and keeping it). Each form checks the same rules in the browser and on the
//! server; the flows are `mizan::auth::accounts`. The links we mail open a page with one
//! of these forms: the token is spent by a POST, never by opening the link (mail
//! scanners open links).

/// Signs in with email and password (a form, so that it works without JavaScript too).
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "login", auth = public, output = SignIn, errors(rate_limited))]
pub struct LoginForm {
    /// The account's address.
    #[field(label = "Email", email)]
    pub email: String,
    /// Its password.
    #[field(label = "Password", widget = "password")]
    pub password: String,
}

/// The second step of a sign-in on an account with two-factor sign-in: a code from the
/// authenticator app, or a recovery code.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "second_factor", auth = public, output = CurrentUser, errors(rate_limited))]
pub struct SecondFactorForm {
    /// Six digits from the app, or a recovery code.
    #[field(
        label = "Code",
        help = "From your authenticator app, or one of your recovery codes."
    )]
    pub code: String,
    /// Skip this step in this browser for 30 days.
    #[field(label = "Remember this browser for 30 days")]
    pub remember: bool,
}

/// Turns two-factor sign-in on with a first code from the app and the password; answers
/// the recovery codes.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "turn_on_two_factor", auth = authenticated, output = Vec<String>, errors(rate_limited))]
pub struct TurnOnTwoFactorForm {
    /// Six digits from the app.
    #[field(label = "Code from the app")]
    pub code: String,
    /// The password, to show it is really you.
    #[field(label = "Your password", widget = "password")]
    pub password: Option<String>,
}

/// Replaces the recovery codes, with a code from the app (or a recovery code).
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "new_recovery_codes", auth = authenticated, output = Vec<String>, errors(rate_limited))]
pub struct NewRecoveryCodesForm {
    /// Six digits from the app, or a recovery code.
    #[field(label = "Code from the app, or a recovery code")]
    pub code: String,
}

/// Turns two-factor sign-in off, with the password or a code.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "turn_off_two_factor", auth = authenticated, output = (), errors(rate_limited))]
pub struct TurnOffTwoFactorForm {
    /// The password, a code from the app, or a recovery code.
    #[field(
        label = "Your password, or a code from your app",
        help = "A recovery code works too.",
        widget = "password"
    )]
    pub proof: String,
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

/// Asks for the signed-in account to be deleted once its grace is over; answers when.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "delete_account", auth = authenticated, output = ScheduledDeletion, errors(rate_limited))]
pub struct DeleteAccountForm {
    /// The password or a code (an account with neither leaves it empty).
    #[field(
        label = "Your password, or a code from your app",
        help = "A recovery code works too. An account without a password or two-factor sign-in leaves it empty.",
        widget = "password"
    )]
    pub proof: Option<String>,
}

/// Keeps an account whose owner asked to delete it, with the token of the mailed link.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "keep_account", auth = public, output = ())]
pub struct KeepAccountForm {
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

use mizan::auth::{CurrentUser, NewPassword, ScheduledDeletion, SignIn};

#[cfg(feature = "ssr")]
mod handler {
    use mizan::AppError;
    use mizan::auth::{CurrentUser, ScheduledDeletion, SignIn, accounts, deletion, second_factor};
    use mizan::forms::{FormHandler, Submission};

    use super::{
        ChangeEmailForm, ChangePasswordForm, ConfirmEmailForm, DeleteAccountForm,
        ForgotPasswordForm, KeepAccountForm, LoginForm, NewRecoveryCodesForm, ResetPasswordForm,
        SecondFactorForm, TurnOffTwoFactorForm, TurnOnTwoFactorForm, VerifyEmailForm,
    };

    impl FormHandler for LoginForm {
        async fn on_submit(self, _submission: Submission) -> Result<SignIn, AppError> {
            accounts::log_in(&self.email, self.password).await
        }
    }

    impl FormHandler for SecondFactorForm {
        async fn on_submit(self, _submission: Submission) -> Result<CurrentUser, AppError> {
            second_factor::complete(&self.code, self.remember).await
        }
    }

    impl FormHandler for TurnOnTwoFactorForm {
        async fn on_submit(
            self,
            submission: Submission<CurrentUser>,
        ) -> Result<Vec<String>, AppError> {
            second_factor::turn_on(&submission.user, self.password, &self.code).await
        }
    }

    impl FormHandler for NewRecoveryCodesForm {
        async fn on_submit(
            self,
            submission: Submission<CurrentUser>,
        ) -> Result<Vec<String>, AppError> {
            second_factor::new_recovery_codes(&submission.user, &self.code).await
        }
    }

    impl FormHandler for TurnOffTwoFactorForm {
        async fn on_submit(self, submission: Submission<CurrentUser>) -> Result<(), AppError> {
            second_factor::turn_off(&submission.user, &self.proof).await
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

    impl FormHandler for DeleteAccountForm {
        async fn on_submit(
            self,
            submission: Submission<CurrentUser>,
        ) -> Result<ScheduledDeletion, AppError> {
            deletion::request(&submission.user, self.proof.as_deref().unwrap_or_default()).await
        }
    }

    impl FormHandler for KeepAccountForm {
        async fn on_submit(self, _submission: Submission) -> Result<(), AppError> {
            deletion::keep_with_link(&self.token).await
        }
    }

    impl FormHandler for ChangeEmailForm {
        async fn on_submit(self, submission: Submission<CurrentUser>) -> Result<(), AppError> {
            accounts::request_email_change(&submission.user, &self.new_email, self.password).await
        }
    }
}
