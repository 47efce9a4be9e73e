//! The origin cache, against both stores: in-process, and a real `redis-server`.

use crate::helpers::SignUp;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use mizan::AppError;
use mizan::cache::{Cache, CacheSpec, KeyMaker, MEMORY_CAPACITY, Outcome, RedisStore, Scope};
use mizan::routes::EDGE_MANIFEST;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};
use crate::redis_server::RedisServer;

/// The secret of the published test vectors (`docs/cache-keys.md`).
const SECRET: &str = "test-secret-key-0123456789abcdef";

fn spec(name: &'static str, ttl: Duration, scope: Scope) -> CacheSpec {
    CacheSpec { name, ttl, scope }
}

async fn redis_cache(redis: &RedisServer) -> Cache {
    let redis = mizan::server::redis_client::connect(&redis.url())
        .await
        .expect("redis answers");
    Cache::redis(
        KeyMaker::new(SECRET.as_bytes()),
        RedisStore::new(redis.connection, Duration::from_millis(200)),
    )
}

/// Each test runs on both stores.
async fn both_stores(test: impl AsyncFn(Cache, &str)) {
    test(
        Cache::in_memory(KeyMaker::new(SECRET.as_bytes()), MEMORY_CAPACITY),
        "memory",
    )
    .await;
    let redis = RedisServer::start();
    test(redis_cache(&redis).await, "redis").await;
}

/// A computation that counts how often it runs.
#[derive(Clone, Default)]
struct Counted(Arc<AtomicU32>);

impl Counted {
    async fn run(&self, value: &str) -> Result<String, AppError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(value.to_owned())
    }

    fn runs(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

async fn get(
    cache: &Cache,
    spec: &CacheSpec,
    user: Option<&str>,
    params: &Value,
    counted: &Counted,
    value: &str,
) -> String {
    cache
        .get_or_compute(spec, user, params, counted.run(value))
        .await
        .expect("computed")
}

#[tokio::test]
async fn a_miss_computes_and_stores_and_a_hit_does_not_compute() {
    both_stores(async |cache, store| {
        let spec = spec("f", Duration::from_secs(60), Scope::Shared);
        let counted = Counted::default();
        let params = json!({"text": "hi"});
        assert_eq!(
            get(&cache, &spec, None, &params, &counted, "one").await,
            "one"
        );
        assert_eq!(
            get(&cache, &spec, None, &params, &counted, "two").await,
            "one",
            "{store}"
        );
        assert_eq!(counted.runs(), 1, "{store}");
        assert_eq!(cache.metrics().count("f", Outcome::Miss), 1, "{store}");
        assert_eq!(cache.metrics().count("f", Outcome::Hit), 1, "{store}");
        // Other params are another entry.
        assert_eq!(
            get(
                &cache,
                &spec,
                None,
                &json!({"text": "ho"}),
                &counted,
                "three"
            )
            .await,
            "three"
        );
    })
    .await;
}

#[tokio::test]
async fn entries_expire_after_their_ttl() {
    both_stores(async |cache, store| {
        let spec = spec("f", Duration::from_millis(300), Scope::Shared);
        let counted = Counted::default();
        get(&cache, &spec, None, &json!({}), &counted, "old").await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            get(&cache, &spec, None, &json!({}), &counted, "new").await,
            "new",
            "{store}"
        );
        assert_eq!(counted.runs(), 2, "{store}");
    })
    .await;
}

#[tokio::test]
async fn errors_are_never_cached() {
    both_stores(async |cache, store| {
        let spec = spec("f", Duration::from_secs(60), Scope::Shared);
        let failed: Result<String, AppError> = cache
            .get_or_compute(&spec, None, &json!({}), async { Err(AppError::NotFound) })
            .await;
        assert_eq!(failed, Err(AppError::NotFound), "{store}");
        let counted = Counted::default();
        assert_eq!(
            get(&cache, &spec, None, &json!({}), &counted, "ok").await,
            "ok",
            "{store}"
        );
    })
    .await;
}

