//! `spawn_app()`: a real server on a free port with its own data directory.

use std::collections::HashMap;
use std::net::SocketAddr;

use leptos::config::LeptosOptions;
use mizan::config::Config;
use mizan::server::AppState;
use server::startup::Application;
use tempfile::TempDir;
use tokio::sync::oneshot;

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

    /// Sends `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
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

/// Settings for a test server: a fresh data directory and port 0.
pub fn test_config(data_dir: &TempDir) -> Config {
    let vars = HashMap::from([
        ("MIZAN_DATA_DIR", data_dir.path().display().to_string()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
    ]);
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
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    spawn_app_in(data_dir).await
}

/// Starts a server that keeps its data in `data_dir`.
pub async fn spawn_app_in(data_dir: TempDir) -> TestApp {
    let app = Application::build(test_config(&data_dir), test_leptos_options())
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
