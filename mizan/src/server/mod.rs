//! The pieces of a running server; `server/` composes them into the binary.

pub mod csrf;
pub mod db;
pub mod dispatch;
pub mod headers;
pub mod health;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod rate_limit;
pub mod reads;
pub mod redis_client;
pub mod sessions;
pub mod shutdown;
pub mod state;
pub mod telemetry;

pub use state::{AppState, state};

/// Whether two secrets are equal, in time that depends on their length only (not on
/// where they first differ).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
