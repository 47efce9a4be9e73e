//! The server: builds the application from its settings and serves it.
//!
//! # Layout
//! - [`startup`]: database, migrations, the router and the listener, in one
//!   [`startup::Application`] that tests start on port 0.
//! - [`commands`]: sub-commands of the binary (`createsuperuser`, `cache key|purge`).

pub mod commands;
pub mod startup;
