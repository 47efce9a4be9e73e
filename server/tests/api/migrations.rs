//! Start-up applies the migrations to a fresh SQLite file, once.

use server::startup::MIGRATOR;

use crate::helpers::{spawn_app, spawn_app_in};

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
    assert!(
        app.data_dir.path().join("mizan.db").is_file(),
        "the SQLite file is created in the data directory"
    );
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
async fn restart_on_the_same_database_keeps_data_and_migrates_nothing_twice() {
    let first = spawn_app().await;
    sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ('kept', '{}', 0)")
        .execute(&first.state.db)
        .await
        .expect("insert");
    let before = applied_versions(&first).await;
    let data_dir = first.shutdown().await.expect("clean shutdown");

    let second = spawn_app_in(data_dir, &[]).await;
    assert_eq!(applied_versions(&second).await, before);
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = 'kept'")
        .fetch_one(&second.state.db)
        .await
        .expect("count");
    assert_eq!(kept, 1);
}
