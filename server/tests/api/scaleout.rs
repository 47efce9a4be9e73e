//! Two server processes (the real binary, twice) sharing one database and one Redis, as
//! behind a load balancer: sessions, channels and the cache work across them, and they
//! recover when Redis restarts. The database is PostgreSQL when `TEST_DATABASE_URL` is
//! set (as in `./scripts/test`'s second run), a shared SQLite file otherwise.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::chat;
use crate::helpers::{TEST_PASSWORD, TestSettings};
use mizan::testing::RedisServer;
use mizan::testing::socket::{Socket, next_within};

/// One server process.
struct Process {
    child: Child,
    addr: SocketAddr,
}

impl Process {
    fn start(settings: &TestSettings) -> Self {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .envs(settings.env())
            .env("LEPTOS_SITE_ADDR", addr.to_string())
            .env("LEPTOS_OUTPUT_NAME", "app")
            .env("RUST_LOG", "warn")
            .current_dir(settings.data_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary runs");
        let process = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "server on {addr} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        process
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: one cookie jar, whichever server it talks to (cookies ignore ports).
struct Browser {
    jar: std::sync::Arc<Jar>,
    client: reqwest::Client,
}

impl Browser {
    fn new() -> Self {
        let jar = std::sync::Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(crate::helpers::REQUEST_TIMEOUT)
            .build()
            .expect("client");
        Self { jar, client }
    }

    async fn call(
        &self,
        server: &Process,
        name: &str,
        args: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let response = self
            .client
            .post(server.url(&format!("/api/{name}")))
            .form(args)
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn cookie(&self, server: &Process) -> String {
        let url = server.url("/").parse().expect("URL");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .expect("a session cookie")
    }
}

async fn sign_up(browser: &Browser, server: &Process, email: &str, name: &str) {
    let (status, body) = browser
        .call(
            server,
            "signup.submit",
            &[
                ("email", email),
                ("password", TEST_PASSWORD),
                ("name", name),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn log_in(browser: &Browser, server: &Process, email: &str) {
    let (status, body) = browser
        .call(
            server,
            "login.submit",
            &[("email", email), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn join(browser: &Browser, server: &Process, room: &str) -> Socket {
    chat::open(server.addr, room, Some(&browser.cookie(server)), None)
        .await
        .expect("connected")
}

/// Sends from `from` until `to` receives it (each server subscribes to Redis shortly after
/// it starts, or after Redis restarts).
async fn chat_reaches(from: &mut Socket, to: &mut Socket) -> bool {
    for attempt in 0..40 {
        let text = format!("ping {attempt}");
        if from
            .send(Message::text(json!({ "text": text }).to_string()))
            .await
            .is_err()
        {
            return false;
        }
        if let Some(frame) = next_within(to, Duration::from_millis(250)).await
            && frame["text"] == text.as_str()
        {
            return true;
        }
    }
    false
}

async fn two_servers(redis: &RedisServer) -> (TestSettings, Process, Process) {
    let settings = crate::helpers::test_settings(&[("REDIS_URL", redis.url())]).await;
    let a = Process::start(&settings);
    let b = Process::start(&settings);
    (settings, a, b)
}

#[tokio::test]
async fn sessions_are_shared_and_logging_out_on_one_server_ends_them_on_the_other() {
    let redis = RedisServer::start();
    let (_settings, a, b) = two_servers(&redis).await;
    let ada = Browser::new();
    sign_up(&ada, &a, "ada@example.com", "Ada").await;

    let (status, body) = ada.call(&b, "account_summary", &[]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session made on A is valid on B: {body}"
    );
    assert_eq!(body["name"], "Ada");

    let (status, _) = ada.call(&b, "logout", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ada.call(&a, "account_summary", &[]).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "logging out on B ended it on A"
    );
}

#[tokio::test]
async fn a_chat_message_sent_through_one_server_reaches_a_member_on_the_other() {
    let redis = RedisServer::start();
    let (_settings, a, b) = two_servers(&redis).await;
    let (ada, bob) = (Browser::new(), Browser::new());
    sign_up(&ada, &a, "ada@example.com", "Ada").await;
    sign_up(&bob, &b, "bob@example.com", "Bob").await;
    let mut on_a = join(&ada, &a, "lobby").await;
    let mut on_b = join(&bob, &b, "lobby").await;
    assert!(chat_reaches(&mut on_a, &mut on_b).await, "A → B");
    assert!(chat_reaches(&mut on_b, &mut on_a).await, "B → A");
}

#[tokio::test]
async fn a_cache_purge_on_one_server_is_seen_by_the_other() {
    let redis = RedisServer::start();
    let (settings, a, b) = two_servers(&redis).await;
    let visitor = Browser::new();
    let (_, first) = visitor.call(&a, "site_stats", &[]).await;
    let (_, from_b) = visitor.call(&b, "site_stats", &[]).await;
    assert_eq!(from_b, first, "B answers from the entry A stored");

    let staff = Browser::new();
    sign_up(&staff, &a, "staff@example.com", "Staff").await;
    let db_url = settings
        .env()
        .into_iter()
        .find(|(n, _)| *n == "DATABASE_URL")
        .map(|(_, v)| v);
    promote_to_staff(&settings, db_url.as_deref(), "staff@example.com").await;
    let (status, _) = staff.call(&a, "refresh_site_stats", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = visitor.call(&b, "site_stats", &[]).await;
    assert_eq!(
        after["users"], 1,
        "B computed it again after A's purge: {after}"
    );
}

async fn promote_to_staff(settings: &TestSettings, db_url: Option<&str>, email: &str) {
    let url = db_url.map_or_else(
        || {
            format!(
                "sqlite://{}",
                settings.data_dir.path().join("mizan.db").display()
            )
        },
        str::to_owned,
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("database");
    sqlx::query("UPDATE users SET is_staff = TRUE WHERE email = $1")
        .bind(email)
        .execute(&pool)
        .await
        .expect("promoted");
    pool.close().await;
}

#[tokio::test]
async fn after_redis_restarts_sessions_and_channels_work_again_without_a_server_restart() {
    let mut redis = RedisServer::start();
    let (_settings, a, b) = two_servers(&redis).await;
    let (ada, bob) = (Browser::new(), Browser::new());
    sign_up(&ada, &a, "ada@example.com", "Ada").await;
    sign_up(&bob, &b, "bob@example.com", "Bob").await;

    redis.restart();
    // The restarted Redis is empty: sessions are gone. Signing in again works at once on
    // either server: the first command on a dropped connection is tried once more.
    let (status, _) = ada.call(&a, "account_summary", &[]).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the sessions were in the old Redis"
    );
    log_in(&ada, &a, "ada@example.com").await;
    log_in(&bob, &b, "bob@example.com").await;
    let (status, _) = ada.call(&b, "account_summary", &[]).await;
    assert_eq!(status, StatusCode::OK, "the new session is shared again");

    let mut on_a = join(&ada, &a, "lobby").await;
    let mut on_b = join(&bob, &b, "lobby").await;
    assert!(
        chat_reaches(&mut on_a, &mut on_b).await,
        "channels resubscribed after the restart"
    );
}

#[tokio::test]
async fn sign_in_limits_are_shared_by_the_servers() {
    let redis = RedisServer::start();
    let (_settings, a, b) = two_servers(&redis).await;
    let ada = Browser::new();
    sign_up(&ada, &a, "ada@example.com", "Ada").await;

    // Five wrong passwords a minute per account, wherever they land.
    let guesser = Browser::new();
    let guess = |server| {
        guesser.call(
            server,
            "login.submit",
            &[("email", "ada@example.com"), ("password", "a wrong guess")],
        )
    };
    for attempt in 0..5 {
        let (status, body) = guess(if attempt % 2 == 0 { &a } else { &b }).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}: {body}"
        );
    }
    for server in [&b, &a] {
        let (status, body) = guess(server).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"], "rate_limited");
    }
}
