//! Sign-in, sign-out and the current user. (Sign-up is a form: `crate::forms::signup`.)

use mizan::AppError;
use mizan::auth::CurrentUser;

/// Signs in with email and password.
#[mizan::server(auth = public)]
pub async fn login(email: String, password: String) -> Result<CurrentUser, AppError> {
    mizan::auth::accounts::log_in(&email, password).await
}

/// Signs out.
#[mizan::server(auth = public)]
pub async fn logout() -> Result<(), AppError> {
    mizan::auth::accounts::log_out().await
}

/// The signed-in user, or `None`: the app's global context. `provide_current_user()` at
/// the root resolves it during SSR; `use_current_user()` reads it anywhere below, and the
/// browser never asks for it on hydration.
#[mizan::server(auth = public, endpoint = "current_user", context = global)]
pub async fn fetch_current_user() -> Result<Option<CurrentUser>, AppError> {
    mizan::auth::current_user().await
}
