//! Staff and superusers: the accounts, and their rights.

use mizan::AppError;
use mizan::auth::Account;

/// Staff: every account, deactivated ones included.
#[mizan::server(auth = staff)]
pub async fn list_users() -> Result<Vec<Account>, AppError> {
    mizan::auth::users::list(&mizan::runtime::state()?.db).await
}

/// Superuser: grants or removes staff rights.
#[mizan::server(auth = superuser, errors(not_found))]
pub async fn set_staff(user_id: String, is_staff: bool) -> Result<(), AppError> {
    let state = mizan::runtime::state()?;
    mizan::auth::users::set_staff(&state.db, &user_id, is_staff).await?;
    // Their open connections check again (a demoted member leaves staff-only groups).
    mizan::channels::user_changed(&state.channels, &user_id, false).await
}

/// Superuser: deactivates an account (signed out everywhere, its channels closed) or
/// makes it active again. A superuser cannot deactivate their own account.
#[mizan::server(auth = superuser, errors(not_found))]
pub async fn set_active(
    #[user] user: mizan::auth::CurrentUser,
    user_id: String,
    is_active: bool,
) -> Result<(), AppError> {
    if !is_active && user.id == user_id {
        return Err(AppError::BadRequest {
            message: "you cannot deactivate your own account".into(),
        });
    }
    let state = mizan::runtime::state()?;
    mizan::auth::users::set_active(&state.db, &user_id, is_active).await?;
    mizan::channels::user_changed(&state.channels, &user_id, !is_active).await
}
