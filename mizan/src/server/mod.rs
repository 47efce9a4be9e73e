//! The pieces of a running server; `server/` composes them into the binary.

pub mod csrf;
pub mod db;
pub mod error_status;
pub mod headers;
pub mod health;
pub mod mail;
pub mod metrics;
pub mod rate_limit;
pub mod redis_client;
pub mod sessions;
pub mod shutdown;
pub mod state;
pub mod telemetry;

pub use state::{AppState, state};
