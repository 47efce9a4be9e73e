//! The server: builds the application from its settings and serves it.
//!
//! # Layout
//! - [`startup`]: the app given to `mizan::runtime::App` (its pages, routes and
//!   migrations), built by [`startup::build`], which tests start on port 0.
//! - [`commands`]: sub-commands of the binary (`createsuperuser`, `cache key|purge`).

pub mod commands;
pub mod startup;
