//! A public function and one with a custom check, used by the docs, the bench and the
//! tests.

use mizan::AppError;
use mizan::auth::{CurrentUser, Role};
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
    if user.id == *user_id || user.role() >= Role::Staff {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
