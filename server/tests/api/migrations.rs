//! Start-up applies the migrations to a fresh database (SQLite or PostgreSQL), once.

use server::startup::MIGRATOR;

use crate::helpers::{spawn_app, spawn_app_from};

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
    let expected: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    assert!(!expected.is_empty());
    assert_eq!(applied_versions(&app).await, expected);

    // The tables they create are there and usable.
    sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ('s1', '{}', 0)")
        .execute(&app.state.db)
        .await
        .expect("sessions table accepts a row");
}

#[tokio::test]
async fn restart_on_the_same_database_keeps_data_prunes_sessions_and_migrates_nothing_twice() {
    let first = spawn_app().await;
    sqlx::query(
        "INSERT INTO sessions (id, data, expires_at) VALUES ('kept', '{}', 4102444800), \
         ('expired', '{}', 0)",
    )
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
    assert_eq!(
        ids,
        ["kept"],
        "live sessions stay; expired ones are pruned at start-up"
    );
}
