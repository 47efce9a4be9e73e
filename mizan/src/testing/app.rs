//! [`TestApp`]: the real server on a free port with its own data directory and database,
//! and the calls browsers and API clients make to it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use leptos::config::LeptosOptions;
use reqwest::cookie::{CookieStore, Jar};
use tempfile::TempDir;
use tokio::sync::oneshot;

use crate::config::{Config, Environment};
use crate::runtime::{App, AppState, StartupError};

/// The password every test account uses.
pub const TEST_PASSWORD: &str = "a long enough password";

/// The longest a test waits for one answer: a request that never gets one fails its test,
/// naming the call, instead of hanging the whole run (and CI until its time limit).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An HTTP client builder that does not follow redirects and gives up after
/// [`REQUEST_TIMEOUT`].
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
}

/// One case of [`TestApp::assert_statuses`]: a function, its arguments, and the status
/// each caller gets.
pub type StatusCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [u16]);

/// A running server and what a test needs to talk to it. Its helpers panic when the
/// server does not answer as a test needs (a request that fails, SQL that does not run):
/// the test cannot go on, and the panic says why.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its shared state (the database pool among it).
    pub state: AppState,
    /// Its data directory and database.
    pub settings: TestSettings,
    /// An HTTP client that does not follow redirects.
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// Starts the app that `build` makes (the project's start-up, e.g.
    /// `server::startup::build`) on `settings`, without built assets.
    ///
    /// # Panics
    /// If the app does not build: the test cannot go on.
    pub async fn spawn(
        settings: TestSettings,
        build: impl AsyncFnOnce(Config, LeptosOptions) -> Result<App, StartupError>,
    ) -> Self {
        let leptos = leptos_options(settings.name);
        Self::spawn_serving(settings, leptos, build).await
    }

    /// [`TestApp::spawn`] with these site options (another `site_root`, say).
    ///
    /// # Panics
    /// If the app does not build.
    pub async fn spawn_serving(
        settings: TestSettings,
        leptos: LeptosOptions,
        build: impl AsyncFnOnce(Config, LeptosOptions) -> Result<App, StartupError>,
    ) -> Self {
        // Silent by default; `TEST_LOG=1 cargo test` shows the server's logs.
        if std::env::var_os("TEST_LOG").is_some() {
            crate::server::telemetry::init(Environment::Development);
        }
        let app = build(settings.config(), leptos)
            .await
            .expect("the application builds");
        let addr = app.local_addr();
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve_until(async {
            let _ = stopped.await;
        }));
        let client = client_builder().build().expect("HTTP client");
        Self {
            addr,
            state,
            settings,
            client,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with its own cookie jar: one signed-in (or anonymous) visitor.
    pub fn visitor(&self) -> reqwest::Client {
        client_builder()
            .cookie_store(true)
            .build()
            .expect("HTTP client")
    }

    /// A visitor whose cookies a test can read: the client, and its jar (for
    /// [`TestApp::cookie_header`]).
    pub fn visitor_with_jar(&self) -> (reqwest::Client, Arc<Jar>) {
        let jar = Arc::new(Jar::default());
        let client = client_builder()
            .cookie_provider(jar.clone())
            .build()
            .expect("HTTP client");
        (client, jar)
    }

    /// The `Cookie` header the visitor holding `jar` sends to this server (for WebSocket
    /// handshakes), if it has cookies.
    pub fn cookie_header(&self, jar: &Jar) -> Option<String> {
        let url = self.url("/").parse().ok()?;
        jar.cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
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

    /// [`TestApp::call`], answered with its status and JSON body (`Null` if not JSON).
    pub async fn call_json(
        &self,
        client: &reqwest::Client,
        name: &str,
        args: &[(&str, &str)],
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self.call(client, name, args).await;
        let status = response.status();
        (status, response.json().await.unwrap_or_default())
    }

    /// Posts the form-encoded `values` to `path` (a form's `/api/<form>.submit`, say) as
    /// `client`: the status and the JSON answer (`null` when it is not JSON).
    ///
    /// # Panics
    /// If the request gets no answer.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        values: &[(&str, String)],
    ) -> (u16, serde_json::Value) {
        let response = client
            .post(self.url(path))
            .form(values)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Calls each function with its arguments as each caller and asserts the status each
    /// case expects of that caller (`statuses[i]` for `callers[i]`, named in messages); a
    /// 401 or 403 must carry the typed error, `unauthenticated` or `forbidden`.
    pub async fn assert_statuses(
        &self,
        callers: &[(&str, &reqwest::Client)],
        cases: &[StatusCase<'_>],
    ) {
        for (function, args, statuses) in cases {
            for ((name, client), want) in callers.iter().zip(*statuses) {
                let (status, body) = self.call_json(client, function, args).await;
                assert_eq!(status.as_u16(), *want, "{function} as {name}: {body}");
                let error = match want {
                    401 => "unauthenticated",
                    403 => "forbidden",
                    _ => continue,
                };
                assert_eq!(
                    body,
                    serde_json::json!({ "error": error }),
                    "{function} as {name}"
                );
            }
        }
    }

    /// (session reads, user reads) this server has made so far.
    pub fn reads(&self) -> (u64, u64) {
        (
            self.state.reads.session_reads(),
            self.state.reads.user_reads(),
        )
    }

    /// The reads made since `before` (a [`TestApp::reads`]).
    pub fn reads_since(&self, before: (u64, u64)) -> (u64, u64) {
        let now = self.reads();
        (now.0 - before.0, now.1 - before.1)
    }

    /// How many accounts exist.
    pub async fn user_count(&self) -> i64 {
        self.rows("users").await
    }

    /// How many rows `table` has.
    pub async fn rows(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.state.db)
            .await
            .expect("count")
    }

    /// Runs SQL against the app's database (to grant roles, deactivate accounts…), as an
    /// operator would, then says so to the signed-in cache.
    pub async fn sql(&self, statement: &str) {
        sqlx::query(statement)
            .execute(&self.state.db)
            .await
            .expect("SQL runs");
        // Users changed behind the server's back: it must look them up again.
        crate::auth::signed_in_cache::users_changed();
    }

    /// The mails sent to `to` with `subject` (in the development mailbox), once the job
    /// queue has settled: the mail jobs queued so far have run.
    pub async fn mails(&self, to: &str, subject: &str) -> Vec<crate::server::mail::Email> {
        jobs_settled(&self.state.db).await;
        self.state
            .mailer
            .messages()
            .into_iter()
            .filter(|mail| mail.to == to && mail.subject == subject)
            .collect()
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

    /// Posts `values` for `form` to the page at `path` as a browser without JavaScript
    /// does; returns the status and the page.
    pub async fn post_page(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &str,
        values: &[(&str, String)],
    ) -> (u16, String) {
        let mut body: Vec<(&str, String)> = vec![("__form", form.to_owned())];
        body.extend_from_slice(values);
        let response = client
            .post(self.url(path))
            .header("accept", "text/html")
            .form(&body)
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Stops the server gracefully, waits for it to finish and closes its database pool.
    /// Returns its settings, so that a test can start a server on the same data again.
    pub async fn shutdown(mut self) -> std::io::Result<TestSettings> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task does not panic")?;
        }
        self.state.db.close().await;
        Ok(self.settings)
    }
}

/// Asserts that each response says `Cache-Control: no-store` (a dynamic answer no cache
/// may keep), naming the case (`what`) that does not.
///
/// # Panics
/// On the first response without it.
pub fn assert_no_store(cases: &[(&str, reqwest::Response)]) {
    for (what, response) in cases {
        assert_eq!(
            response
                .headers()
                .get(reqwest::header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap_or("")),
            Some("no-store"),
            "{what}: {}",
            response.status()
        );
    }
}

/// Where a test server keeps its data, and its extra settings.
pub struct TestSettings {
    /// The project's name ([`Config::name`]).
    pub name: &'static str,
    /// Its data directory; deleted when the test ends.
    pub data_dir: TempDir,
    /// Variables beyond the data directory and the port (`DATABASE_URL`, `REDIS_URL`…).
    pub vars: Vec<(&'static str, String)>,
}

impl TestSettings {
    /// A fresh data directory and database for the project `name`, and `extra`.
    pub async fn new(name: &'static str, extra: &[(&'static str, String)]) -> Self {
        let mut vars = extra.to_vec();
        if let Some(admin) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            && !vars.iter().any(|(name, _)| *name == "DATABASE_URL")
        {
            vars.push(("DATABASE_URL", fresh_postgres_database(&admin).await));
        }
        Self {
            name,
            data_dir: tempfile::tempdir().expect("temporary data directory"),
            vars,
        }
    }

    /// Whether the database is PostgreSQL (otherwise a SQLite file in the data directory).
    pub fn is_postgres(&self) -> bool {
        self.vars.iter().any(|(name, _)| *name == "DATABASE_URL")
    }

    /// The environment of the server binary run with these settings.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("MIZAN_DATA_DIR", self.data_dir.path().display().to_string())];
        env.extend(self.vars.iter().cloned());
        env
    }

    /// The settings of an in-process server on port 0.
    pub fn config(&self) -> Config {
        let mut vars: HashMap<&str, String> = self.env().into_iter().collect();
        vars.insert("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned());
        Config::load(self.name, |name| vars.get(name).cloned()).expect("test settings are valid")
    }
}

