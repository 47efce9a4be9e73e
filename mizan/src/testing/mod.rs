//! Helpers for an app's integration tests (feature `testing`): [`TestApp::spawn`] starts
//! the real server on a free port with its own data directory and database (a SQLite
//! file, or, when `TEST_DATABASE_URL` names a PostgreSQL server, a database of its own
//! there), and talks to it as browsers and API clients do; [`RedisServer`] and
//! [`SmtpServer`] are real servers for the tests that need them, and [`socket`] opens the
//! app's WebSocket channels.
//!
//! ```no_run
//! use leptos::config::LeptosOptions;
//! use mizan::config::Config;
//! use mizan::runtime::{App, StartupError};
//! use mizan::testing::{TestApp, TestSettings};
//!
//! /// The project's build function (`server::startup::build` in a starter project).
//! async fn build(config: Config, leptos: LeptosOptions) -> Result<App, StartupError> {
//!     App::builder(config, leptos).build().await
//! }
//!
//! # async fn a_test() {
//! let app = TestApp::spawn(TestSettings::new("my_app", &[]).await, build).await;
//! assert_eq!(app.get(mizan::routes::HEALTH).await.status(), 200);
//! # }
//! ```

mod app;
mod redis;
mod smtp;
pub mod socket;

pub use app::{
    REQUEST_TIMEOUT, StatusCase, TEST_PASSWORD, TestApp, TestSettings, assert_no_store,
    client_builder, job_awaiting_retry, jobs_settled, leptos_options,
};
pub use redis::RedisServer;
pub use smtp::{Received, SmtpServer};
