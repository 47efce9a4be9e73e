//! The running framework: what [`App`] assembles at start-up (the state, the routes, the
//! middleware) and what it hands out per request (the state, the direct dispatch of
//! server functions, the origin cache as functions use it).

mod app;
pub mod cache;
pub mod dispatch;
pub mod health;
pub mod metrics;
pub mod middleware;
mod state;

pub use app::{App, AppBuilder, SHUTDOWN_GRACE, StartupError, leptos_options, open_database};
pub use cache::{cached, purge, purge_all};
pub use state::{AppState, Services, state};
