//! Your application: the routes, pages and components of the site. Start here.
//!
//! # Layout
//! - [`shell`] and [`App`]: the HTML document and the router.
//! - [`project`]: the project's names (title, database file, session cookie).
//! - [`api`]: the server functions (`/api/<name>`), each with its auth level; the current
//!   user (a global context) among them.
//! - [`channels`]: WebSocket channels (`/ws/<name>`), typed on both sides.
//! - [`forms`]: the forms (the account's among them: sign-up, log-in, password, email),
//!   each declared once for both sides.
//! - [`components`]: pieces shared by pages (the layout with its nav bar, forms, the
//!   access-denied view).
//! - `jobs`: background work, run by a worker (server only).
//! - [`models`]: the app's tables and their queries.
//! - [`pages`]: one module per page.{% if showcase %}
//! - [`showcase`]: working examples of each feature (a local context, caching, a
//!   channel, a form with a background job).{% endif %}
//!
//! The same crate is compiled twice: with `ssr` into the server, and with `hydrate` into
//! the WebAssembly bundle that makes the server-rendered page interactive.

mod root;

pub mod api;
pub mod channels;
pub mod components;
pub mod forms;
#[cfg(feature = "ssr")]
pub mod jobs;
pub mod models;
pub mod pages;
pub mod project; // Its names: set them once, here.{% if showcase %}
pub mod showcase; // Remove with the lines naming it to start without it.{% endif %}

pub use root::{ACCOUNT_PAGES, App, shell};

/// Entry point of the browser bundle: attaches the app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    mizan::assets::hydrate(App);
}
