//! Start-up applies the migrations to a fresh database (SQLite or PostgreSQL), once.

use mizan::server::db::framework_migrations;
use server::startup::app_migrations;
use sqlx::migrate::Migrator;

use crate::helpers::{TestSettings, spawn_app, spawn_app_from};

/// Every version, framework's and app's, in order.
fn every_version() -> Vec<i64> {
    let mut versions: Vec<i64> = framework_migrations()
        .iter()
        .chain(app_migrations().iter())
        .map(|m| m.version)
        .collect();
    versions.sort_unstable();
    versions
}

async fn applied_versions(app: &crate::helpers::TestApp) -> Vec<i64> {
    sqlx::query_scalar::<_, i64>(
        "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
    )
    .fetch_all(&app.state.db)
    .await
    .expect("the migrations table exists")
}

#[tokio::test]
async fn fresh_database_gets_every_migration() {
    let app = spawn_app().await;
    if !app.settings.is_postgres() {
        assert!(
            app.settings.data_dir.path().join("mizan.db").is_file(),
            "the SQLite file is created in the data directory"
        );
    }
    let expected = every_version();
    assert_eq!(expected.len(), 8);
    assert_eq!(applied_versions(&app).await, expected);

    // The tables they create are there and usable.
    sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ('s1', '{}', 0)")
        .execute(&app.state.db)
        .await
        .expect("sessions table accepts a row");
}

#[tokio::test]
async fn restart_on_the_same_database_keeps_data_and_migrates_nothing_twice() {
    let first = spawn_app().await;
    sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ('kept', '{}', 4102444800)")
        .execute(&first.state.db)
        .await
        .expect("insert");
    let before = applied_versions(&first).await;
    let settings = first.shutdown().await.expect("clean shutdown");

    let second = spawn_app_from(settings).await;
    assert_eq!(applied_versions(&second).await, before);
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions ORDER BY id")
        .fetch_all(&second.state.db)
        .await
        .expect("sessions");
    assert_eq!(ids, ["kept"], "sessions stay");
}

/// A database made before the framework's migrations moved to `mizan`: every file applied
/// by one migrator, in version order, as the earlier binary did.
#[tokio::test]
async fn a_database_migrated_before_the_split_starts_and_keeps_its_data() {
    let settings = TestSettings::new(&[]).await;
    let config = settings.config();
    let pool =
        mizan::server::db::connect_waiting(config.database_url.expose(), 1, config.database_wait)
            .await
            .expect("database");
    let mut old: Vec<_> = framework_migrations()
        .iter()
        .chain(app_migrations().iter())
        .cloned()
        .collect();
    old.sort_by_key(|m| m.version);
    let old = Migrator {
        migrations: std::borrow::Cow::Owned(old),
        ..Migrator::DEFAULT
    };
    old.run(&pool).await.expect("the old, single set applies");
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_staff, is_superuser, \
         is_active, created_at) VALUES ('u1', 'old@example.com', 'Old', '', FALSE, FALSE, \
         TRUE, 0)",
    )
    .execute(&pool)
    .await
    .expect("a user from before");
    pool.close().await;

    let app = spawn_app_from(settings).await;
    assert_eq!(applied_versions(&app).await, every_version());
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = 'u1'")
        .fetch_one(&app.state.db)
        .await
        .expect("the user is still there");
    assert_eq!(email, "old@example.com");
}
