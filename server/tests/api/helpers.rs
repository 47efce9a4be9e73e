//! `spawn_app()`: a real server on a free port with its own data directory.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use leptos::config::LeptosOptions;
use mizan::config::Config;
use mizan::server::AppState;
use reqwest::cookie::{CookieStore, Jar};
use server::startup::Application;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// The password every test account uses.
pub const TEST_PASSWORD: &str = "a long enough password";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its shared state (the database pool among it).
    pub state: AppState,
    /// Its data directory; deleted when the test ends.
    pub data_dir: TempDir,
    /// An HTTP client that does not follow redirects.
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with its own cookie jar: one signed-in (or anonymous) visitor.
    pub fn visitor(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("HTTP client")
    }

    /// Calls the server function at `/api/<name>` with form-encoded `args`, as `client`.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        name: &str,
        args: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{name}")))
            .form(args)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Signs up a new account on a fresh visitor, which stays signed in.
    pub async fn signed_up(&self, email: &str) -> reqwest::Client {
        self.signed_up_as(email, "Test").await.0
    }

    /// Signs up `name` <`email`> on a fresh visitor; returns it and the `Cookie` header
    /// its browser would send (for WebSocket handshakes).
    pub async fn signed_up_as(&self, email: &str, name: &str) -> (reqwest::Client, String) {
        let jar = Arc::new(Jar::default());
        let visitor = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .expect("HTTP client");
        let response = self
            .call(
                &visitor,
                "signup.submit",
                &[
                    ("email", email),
                    ("password", TEST_PASSWORD),
                    ("name", name),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            reqwest::StatusCode::OK,
            "sign-up of {email}"
        );
        let url = self.url("/").parse().expect("URL");
        let cookie = jar
            .cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
            .expect("a session cookie");
        (visitor, cookie)
    }

    /// Runs SQL against the app's database (to grant roles, deactivate accounts…).
    pub async fn sql(&self, statement: &str) {
        sqlx::query(statement)
            .execute(&self.state.db)
            .await
            .expect("SQL runs");
    }

    /// The id of the account with this email.
    pub async fn user_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.db)
            .await
            .expect("the account exists")
    }

    /// Sends `GET path` as an anonymous browser navigation would (`Accept: text/html`).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.page(&self.client, path).await
    }

    /// Loads the page at `path` as `client`, the way a browser navigates to it.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(self.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Stops the server gracefully, waits for it to finish and closes its database pool.
    /// Returns the data directory, so that a test can start a server on it again.
    pub async fn shutdown(mut self) -> std::io::Result<TempDir> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task does not panic")?;
        }
        self.state.db.close().await;
        Ok(self.data_dir)
    }
}

/// Settings for a test server: a fresh data directory and port 0, plus `extra`
/// variables (`REDIS_URL`, …).
pub fn test_config(data_dir: &TempDir, extra: &[(&str, String)]) -> Config {
    let mut vars = HashMap::from([
        ("MIZAN_DATA_DIR", data_dir.path().display().to_string()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
    ]);
    vars.extend(extra.iter().cloned());
    Config::load(|name| vars.get(name).cloned()).expect("test settings are valid")
}

/// Leptos options as cargo-leptos would give them, with no built assets.
pub fn test_leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("mizan")
        .site_root("target/site")
        .build()
}

/// Starts a server on a free port with a fresh SQLite database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a server with a fresh SQLite database and these extra settings.
pub async fn spawn_app_with(extra: &[(&str, String)]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    spawn_app_in(data_dir, extra).await
}

/// Starts a server that keeps its data in `data_dir`.
pub async fn spawn_app_in(data_dir: TempDir, extra: &[(&str, String)]) -> TestApp {
    // Silent by default; `TEST_LOG=1 cargo test` shows the server's logs.
    if std::env::var_os("TEST_LOG").is_some() {
        mizan::server::telemetry::init(mizan::config::Environment::Development);
    }
    let app = Application::build(test_config(&data_dir, extra), test_leptos_options())
        .await
        .expect("the application builds");
    let addr = app.local_addr();
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.serve_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        addr,
        state,
        data_dir,
        client,
        stop: Some(stop),
        server: Some(server),
    }
}
