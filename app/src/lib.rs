//! Your application: the routes, pages and components of the site. Start here.
//!
//! # Layout
//! - [`shell`] and [`App`]: the HTML document and the router.
//! - [`api`]: the server functions (`/api/<name>`), each with its auth level; the current
//!   user (a global context) and `greet` (a local context) among them.
//! - [`channels`]: the WebSocket channels (the chat).
//! - [`forms`]: the forms (contact, sign-up), each declared once for both sides.
//! - `jobs` (server only): the background jobs (staff hear of contact messages).
//! - [`components`]: pieces shared by pages (the layout with its nav bar, forms, the
//!   access-denied view).
//! - [`pages`]: one module per page.
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
pub mod pages;

pub use root::{ACCOUNT_PAGES, App, shell};

/// Entry point of the browser bundle: attaches the app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    mizan::assets::hydrate(App);
}
