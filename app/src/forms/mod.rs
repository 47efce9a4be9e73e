//! The app's forms, each declared once with `#[derive(mizan::Form)]`: its fields and rules,
//! and beside them its server side (`FormHandler`).

pub mod account;
pub mod profile;
pub mod signup;

pub use account::{
    ChangeEmailForm, ChangePasswordForm, ConfirmEmailForm, DeleteAccountForm, ForgotPasswordForm,
    KeepAccountForm, LoginForm, NewRecoveryCodesForm, ResetPasswordForm, SecondFactorForm,
    TurnOffTwoFactorForm, TurnOnTwoFactorForm, VerifyEmailForm, use_change_email_form,
    use_change_password_form, use_confirm_email_form, use_delete_account_form,
    use_forgot_password_form, use_keep_account_form, use_login_form, use_new_recovery_codes_form,
    use_reset_password_form, use_second_factor_form, use_turn_off_two_factor_form,
    use_turn_on_two_factor_form, use_verify_email_form,
};
pub use profile::{ProfileForm, use_profile_form};
pub use signup::{SignupForm, use_signup_form};