#[tokio::test]
async fn purging_one_entry_leaves_the_others_and_empty_params_are_their_own_entry() {
    both_stores(async |cache, store| {
        let spec = spec("f", Duration::from_secs(60), Scope::Shared);
        let counted = Counted::default();
        for params in [json!({}), json!({"a": 1}), json!({"a": 2})] {
            get(&cache, &spec, None, &params, &counted, "cached").await;
        }
        assert_eq!(counted.runs(), 3);

        // `{}` names exactly the entry of a call without arguments, not "everything".
        assert!(
            cache
                .purge("f", &json!({}), Scope::Shared, None)
                .await
                .expect("purge"),
            "{store}"
        );
        assert!(
            !cache
                .purge("f", &json!({}), Scope::Shared, None)
                .await
                .expect("purge"),
            "{store}"
        );
        assert_eq!(
            get(&cache, &spec, None, &json!({"a": 1}), &counted, "new").await,
            "cached",
            "{store}"
        );
        assert_eq!(
            get(&cache, &spec, None, &json!({}), &counted, "new").await,
            "new",
            "{store}"
        );

        assert!(
            cache
                .purge("f", &json!({"a": 2}), Scope::Shared, None)
                .await
                .expect("purge")
        );
        assert_eq!(
            get(&cache, &spec, None, &json!({"a": 2}), &counted, "new").await,
            "new",
            "{store}"
        );
        assert_eq!(
            get(&cache, &spec, None, &json!({"a": 1}), &counted, "new").await,
            "cached",
            "{store}"
        );
    })
    .await;
}

#[tokio::test]
async fn purging_a_function_removes_every_entry_of_it_and_nothing_else() {
    both_stores(async |cache, store| {
        let f = spec("f", Duration::from_secs(60), Scope::User);
        let g = spec("g", Duration::from_secs(60), Scope::Shared);
        let counted = Counted::default();
        for user in [Some("u1"), Some("u2"), None] {
            get(&cache, &f, user, &json!({"a": 1}), &counted, "cached").await;
        }
        get(&cache, &g, None, &json!({}), &counted, "cached").await;

        cache.purge_all("f").await.expect("purge");
        for user in [Some("u1"), Some("u2"), None] {
            assert_eq!(
                get(&cache, &f, user, &json!({"a": 1}), &counted, "new").await,
                "new",
                "{store}"
            );
        }
        assert_eq!(
            get(&cache, &g, None, &json!({}), &counted, "new").await,
            "cached",
            "{store}"
        );
        assert_eq!(cache.version("f").await.expect("version"), 1);
    })
    .await;
}

