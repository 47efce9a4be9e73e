//! The database pool: one type for SQLite and PostgreSQL, chosen by `DATABASE_URL`.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, Executor};

/// Opens a pool of at most `max_connections` for `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite connections are put in WAL mode so that readers do not wait for a writer.
///
/// # Errors
/// The driver's error when the database cannot be reached or opened.
pub async fn connect(url: &str, max_connections: u32) -> Result<AnyPool, sqlx::Error> {
    install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
}

/// [`connect`], trying again (every 0.25 s, doubling up to 2 s) until `wait` has passed:
/// a database that starts beside the server (compose, CI) may answer a moment later.
///
/// # Errors
/// The last error, once `wait` is over.
pub async fn connect_waiting(
    url: &str,
    max_connections: u32,
    wait: Duration,
) -> Result<AnyPool, sqlx::Error> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut pause = Duration::from_millis(250);
    loop {
        match connect(url, max_connections).await {
            Ok(pool) => return Ok(pool),
            Err(e) if tokio::time::Instant::now() + pause < deadline => {
                tracing::warn!(error = %e, "the database does not answer yet; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Applies what has not run yet: the framework's migrations first (tracked in their own
/// table: [`super::migrations`]), then the app's (`app`, from its own `migrations/`, in
/// `_sqlx_migrations`).
///
/// # Errors
/// The first migration that fails, or a database changed behind the migrator's back.
pub async fn migrate(pool: &AnyPool, app: Option<&Migrator>) -> Result<(), MigrateError> {
    super::migrations::run(pool).await?;
    match app {
        Some(app) => app.run(pool).await,
        None => Ok(()),
    }
}

/// Checks that the database answers a trivial query.
///
/// # Errors
/// The driver's error when it does not.
pub async fn ping(pool: &AnyPool) -> Result<(), sqlx::Error> {
    pool.execute("SELECT 1").await.map(|_| ())
}

/// A new row id: a UUIDv7 as text (time-ordered, so recent rows sort last).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The current time as Unix seconds, as every table stores times.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
