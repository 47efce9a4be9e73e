//! The signed-in user's id in the session, under one named key.
//!
//! Signing in gives the session a new id (no session fixation); signing out deletes the
//! session entirely.

use tower_sessions::Session;

use crate::error::AppError;

/// The session key that holds the signed-in user's id.
const USER_ID: &str = "mizan.user_id";

/// Marks `session` as belonging to `user_id`, under a fresh session id.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn log_in(session: &Session, user_id: &str) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    session
        .insert(USER_ID, user_id)
        .await
        .map_err(AppError::internal)
}

/// Ends the session: its data is deleted and the cookie cleared.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(AppError::internal)
}

/// The id of the user signed in on `session`, if any.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn user_id(session: &Session) -> Result<Option<String>, AppError> {
    session.get(USER_ID).await.map_err(AppError::internal)
}
