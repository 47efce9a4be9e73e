//! The app's server functions: typed RPC under `/api/<name>`, each with its auth level.

pub mod accounts;
pub mod demo;
