//! The infrastructure of a running server: database, Redis, sessions, mail, limits,
//! health, metrics, logs. It knows nothing of the app; [`crate::runtime`] assembles it.

pub mod client;
pub mod csrf;
pub mod db;
pub mod headers;
pub mod mail;
pub mod migrations;
pub mod rate_limit;
pub mod reads;
pub mod redis_client;
pub mod security_headers;
pub mod sessions;
pub mod shutdown;
pub mod telemetry;

/// Whether two secrets are equal, in time that depends on their length only (not on
/// where they first differ).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
