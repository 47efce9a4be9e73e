//! Mizan for Leptos: the framework parts every app shares.
//!
//! Your application lives in the `app` crate; this crate holds what you should not need
//! to edit. Server-only parts sit behind the `ssr` feature so the browser bundle
//! (`hydrate`) never sees tokio, sqlx or axum.
//!
//! # Layout
//! - [`error`]: [`AppError`], the typed error of server functions, with its HTTP status.
//! - [`assets`]: the head's links to the built CSS, JS and wasm, their names found once.
//! - [`auth`]: the current user and auth levels; (ssr) passwords, sessions, the users
//!   table and the sign-in flows.
//! - [`channels`]: typed WebSocket channels: groups, authorization, the hub
//!   (in-process or Redis), and the browser hook.
//! - [`context`]: global and local contexts (`context = global | local`).
//! - [`jobs`]: durable background jobs in the app's database, their workers and the
//!   periodic ones (types shared; the queue and workers are ssr).
//! - [`forms`]: `#[derive(mizan::Form)]`: schema, validation on both sides, endpoints,
//!   the browser hook and `<MizanForm>`.
//! - [`server`](macro@server): `#[mizan::server(auth = …)]`, a server function with a
//!   stable `/api/<name>` endpoint and its auth check.
//! - [`response`]: what a page sets on its HTTP response (its status).
//! - [`routes`]: the framework's own paths, as constants and link builders.
//! - [`api`] (ssr): the API described in OpenAPI 3.1 (`/api/openapi.json`) from every
//!   server function and channel, and its page for people (`/api/docs`).
//! - [`cache`] (ssr): the origin cache of server-function results (`cache = "60s"`).
//! - [`cli`] (ssr): the project binary's command line (`serve`, `worker`, `check`,
//!   `createsuperuser`, `cache …`, `jobs …`); the binary's `main` is [`cli::main`].
//! - [`config`] (ssr): settings from the environment and `.env`, checked at start-up.
//! - [`deploy_check`] (ssr): `check --deploy`, every problem of a production
//!   configuration at once.
//! - [`runtime`] (ssr): [`runtime::App`], which assembles the framework (state, routes,
//!   the one middleware service, cache and hub from the settings, migrations); the state
//!   per request, direct dispatch of server functions, the cache as functions use it.
//! - [`server`](mod@server) (ssr): the infrastructure: database pool and migrations, Redis, sessions,
//!   CSRF rule, `Cache-Control` policy, rate limits, mail, health endpoints, metrics,
//!   logging, request tracing and graceful shutdown.
//! - [`testing`] (feature `testing`): `TestApp`, a real server per test for an app's
//!   integration tests.

pub mod assets;
pub mod auth;
pub mod channels;
pub mod context;
pub mod error;
pub mod forms;
pub mod jobs;
pub mod response;
pub mod routes;
pub mod url;

pub use error::{AppError, FieldErrors};
// The macros' examples live here, where their expansion's paths (`::mizan`,
// `::leptos`) resolve, and run as this crate's doctests on the server side.
#[cfg_attr(feature = "ssr", doc = include_str!("examples/form.md"))]
pub use mizan_macros::Form;
#[cfg_attr(feature = "ssr", doc = include_str!("examples/server.md"))]
pub use mizan_macros::server;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod deploy_check;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;
