//! The framework's migrations, tracked apart from the app's: applied versions live in
//! their own table, `mizan_migrations`, so the app's `_sqlx_migrations` holds the app's
//! alone, and a framework upgrade that adds a migration never meets one of the app's.
//!
//! A database from when both shared `_sqlx_migrations` (mizan 0.1) is adopted at the next
//! start: the framework's rows move to `mizan_migrations` with their checksums, in one
//! transaction, and nothing runs twice. Each migration runs in a transaction with its row;
//! on PostgreSQL an advisory lock keeps two servers starting at once from both running it.

use sqlx::migrate::{MigrateError, Migration, Migrator};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

/// The framework's migrations, embedded in the binary.
pub fn framework() -> Migrator {
    sqlx::migrate!("./migrations")
}

/// The advisory lock the framework's migrations hold on PostgreSQL ("mizan" in ASCII).
const LOCK: i64 = 0x6d_697a_616e;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS mizan_migrations ( \
     version BIGINT PRIMARY KEY NOT NULL, \
     description TEXT NOT NULL, \
     checksum TEXT NOT NULL, \
     applied_at BIGINT NOT NULL)";

/// Applies the framework's migrations that have not run yet (adopting those a shared
/// `_sqlx_migrations` recorded).
///
/// # Errors
/// The first migration that fails, or [`MigrateError::VersionMismatch`] for an applied
/// migration whose file changed since.
pub async fn run(pool: &AnyPool) -> Result<(), MigrateError> {
    let migrations: Vec<Migration> = framework()
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .cloned()
        .collect();
    let mut conn = pool.acquire().await?;
    let postgres = conn.backend_name() == "PostgreSQL";
    if postgres {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_lock($1)) AS locked")
            .bind(LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let applied = apply(&mut conn, migrations, postgres).await;
    if postgres {
        // A lock left by a failure ends with the connection anyway.
        let _ = sqlx::query("SELECT 1 FROM (SELECT pg_advisory_unlock($1)) AS unlocked")
            .bind(LOCK)
            .execute(&mut *conn)
            .await;
    }
    applied
}

async fn apply(
    conn: &mut AnyConnection,
    migrations: Vec<Migration>,
    postgres: bool,
) -> Result<(), MigrateError> {
    conn.execute(CREATE_TABLE).await?;
    let mut applied = recorded(conn).await?;
    // Only a database that has never recorded one here can hold them in the shared table
    // (mizan 0.1): every later start skips the look.
    if applied.is_empty() {
        let versions = migrations.iter().map(|m| m.version).collect();
        adopt(conn, versions, postgres).await?;
        applied = recorded(conn).await?;
    }
    for migration in migrations {
        match applied
            .iter()
            .find(|(version, _)| *version == migration.version)
        {
            Some((_, checksum)) if *checksum == hex::encode(&*migration.checksum) => continue,
            Some(_) => return Err(MigrateError::VersionMismatch(migration.version)),
            None => run_one(conn, migration).await?,
        }
    }
    Ok(())
}

/// The framework's migrations recorded so far: version and checksum (hex).
async fn recorded(conn: &mut AnyConnection) -> Result<Vec<(i64, String)>, MigrateError> {
    Ok(
        sqlx::query_as("SELECT version, checksum FROM mizan_migrations")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Runs `migration` and records it, together.
async fn run_one(conn: &mut AnyConnection, migration: Migration) -> Result<(), MigrateError> {
    let mut tx = conn.begin().await?;
    tx.execute(&*migration.sql)
        .await
        .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
    sqlx::query(
        "INSERT INTO mizan_migrations (version, description, checksum, applied_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(migration.version)
    .bind(migration.description.to_string())
    .bind(hex::encode(&*migration.checksum))
    .bind(super::db::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(version = migration.version, description = %migration.description, "framework migration applied");
    Ok(())
}

/// Moves the rows of the framework's `versions` from a shared `_sqlx_migrations`
/// (mizan 0.1) to `mizan_migrations`.
async fn adopt(
    conn: &mut AnyConnection,
    versions: Vec<i64>,
    postgres: bool,
) -> Result<(), MigrateError> {
    let shared = if postgres {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT CAST(to_regclass('_sqlx_migrations') AS TEXT)",
        )
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar::<_, String>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    if shared.is_none() {
        return Ok(());
    }
    let mut tx = conn.begin().await?;
    for version in versions {
        let recorded: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT description, checksum FROM _sqlx_migrations \
             WHERE version = $1 AND success = TRUE",
        )
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((description, checksum)) = recorded else {
            continue;
        };
        sqlx::query(
            "INSERT INTO mizan_migrations (version, description, checksum, applied_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING",
        )
        .bind(version)
        .bind(description)
        .bind(hex::encode(checksum))
        .bind(super::db::now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
            .bind(version)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
