//! The server: builds the application from its settings and serves it.
//!
//! [`startup`] is the app given to `mizan::runtime::App` (its pages, routes and
//! migrations), built by [`startup::build`], which tests start on port 0; the binary's
//! commands (`serve`, `worker`, `createsuperuser`, …) are `mizan::cli`'s, run on
//! [`startup::Project`].

pub mod startup;
