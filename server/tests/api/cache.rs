//! The showcase's cached report, and the `cache` command of this app's binary (the
//! framework's cache itself is tested on its fixture: `mizan/tests/fixture/cache.rs`).

use crate::helpers::SignUp;
use std::process::Command;
use std::time::Duration;

use mizan::AppError;
use mizan::cache::{Cache, CacheSpec, KeyMaker, RedisStore, Scope};
use mizan::testing::RedisServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

/// The secret of the published test vectors (`docs/cache-keys.md`).
const SECRET: &str = "test-secret-key-0123456789abcdef";

async fn stats(app: &crate::helpers::TestApp, client: &reqwest::Client) -> Value {
    let response = app.call(client, "site_stats", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

/// A staff member signs up and purges the report (`refresh_site_stats`).
async fn staff_refreshes_site_stats(app: &crate::helpers::TestApp) {
    let staff = app.signed_up("staff@example.com").await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'staff@example.com'")
        .await;
    assert_eq!(
        app.call(&staff, "refresh_site_stats", &[]).await.status(),
        StatusCode::OK
    );
}

/// The demo report over HTTP: computed once, then served (a sign-up meanwhile is not in
/// it); staff purge it.
async fn report_is_cached_and_staff_purge_it(app: crate::helpers::TestApp) {
    let visitor = app.visitor();
    let first = stats(&app, &visitor).await;
    assert_eq!(first["users"], 0, "{first}");
    let user = app.signed_up("plain@example.com").await;
    let second = stats(&app, &app.visitor()).await;
    assert_eq!(second, first, "another visitor gets the cached report");

    assert_eq!(
        app.call(&user, "refresh_site_stats", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    staff_refreshes_site_stats(&app).await;
    let third = stats(&app, &visitor).await;
    assert_eq!(third["users"], 2, "recomputed after the purge: {third}");
}

#[tokio::test]
async fn the_demo_report_is_cached_in_process() {
    report_is_cached_and_staff_purge_it(spawn_app().await).await;
}

#[tokio::test]
async fn the_demo_report_is_cached_in_redis() {
    let redis = RedisServer::start();
    report_is_cached_and_staff_purge_it(spawn_app_with(&[("REDIS_URL", redis.url())]).await).await;
}

fn cache_command(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("MIZAN_DATA_DIR", dir.path())
        .env("SECRET_KEY", SECRET)
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .arg("cache")
        .args(args)
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[tokio::test]
async fn the_command_line_prints_keys_and_purges_redis() {
    // The published vector: echo {"text":"hello"}.
    let (ok, out) = cache_command(&["key", "echo", r#"{"text": "hello"}"#], &[]);
    assert!(ok, "{out}");
    let digest = "0ff19552d126d4abc82434988e2d2f9053b2dc6680a77e040d9d4e98ad0083e2";
    assert!(out.contains(digest), "{out}");
    assert!(
        out.contains(&format!("mizan:cache:echo:v0:shared:{digest}")),
        "{out}"
    );

    // The edge worker's key for this secret, as docs/cache-keys.md publishes it.
    let (ok, out) = cache_command(&["edge-key"], &[]);
    assert!(ok, "{out}");
    assert_eq!(
        out.trim(),
        "5b110fa3f4deefa8554a7ab02461a145b6b06fbec4622be63163cf849a2870ba"
    );

    let (ok, out) = cache_command(&["purge", "site_stats"], &[]);
    assert!(!ok && out.contains("REDIS_URL"), "{out}");

    let redis = RedisServer::start();
    let connection = mizan::server::redis_client::connect(&redis.url())
        .await
        .expect("redis answers")
        .connection;
    let cache = Cache::redis(
        KeyMaker::new(SECRET.as_bytes()),
        RedisStore::new(connection, Duration::from_millis(200)),
    );
    let spec = CacheSpec {
        name: "site_stats",
        ttl: Duration::from_secs(60),
        scope: Scope::Shared,
    };
    let get = async |value: &str| {
        cache
            .get_or_compute(&spec, None, &json!({}), || async {
                Ok::<_, AppError>(value.to_owned())
            })
            .await
            .expect("computed")
    };
    get("cached").await;
    let url = redis.url();
    let (ok, out) = cache_command(&["purge", "site_stats", "{}"], &[("REDIS_URL", &url)]);
    assert!(ok, "{out}");
    assert_eq!(get("new").await, "new");
    let (ok, out) = cache_command(&["purge", "site_stats"], &[("REDIS_URL", &url)]);
    assert!(ok, "{out}");
    assert_eq!(cache.version("site_stats").await.expect("version"), 1);
}
