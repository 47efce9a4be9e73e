//! An account's data, for its owner to download: the framework's rows of it and the app's
//! (through its [`AccountData`](super::account_data::AccountData)).

use sqlx::Row;

use super::{AccountExport, CurrentUser, ExportedAccount, ExportedProvider, user_sessions, users};
use crate::error::AppError;
use crate::runtime::state;
use crate::server::db::now;

/// Everything `user`'s account holds (the asking session marked on its sessions list).
///
/// # Errors
/// [`AppError::Unauthenticated`] when the account is gone; [`AppError::Internal`] when the
/// database or the app's export fails.
pub async fn export(user: &CurrentUser) -> Result<AccountExport, AppError> {
    let state = state()?;
    let current = super::guard::current_session_handle()
        .await?
        .unwrap_or_default();
    let db = &state.db;
    let row = sqlx::query(&format!(
        "SELECT {}, {}, password_hash, email_verified_at, created_at, last_login_at, \
         deletes_at FROM users WHERE id = $1",
        users::USER_COLUMNS,
        users::IS_ACTIVE
    ))
    .bind(&user.id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::Unauthenticated)?;
    let me = users::to_user(&row)?;
    let account = ExportedAccount {
        role: me.role(),
        id: me.id,
        email: me.email,
        name: me.name,
        is_active: users::flag(&row, "is_active")?,
        has_password: !row.try_get::<String, _>("password_hash")?.is_empty(),
        email_verified_at: row.try_get("email_verified_at")?,
        created_at: row.try_get("created_at")?,
        last_login_at: row.try_get("last_login_at")?,
        deletes_at: row.try_get("deletes_at")?,
    };
    let providers = sqlx::query(
        "SELECT provider, email, created_at FROM social_accounts WHERE user_id = $1 \
         ORDER BY created_at",
    )
    .bind(&user.id)
    .fetch_all(db)
    .await?
    .iter()
    .map(|row| {
        Ok(ExportedProvider {
            provider: row.try_get("provider")?,
            email: row.try_get("email")?,
            linked_at: row.try_get("created_at")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(AccountExport {
        exported_at: now(),
        account,
        providers,
        two_factor: super::second_factor::status(user).await?,
        sessions: user_sessions::list(db, &user.id, &current).await?,
        app: state.account_data.export(db, &user.id).await?,
    })
}