/// Creates an empty database on the PostgreSQL server of `admin_url` and returns its URL.
async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("test_{}", hex::encode(rand::random::<[u8; 16]>()));
    let mut admin = sqlx::AnyConnection::connect(admin_url)
        .await
        .expect("TEST_DATABASE_URL answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("a test database is created");
    let _ = admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// Waits until no background job is queued or running (a retry waiting for its time
/// counts as queued), for at most 30 s; answers the counts then.
pub async fn jobs_settled(db: &sqlx::AnyPool) -> crate::jobs::JobCounts {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let counts = crate::jobs::counts(db)
            .await
            .expect("the queue is readable");
        if counts.queued == 0 && counts.running == 0 {
            return counts;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "jobs still waiting: {counts:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Waits (at most 10 s) for a job of `kind` that failed an attempt and is queued for
/// another: the first one found, with its last error.
///
/// # Panics
/// If none is within the time, or the queue cannot be read.
pub async fn job_awaiting_retry(db: &sqlx::AnyPool, kind: &str) -> crate::jobs::JobRecord {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let troubled = crate::jobs::list_troubled(db, 10)
            .await
            .expect("the queue is readable");
        // (Between two attempts: a running one may be listed too.)
        if let Some(job) = troubled
            .into_iter()
            .find(|job| job.kind == kind && job.state == crate::jobs::JobState::Queued)
        {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {kind} job waits for a retry"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Leptos options for a test server whose bundle is named `name`, with no built assets (a
/// release build's come from cargo-leptos and `Cargo.toml`).
pub fn leptos_options(name: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(name)
        .site_root("target/site")
        .build()
}
