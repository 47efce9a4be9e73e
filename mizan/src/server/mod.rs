//! The pieces of a running server; `server/` composes them into the binary.

pub mod db;
pub mod health;
pub mod shutdown;
pub mod state;
pub mod telemetry;

pub use state::AppState;
