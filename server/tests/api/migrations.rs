//! Start-up applies the migrations to a fresh database (SQLite or PostgreSQL), once: the
//! framework's tracked in `mizan_migrations`, the app's in `_sqlx_migrations`.

use mizan::server::migrations;
use server::startup::app_migrations;
use sqlx::migrate::Migrator;

use crate::helpers::{TestApp, spawn_app, spawn_app_from};

fn versions(migrator: &Migrator) -> Vec<i64> {
    migrator.iter().map(|m| m.version).collect()
}

async fn versions_in(app: &TestApp, query: &str) -> Vec<i64> {
    sqlx::query_scalar::<_, i64>(query)
        .fetch_all(&app.state.db)
        .await
        .expect("the migrations table exists")
}

/// (the framework's applied versions, the app's).
async fn applied(app: &TestApp) -> (Vec<i64>, Vec<i64>) {
    (
        versions_in(app, "SELECT version FROM mizan_migrations ORDER BY version").await,
        versions_in(
            app,
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .await,
    )
}

fn every_version() -> (Vec<i64>, Vec<i64>) {
    (
        versions(&migrations::framework()),
        versions(&app_migrations()),
    )
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
    assert_eq!((expected.0.len(), expected.1.len()), (5, 3));
    assert_eq!(applied(&app).await, expected, "each set in its own table");

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
    let before = applied(&first).await;
    let settings = first.shutdown().await.expect("clean shutdown");

    let second = spawn_app_from(settings).await;
    assert_eq!(applied(&second).await, before);
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions ORDER BY id")
        .fetch_all(&second.state.db)
        .await
        .expect("sessions");
    assert_eq!(ids, ["kept"], "sessions stay");
}

/// A database made before the framework's migrations were tracked apart: every file
/// applied by one migrator into `_sqlx_migrations`, in version order, as mizan 0.1 did.
#[tokio::test]
async fn a_database_migrated_before_the_split_starts_and_keeps_its_data() {
    let settings = crate::helpers::test_settings(&[]).await;
    let config = settings.config();
    let pool =
        mizan::server::db::connect_waiting(config.database_url.expose(), 1, config.database_wait)
            .await
            .expect("database");
    let mut old: Vec<_> = migrations::framework()
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
    assert_eq!(
        applied(&app).await,
        every_version(),
        "the framework's rows moved to their own table, nothing ran twice"
    );
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = 'u1'")
        .fetch_one(&app.state.db)
        .await
        .expect("the user is still there");
    assert_eq!(email, "old@example.com");
}

#[tokio::test]
async fn a_framework_migration_changed_after_it_ran_stops_the_start() {
    let first = spawn_app().await;
    let version = versions(&migrations::framework())[0];
    first
        .sql(&format!(
            "UPDATE mizan_migrations SET checksum = 'edited' WHERE version = {version}"
        ))
        .await;
    let settings = first.shutdown().await.expect("clean shutdown");
    let built =
        server::startup::build(settings.config(), crate::helpers::test_leptos_options()).await;
    let Err(error) = built else {
        panic!("a server started on a changed framework migration");
    };
    assert!(error.to_string().contains(&version.to_string()), "{error}");
}