#[tokio::test]
async fn per_user_entries_are_never_shared() {
    both_stores(async |cache, store| {
        let spec = spec("mine", Duration::from_secs(60), Scope::User);
        let counted = Counted::default();
        assert_eq!(
            get(
                &cache,
                &spec,
                Some("alice"),
                &json!({}),
                &counted,
                "alice's"
            )
            .await,
            "alice's"
        );
        assert_eq!(
            get(&cache, &spec, Some("bob"), &json!({}), &counted, "bob's").await,
            "bob's",
            "{store}"
        );
        assert_eq!(
            get(&cache, &spec, None, &json!({}), &counted, "nobody's").await,
            "nobody's",
            "{store}"
        );
        assert_eq!(
            get(&cache, &spec, Some("alice"), &json!({}), &counted, "x").await,
            "alice's",
            "{store}"
        );
        // Purging one user's entry leaves the others'.
        assert!(
            cache
                .purge("mine", &json!({}), Scope::User, Some("alice"))
                .await
                .expect("purge")
        );
        assert_eq!(
            get(&cache, &spec, Some("bob"), &json!({}), &counted, "x").await,
            "bob's",
            "{store}"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_misses_compute_once() {
    both_stores(async |cache, store| {
        let spec = spec("slow", Duration::from_secs(60), Scope::Shared);
        let runs = Arc::new(AtomicU32::new(0));
        let calls = (0..20).map(|_| {
            let (cache, runs) = (cache.clone(), runs.clone());
            tokio::spawn(async move {
                cache
                    .get_or_compute(&spec, None, &json!({}), async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok::<_, AppError>("computed".to_owned())
                    })
                    .await
            })
        });
        for call in futures_join(calls).await {
            assert_eq!(call.as_deref(), Ok("computed"));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{store}");
    })
    .await;
}

async fn futures_join<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn with_redis_down_results_are_computed_and_served_and_the_cache_recovers() {
    let mut redis = RedisServer::start();
    let cache = redis_cache(&redis).await;
    let spec = spec("f", Duration::from_secs(60), Scope::Shared);
    let counted = Counted::default();
    get(&cache, &spec, None, &json!({}), &counted, "first").await;

    redis.stop();
    for value in ["second", "third"] {
        assert_eq!(
            get(&cache, &spec, None, &json!({}), &counted, value).await,
            value
        );
    }
    assert!(cache.metrics().count("f", Outcome::Error) >= 2);

    redis.restart();
    // The connection comes back by itself (the restarted Redis is empty): soon a value
    // is stored again and the next call is served it instead of computing its own.
    let mut served_from_cache = false;
    for attempt in 0..50 {
        let stored = get(
            &cache,
            &spec,
            None,
            &json!({}),
            &counted,
            &format!("a{attempt}"),
        )
        .await;
        let next = get(
            &cache,
            &spec,
            None,
            &json!({}),
            &counted,
            &format!("b{attempt}"),
        )
        .await;
        if next == stored {
            served_from_cache = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        served_from_cache,
        "the cache works again once Redis is back"
    );
}

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

/// The demo report over HTTP: computed once, then served; staff purge it.
async fn report_is_cached_and_staff_purge_it(app: crate::helpers::TestApp) {
    let visitor = app.visitor();
    let first = stats(&app, &visitor).await;
    assert!(
        first["took_ms"].as_u64().expect("took_ms") >= 300,
        "{first}"
    );
    let started = std::time::Instant::now();
    let second = stats(&app, &app.visitor()).await;
    assert_eq!(second, first, "another visitor gets the cached report");
    assert!(started.elapsed() < Duration::from_millis(250));

    let user = app.signed_up("plain@example.com").await;
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

#[tokio::test]
async fn a_per_user_function_never_answers_with_someone_elses_result() {
    let redis = RedisServer::start();
    let app = spawn_app_with(&[("REDIS_URL", redis.url())]).await;
    let alice = app.signed_up("alice@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let message = [
        ("__form", "contact"),
        ("name", "Alice"),
        ("email", "alice@example.com"),
        ("subject", "Hello"),
        ("message", "A message from Alice."),
    ];
    let count = async |client: &reqwest::Client| -> Value {
        app.call(client, "my_message_count", &[])
            .await
            .json()
            .await
            .expect("JSON")
    };
    assert_eq!(count(&alice).await["sent"], 0);
    assert_eq!(count(&bob).await["sent"], 0);
    // Sending purges the sender's entry, and only the sender's.
    let sent = app.call(&alice, "contact.submit", &message[1..]).await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(count(&alice).await["sent"], 1);
    assert_eq!(count(&bob).await["sent"], 0);
    assert_eq!(
        app.call(&app.visitor(), "my_message_count", &[])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn every_kind_of_response_says_no_store() {
    let app = spawn_app().await;
    let user = app.signed_up("someone@example.com").await;
    let huge = "x".repeat(100 * 1024);
    let cases: Vec<(&str, reqwest::Response)> = vec![
        ("page", app.get("/").await),
        ("404 page", app.get("/no/such/page").await),
        ("redirect", app.get("/account").await),
        ("403 page", app.page(&user, "/staff").await),
        (
            "function",
            app.call(&app.visitor(), "echo", &[("text", "hi")]).await,
        ),
        (
            "function error",
            app.call(&app.visitor(), "list_users", &[]).await,
        ),
        (
            "validation error",
            app.call(&app.visitor(), "contact.submit", &[]).await,
        ),
        (
            "too large",
            app.call(&app.visitor(), "echo", &[("text", &huge)]).await,
        ),
        (
            "cross-site",
            app.visitor()
                .post(app.url("/api/echo"))
                .header("sec-fetch-site", "cross-site")
                .form(&[("text", "x")])
                .send()
                .await
                .expect("request"),
        ),
        ("health", app.get("/healthz").await),
        ("readiness", app.get("/readyz").await),
        (
            "schema",
            app.client
                .get(app.url("/api/contact.schema"))
                .send()
                .await
                .expect("request"),
        ),
    ];
    for (what, response) in cases {
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap_or("")),
            Some("no-store"),
            "{what}: {}",
            response.status()
        );
    }
}

#[tokio::test]
async fn metrics_count_the_cache_and_are_closed_in_production_without_a_token() {
    let app = spawn_app().await;
    app.call(&app.visitor(), "site_stats", &[]).await;
    app.call(&app.visitor(), "site_stats", &[]).await;
    let text = app.get("/metrics").await.text().await.expect("body");
    assert!(
        text.contains("mizan_cache_misses_total{function=\"site_stats\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("mizan_cache_hits_total{function=\"site_stats\"} 1"),
        "{text}"
    );

    let production = [
        ("MIZAN_ENV", "production".to_owned()),
        ("SECRET_KEY", SECRET.to_owned()),
    ];
    let closed = spawn_app_with(&production).await;
    assert_eq!(closed.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let mut with_token = production.to_vec();
    with_token.push(("MIZAN_METRICS_TOKEN", "s3cret-token".to_owned()));
    let guarded = spawn_app_with(&with_token).await;
    assert_eq!(
        guarded.get("/metrics").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let allowed = guarded
        .client
        .get(guarded.url("/metrics"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .expect("request");
    assert_eq!(allowed.status(), StatusCode::OK);
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
    let cache = redis_cache(&redis).await;
    let spec = spec("site_stats", Duration::from_secs(60), Scope::Shared);
    let counted = Counted::default();
    get(&cache, &spec, None, &json!({}), &counted, "cached").await;
    let url = redis.url();
    let (ok, out) = cache_command(&["purge", "site_stats", "{}"], &[("REDIS_URL", &url)]);
    assert!(ok, "{out}");
    assert_eq!(
        get(&cache, &spec, None, &json!({}), &counted, "new").await,
        "new"
    );
    let (ok, out) = cache_command(&["purge", "site_stats"], &[("REDIS_URL", &url)]);
    assert!(ok, "{out}");
    assert_eq!(cache.version("site_stats").await.expect("version"), 1);
}

/// The manifest the edge worker reads: what it may cache and each function's version,
/// which a purge of every entry moves on; with `MIZAN_EDGE_URL` set, purges are queued for
/// the worker (no workers here: the queue keeps them).
#[tokio::test]
async fn the_edge_manifest_lists_shared_public_functions_and_purges_are_queued_for_the_edge() {
    let app = spawn_app_with(&[
        ("MIZAN_EDGE_URL", "http://127.0.0.1:9".into()),
        ("MIZAN_JOB_WORKERS", "0".into()),
    ])
    .await;
    let manifest = async || -> Value {
        let response = app.get(EDGE_MANIFEST).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON")
    };
    let before = manifest().await;
    let functions = before["functions"].as_object().expect("functions");
    let mut names: Vec<&str> = functions.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["greet", "site_stats"]);
    assert_eq!(
        before["functions"]["greet"],
        json!({"name": "greet", "path": "/api/greet", "method": "POST", "ttl_seconds": 60,
               "args": [{"name": "name", "type": "string"}], "version": 0})
    );
    assert_eq!(
        before["not_at_edge"]["my_message_count"],
        "it needs a signed-in caller"
    );

    staff_refreshes_site_stats(&app).await;
    let after = manifest().await;
    assert_eq!(after["functions"]["site_stats"]["version"], 1);
    assert_eq!(after["functions"]["greet"]["version"], 0);
    let queued: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM mizan_jobs WHERE kind = 'mizan.edge_purge'")
            .fetch_all(&app.state.db)
            .await
            .expect("jobs");
    let queued: Vec<Value> = queued
        .iter()
        .map(|p| serde_json::from_str(p).expect("JSON"))
        .collect();
    assert_eq!(queued, [json!({"name": "site_stats", "digest": null})]);

    // Without an edge there is no manifest.
    let without = spawn_app().await;
    assert_eq!(
        without.get(EDGE_MANIFEST).await.status(),
        StatusCode::NOT_FOUND
    );
}
