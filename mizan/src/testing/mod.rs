//! Helpers for an app's integration tests (feature `testing`): [`TestApp::spawn`] starts
//! the real server on a free port with its own data directory and database (a SQLite
//! file, or, when `TEST_DATABASE_URL` names a PostgreSQL server, a database of its own
//! there), and talks to it as browsers and API clients do; [`RedisServer`] and
//! [`SmtpServer`] are real servers for the tests that need them, and [`socket`] opens the
//! app's WebSocket channels.
//!
//! ```ignore
//! let app = TestApp::spawn(TestSettings::new(app::project::NAME, &[]).await, server::startup::build).await;
//! assert_eq!(app.get("/").await.status(), 200);
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
