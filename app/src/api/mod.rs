//! The app's server functions: typed RPC under `/api/<name>`, each with its auth level.
//! Forms add their own endpoints (`crate::forms`).

pub mod accounts;
pub mod demo;
pub mod greet;
pub mod stats;
