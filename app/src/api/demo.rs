//! One function per auth level, used by the demo pages, the docs and the tests.

use mizan::AppError;
use mizan::auth::{Account, CurrentUser};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What [`echo`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EchoReply {
    /// The text that was sent.
    pub message: String,
}

/// Public: sends the text back.
#[mizan::server(auth = public)]
pub async fn echo(text: String) -> Result<EchoReply, AppError> {
    Ok(EchoReply { message: text })
}

/// What [`account_summary`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountInfo {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// "user", "staff" or "superuser".
    pub role: String,
}

/// Authenticated: the caller's own account.
#[mizan::server(auth = authenticated)]
pub async fn account_summary(#[user] user: CurrentUser) -> Result<AccountInfo, AppError> {
    let role = if user.is_superuser {
        "superuser"
    } else if user.is_staff {
        "staff"
    } else {
        "user"
    };
    Ok(AccountInfo {
        name: user.name,
        email: user.email,
        role: role.to_owned(),
    })
}

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
    // Their open connections check again (a demoted member leaves the staff rooms).
    mizan::channels::user_changed(&state.channels, &user_id, false).await
}

/// Superuser: deactivates an account (signed out everywhere, its channels closed) or
/// makes it active again. A superuser cannot deactivate their own account.
#[mizan::server(auth = superuser, errors(not_found))]
pub async fn set_active(
    #[user] user: CurrentUser,
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

/// Custom check ([`can_read_user`]): one account's details.
#[mizan::server(auth = custom(can_read_user), errors(not_found))]
pub async fn user_detail(user_id: String) -> Result<CurrentUser, AppError> {
    mizan::auth::users::find_active(&mizan::runtime::state()?.db, &user_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Users may read their own record; staff may read any. Plain code, so views can use it
/// too (to decide whether to show a link).
///
/// # Errors
/// [`AppError::Unauthenticated`] for anonymous callers, [`AppError::Forbidden`] for
/// someone else's record.
pub fn can_read_user(user: Option<&CurrentUser>, user_id: &str) -> Result<(), AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    if user.id == *user_id || user.is_staff || user.is_superuser {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
