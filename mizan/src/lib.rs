//! Mizan for Leptos: the framework parts every app shares.
//!
//! Your application lives in the `app` crate; this crate holds what you should not need
//! to edit. Server-only parts sit behind the `ssr` feature so the browser bundle
//! (`hydrate`) never sees tokio, sqlx or axum.
//!
//! # Layout
//! - [`response`]: what a page sets on its HTTP response (its status).
//! - [`config`] (ssr): settings from the environment and `.env`, checked at start-up.
//! - [`server`] (ssr): the pieces of a running server: shared state, database pool and
//!   migrations, health endpoints, logging, request tracing and graceful shutdown.

pub mod response;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod server;
