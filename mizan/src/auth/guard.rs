//! The checks that `#[mizan::server(auth = …)]` puts at the top of every function body,
//! so they hold on the HTTP path and during SSR alike.

use tower_sessions::Session;

use super::{CurrentUser, Level, session, users};
use crate::error::AppError;
use crate::server::state;

/// The user signed in on this request's session, if any (inactive users count as
/// signed out).
///
/// # Errors
/// [`AppError::Internal`] when the session or the database fails.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let session: Session = leptos_axum::extract().await.map_err(AppError::internal)?;
    user_of_session(&session, &state()?.db).await
}

/// The user signed in on this request's session, or [`AppError::Unauthenticated`]: what
/// functions behind `auth = authenticated` (or higher) work on.
///
/// # Errors
/// [`AppError::Unauthenticated`]; [`AppError::Internal`] as [`current_user`].
pub async fn signed_in_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The active user signed in on `session`, if any: for axum handlers outside Leptos
/// (WebSocket upgrades), which have the session but no Leptos context.
///
/// # Errors
/// [`AppError::Internal`] when the session or the database fails.
pub async fn user_of_session(
    session: &Session,
    pool: &sqlx::AnyPool,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(signed_in) = session::signed_in(session).await? else {
        return Ok(None);
    };
    users::find_active_at(pool, &signed_in.user_id, Some(signed_in.auth_version)).await
}

/// Lets the call through if the current user meets `level`.
///
/// # Errors
/// [`AppError::Unauthenticated`] or [`AppError::Forbidden`]; [`AppError::Internal`]
/// when the user cannot be loaded.
pub async fn authorize(level: Level) -> Result<(), AppError> {
    if level == Level::Public {
        return Ok(());
    }
    level.check(current_user().await?.as_ref())
}

/// Lets the call through if `check` accepts the current user (`None`: anonymous).
///
/// # Errors
/// Whatever `check` returns; [`AppError::Internal`] when the user cannot be loaded.
pub async fn authorize_with(
    check: impl FnOnce(Option<&CurrentUser>) -> Result<(), AppError>,
) -> Result<(), AppError> {
    check(current_user().await?.as_ref())
}
