//! The `users` table: create, find, list and change accounts.

use sqlx::any::{AnyQueryResult, AnyRow};
use sqlx::{AnyPool, Row};

use super::{Account, CurrentUser};
use crate::error::AppError;
use crate::server::db::{new_id, now};

/// What a new account is made of; the password is already hashed.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Email address (unique whatever its case).
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// argon2 PHC string; empty for accounts that sign in through a provider only.
    pub password_hash: &'a str,
    /// Staff rights.
    pub is_staff: bool,
    /// Superuser rights.
    pub is_superuser: bool,
    /// Whether the email is known to be the user's (a provider said so).
    pub email_verified: bool,
}

/// An account as the login step needs it.
#[derive(Debug)]
pub struct LoginRecord {
    /// The user.
    pub user: CurrentUser,
    /// argon2 PHC string.
    pub password_hash: String,
    /// Deactivated accounts cannot sign in.
    pub is_active: bool,
    /// The version sessions must carry (it moves when every session must end).
    pub auth_version: i64,
}

// sqlx's Any driver cannot read SQLite booleans, so flags are read as 0/1 integers; the
// CASE makes the same SQL work on PostgreSQL, which casts no boolean to BIGINT.
pub(crate) const USER_COLUMNS: &str = "id, email, name, \
     CAST(CASE WHEN is_staff THEN 1 ELSE 0 END AS BIGINT) AS is_staff, \
     CAST(CASE WHEN is_superuser THEN 1 ELSE 0 END AS BIGINT) AS is_superuser, \
     CAST(CASE WHEN email_verified_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS email_verified";

/// The active flag, read as 0/1 like the others.
pub(crate) const IS_ACTIVE: &str =
    "CAST(CASE WHEN is_active THEN 1 ELSE 0 END AS BIGINT) AS is_active";

pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    row.try_get::<i64, _>(column).map(|value| value != 0)
}

pub(crate) fn to_user(row: &AnyRow) -> Result<CurrentUser, sqlx::Error> {
    Ok(CurrentUser {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        is_staff: flag(row, "is_staff")?,
        is_superuser: flag(row, "is_superuser")?,
        email_verified: flag(row, "email_verified")?,
    })
}

/// Creates an account.
///
/// # Errors
/// A validation error on `email` when it is taken; [`AppError::Internal`] otherwise.
pub async fn create(pool: &AnyPool, new: NewUser<'_>) -> Result<CurrentUser, AppError> {
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_staff, is_superuser, is_active, \
         created_at, email_verified_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8)",
    )
    .bind(&id)
    .bind(new.email)
    .bind(new.name)
    .bind(new.password_hash)
    .bind(new.is_staff)
    .bind(new.is_superuser)
    .bind(now())
    .bind(new.email_verified.then(now))
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(CurrentUser {
            id,
            email: new.email.to_owned(),
            name: new.name.to_owned(),
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
            email_verified: new.email_verified,
        }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::field(
            "email",
            "an account with this email already exists",
        )),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// Whether an account uses `email` already (whatever its case).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn email_taken(pool: &AnyPool, email: &str) -> Result<bool, AppError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// The account for `email` (any case), for the login step.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn find_for_login(pool: &AnyPool, email: &str) -> Result<Option<LoginRecord>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, password_hash, auth_version, {IS_ACTIVE} \
         FROM users WHERE lower(email) = lower($1)"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok::<_, sqlx::Error>(LoginRecord {
            user: to_user(&row)?,
            password_hash: row.try_get("password_hash")?,
            is_active: flag(&row, "is_active")?,
            auth_version: row.try_get("auth_version")?,
        })
    })
    .transpose()
    .map_err(AppError::from)
}

/// The active account with this id.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn find_active(pool: &AnyPool, id: &str) -> Result<Option<CurrentUser>, AppError> {
    find_active_at(pool, id, None).await
}

/// The active account with this id, if its sessions are at `auth_version` (when given):
/// a session from before a password reset finds no one.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn find_active_at(
    pool: &AnyPool,
    id: &str,
    auth_version: Option<i64>,
) -> Result<Option<CurrentUser>, AppError> {
    one_user(
        pool,
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND is_active = TRUE \
             AND ($2 IS NULL OR auth_version = $2)"
        ))
        .bind(id)
        .bind(auth_version),
    )
    .await
}

/// The active user `id` at session version `auth_version`, with when their session
/// `handle` was last seen; `None` when the account is not active at that version, or the
/// session's row is gone (it was ended). One query: the guard's read.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn find_signed_in(
    pool: &AnyPool,
    id: &str,
    auth_version: i64,
    handle: &str,
) -> Result<Option<(CurrentUser, i64)>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, (SELECT last_seen_at FROM user_sessions \
         WHERE user_sessions.id = $3 AND user_sessions.user_id = users.id) AS session_seen_at \
         FROM users WHERE id = $1 AND is_active = TRUE AND auth_version = $2"
    ))
    .bind(id)
    .bind(auth_version)
    .bind(handle)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let seen: Option<i64> = row.try_get("session_seen_at")?;
    Ok(seen
        .map(|seen| to_user(&row).map(|user| (user, seen)))
        .transpose()?)
}

/// The user a query of [`USER_COLUMNS`] finds, if any.
async fn one_user<'q>(
    pool: &AnyPool,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<Option<CurrentUser>, AppError> {
    let row = query.fetch_optional(pool).await?;
    row.as_ref()
        .map(to_user)
        .transpose()
        .map_err(AppError::from)
}

/// The active account with this email (any case).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn find_by_email(pool: &AnyPool, email: &str) -> Result<Option<CurrentUser>, AppError> {
    one_user(
        pool,
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1) AND is_active = TRUE"
        ))
        .bind(email),
    )
    .await
}

