//! The database pool: one type for SQLite and PostgreSQL, chosen by `DATABASE_URL`.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, Executor};

/// Opens a pool for `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite connections are put in WAL mode so that readers do not wait for a writer.
///
/// # Errors
/// The driver's error when the database cannot be reached or opened.
pub async fn connect(url: &str) -> Result<AnyPool, sqlx::Error> {
    install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
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

/// Applies the migrations that have not run yet.
///
/// # Errors
/// The first migration that fails, or a database changed behind the migrator's back.
pub async fn migrate(pool: &AnyPool, migrator: &Migrator) -> Result<(), MigrateError> {
    migrator.run(pool).await
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
