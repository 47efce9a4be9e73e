//! Sign-in, sign-out, the current user and their account, email verification, and sign-in
//! providers.
//! (Sign-up and the password forms are forms: `crate::forms`.)

use mizan::AppError;
use mizan::auth::{
    AccountExport, CurrentUser, LoginMethods, ProviderInfo, Role, ScheduledDeletion, SessionInfo,
    TwoFactorSetup, TwoFactorStatus,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Signs out.
#[mizan::server(auth = public)]
pub async fn logout() -> Result<(), AppError> {
    mizan::auth::accounts::log_out().await
}

/// The signed-in user, or `None`: the app's global context. `provide_current_user()` at
/// the root resolves it during SSR; `use_current_user()` reads it anywhere below, and the
/// browser never asks for it on hydration.
#[mizan::server(auth = public, endpoint = "current_user", context = global)]
pub async fn fetch_current_user(
    #[user] user: Option<CurrentUser>,
) -> Result<Option<CurrentUser>, AppError> {
    Ok(user)
}

/// Mails the signed-in user a new link to verify their email.
#[mizan::server(auth = authenticated, errors(rate_limited))]
pub async fn resend_verification(#[user] user: CurrentUser) -> Result<(), AppError> {
    mizan::auth::accounts::resend_verification(&user).await
}

/// The providers people may sign in with.
#[mizan::server(auth = public)]
pub async fn sign_in_providers() -> Result<Vec<ProviderInfo>, AppError> {
    Ok(mizan::auth::oauth::providers(&mizan::runtime::state()?))
}

/// How the signed-in user may sign in: a password, and which providers.
#[mizan::server(auth = authenticated)]
pub async fn sign_in_methods(#[user] user: CurrentUser) -> Result<LoginMethods, AppError> {
    mizan::auth::oauth::login_methods(&mizan::runtime::state()?, &user).await
}

/// Unlinks a provider from the signed-in account, unless it is their last way in.
#[mizan::server(auth = authenticated, errors(not_found, validation))]
pub async fn disconnect_provider(
    #[user] user: CurrentUser,
    provider: String,
) -> Result<(), AppError> {
    mizan::auth::oauth::disconnect(&mizan::runtime::state()?, &user, &provider).await
}

/// What [`account_summary`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountInfo {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// What the account may do.
    pub role: Role,
}

/// Authenticated: the caller's own account.
#[mizan::server(auth = authenticated)]
pub async fn account_summary(#[user] user: CurrentUser) -> Result<AccountInfo, AppError> {
    Ok(AccountInfo {
        role: user.role(),
        name: user.name,
        email: user.email,
    })
}

/// The signed-in user's sessions, the most recently used first, the caller's marked.
#[mizan::server(auth = authenticated)]
pub async fn my_sessions(#[user] user: CurrentUser) -> Result<Vec<SessionInfo>, AppError> {
    mizan::auth::accounts::sessions(&user).await
}

/// Ends one of the signed-in user's sessions: it is signed out wherever it is, and its
/// live connections close. Ending the caller's own signs them out.
#[mizan::server(auth = authenticated, errors(not_found))]
pub async fn end_session(#[user] user: CurrentUser, id: String) -> Result<(), AppError> {
    mizan::auth::accounts::end_session(&user, &id).await
}

/// Ends every session of the signed-in user but the caller's; answers how many ended.
#[mizan::server(auth = authenticated)]
pub async fn end_other_sessions(#[user] user: CurrentUser) -> Result<usize, AppError> {
    mizan::auth::accounts::end_other_sessions(&user).await
}

/// Whether the signed-in user has two-factor sign-in on, and how many recovery codes are
/// left.
#[mizan::server(auth = authenticated)]
pub async fn my_two_factor(#[user] user: CurrentUser) -> Result<TwoFactorStatus, AppError> {
    mizan::auth::second_factor::status(&user).await
}

/// Starts turning two-factor sign-in on: a new secret for the authenticator app, as a QR
/// code and as text. A first code from it turns it on (`TurnOnTwoFactorForm`).
#[mizan::server(auth = authenticated)]
pub async fn start_two_factor(#[user] user: CurrentUser) -> Result<TwoFactorSetup, AppError> {
    mizan::auth::second_factor::start(&user).await
}

/// When the signed-in account goes, if its owner asked to delete it (`DeleteAccountForm`).
#[mizan::server(auth = authenticated)]
pub async fn account_deletion(
    #[user] user: CurrentUser,
) -> Result<Option<ScheduledDeletion>, AppError> {
    mizan::auth::deletion::scheduled(&user).await
}

/// Keeps the signed-in account, which its owner had asked to delete.
#[mizan::server(auth = authenticated, errors(bad_request))]
pub async fn keep_my_account(#[user] user: CurrentUser) -> Result<(), AppError> {
    mizan::auth::deletion::keep(&user).await
}

/// Everything the signed-in account holds, as JSON: a `GET`, so that a plain link
/// downloads it.
#[mizan::server(auth = authenticated, input = leptos::server_fn::codec::GetUrl)]
pub async fn my_data(#[user] user: CurrentUser) -> Result<AccountExport, AppError> {
    mizan::auth::export::export(&user).await
}