/// The password hash (empty when the account has none) and the session version of an
/// account.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown id; [`AppError::Internal`].
pub async fn credentials(pool: &AnyPool, id: &str) -> Result<(String, i64), AppError> {
    let row = sqlx::query("SELECT password_hash, auth_version FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((row.try_get("password_hash")?, row.try_get("auth_version")?))
}

/// The address and session version of an active account: what its mailed links are
/// valid for (`None`: gone or deactivated).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn link_state(pool: &AnyPool, id: &str) -> Result<Option<(String, i64)>, AppError> {
    sqlx::query_as("SELECT email, auth_version FROM users WHERE id = $1 AND is_active = TRUE")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(AppError::from)
}

/// Sets a new password (empty: none) and moves the session version, which ends every
/// session of the account; links mailed before stop working. Returns the new version, read
/// in the same statement (a concurrent change cannot slip in between).
///
/// # Errors
/// [`AppError::NotFound`] for an unknown id; [`AppError::Internal`].
pub async fn set_password(pool: &AnyPool, id: &str, password_hash: &str) -> Result<i64, AppError> {
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, auth_version = auth_version + 1 WHERE id = $2 \
         RETURNING auth_version",
    )
    .bind(password_hash)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    super::signed_in_cache::users_changed();
    let version = version.ok_or(AppError::NotFound)?;
    forget_tokens(pool, id).await?;
    close_sessions(pool, id).await;
    Ok(version)
}

/// Takes every session of account `id` off its list, after its version moved (which has
/// ended them already: a failure here is logged, and the change stands).
async fn close_sessions(pool: &AnyPool, id: &str) {
    if let Err(e) = super::user_sessions::close_all(pool, id).await {
        tracing::warn!(error = %e, "cannot remove the rows of an account's ended sessions");
    }
}

/// Deletes every mailed token of the account: after its password or email changed, old
/// links must not work. The one that keeps an account its owner asked to delete stays
/// (keeping an account harms no one, and the owner must be able to).
async fn forget_tokens(pool: &AnyPool, id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose <> $2")
        .bind(id)
        .bind(super::tokens::Purpose::KeepAccount.name())
        .execute(pool)
        .await?;
    Ok(())
}

/// Records that the account's email is its owner's.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown id; [`AppError::Internal`].
pub async fn mark_email_verified(pool: &AnyPool, id: &str) -> Result<(), AppError> {
    one_row(
        sqlx::query(
            "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(pool)
        .await,
    )
}

/// Changes the account's email to a verified new one; links mailed before stop working.
///
/// # Errors
/// A validation error on `email` when another account has it; [`AppError::NotFound`];
/// [`AppError::Internal`].
pub async fn set_verified_email(pool: &AnyPool, id: &str, email: &str) -> Result<(), AppError> {
    let result = sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
        .bind(email)
        .bind(now())
        .bind(id)
        .execute(pool)
        .await;
    match result {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::field(
            "new_email",
            "an account with this email already exists",
        )),
        other => {
            one_row(other)?;
            forget_tokens(pool, id).await
        }
    }
}

/// Every account, oldest first, deactivated ones included.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn list(pool: &AnyPool) -> Result<Vec<Account>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, {IS_ACTIVE} FROM users ORDER BY created_at, id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Account {
                user: to_user(row)?,
                is_active: flag(row, "is_active")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// How many accounts there are, deactivated ones included.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn count(pool: &AnyPool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

/// The addresses of the active staff, sorted: whom mail meant for staff goes to. Takes
/// any executor, so that a job can read them in the transaction that enqueues the mail.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn staff_emails<'e, E>(executor: E) -> Result<Vec<String>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT email FROM users WHERE is_staff = TRUE AND is_active = TRUE ORDER BY email",
    )
    .fetch_all(executor)
    .await?)
}

/// Grants or removes staff rights.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown id; [`AppError::Internal`] when the database fails.
pub async fn set_staff(pool: &AnyPool, id: &str, is_staff: bool) -> Result<(), AppError> {
    one_row(
        sqlx::query("UPDATE users SET is_staff = $1 WHERE id = $2")
            .bind(is_staff)
            .bind(id)
            .execute(pool)
            .await,
    )
}

/// Deactivates an account (it can no longer sign in, and every session it had ends for
/// good: making it active again does not bring them back) or makes it active again.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown id; [`AppError::Internal`] when the database fails.
pub async fn set_active(pool: &AnyPool, id: &str, is_active: bool) -> Result<(), AppError> {
    let statement = if is_active {
        "UPDATE users SET is_active = TRUE WHERE id = $1"
    } else {
        "UPDATE users SET is_active = FALSE, auth_version = auth_version + 1 WHERE id = $1"
    };
    one_row(sqlx::query(statement).bind(id).execute(pool).await)?;
    if !is_active {
        close_sessions(pool, id).await;
    }
    Ok(())
}

/// Changes an account's display name.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown id; [`AppError::Internal`] when the database fails.
pub async fn set_name(pool: &AnyPool, id: &str, name: &str) -> Result<(), AppError> {
    one_row(
        sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(pool)
            .await,
    )
}

/// The outcome of an update of one account by id: [`AppError::NotFound`] when no row
/// matched. Remembered sign-ins are looked up again ([`super::signed_in_cache`]).
fn one_row(result: Result<AnyQueryResult, sqlx::Error>) -> Result<(), AppError> {
    super::signed_in_cache::users_changed();
    match result?.rows_affected() {
        0 => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

/// Records a successful sign-in.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn touch_last_login(pool: &AnyPool, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
