//! `#[mizan::server(auth = …)]`: Leptos' `#[server]` with a stable endpoint and the auth
//! check at the top of the body.
//!
//! - [`options`]: the attribute parsed into [`Options`], every value checked.
//! - [`arguments`]: the function's arguments (the `#[user]` one taken out).
//! - [`expand`]: the generated function, its guard, its cache and its registration.
//! - [`purge`]: the typed purges of a cached function.
//! - [`api`]: what the API document says of it.

mod api;
mod arguments;
mod expand;
mod options;
mod purge;

pub use arguments::argument_names;
pub use expand::expand;
pub use options::Auth;
