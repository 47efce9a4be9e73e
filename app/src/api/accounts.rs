//! Sign-up, sign-in, sign-out and the current user.

use mizan::AppError;
use mizan::auth::CurrentUser;

/// Creates an account and signs it in.
#[mizan::server(auth = public)]
pub async fn signup(
    email: String,
    password: String,
    name: String,
) -> Result<CurrentUser, AppError> {
    mizan::auth::accounts::sign_up(&email, password, &name).await
}

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

/// The signed-in user, or `None`: the app's global context, resolved during SSR.
#[mizan::server(auth = public, endpoint = "current_user")]
pub async fn fetch_current_user() -> Result<Option<CurrentUser>, AppError> {
    mizan::auth::current_user().await
}
