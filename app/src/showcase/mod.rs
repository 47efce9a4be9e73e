//! The showcase: what the framework does, shown on working pages. Keep it to learn
//! from, or start without it (`showcase=false` when you generate a project).
//!
//! - [`greet`]: a local context (`<GreetProvider>`), cached per argument.
//! - [`stats`]: cached functions (a report shared by all, a count per user) and a purge.
//! - [`chat`]: a WebSocket channel with rooms, its history loaded during SSR.
//! - [`contact`]: a form checked on both sides, whose handler enqueues [`jobs`] work.
//! - [`demo`]: a public echo and a custom auth check (the bench and the docs use them).
//! - [`ContactMessages`], [`MessageCount`], [`SiteStatsPanel`]: their parts on the app's
//!   staff, account and home pages.
//! - `AccountRows`: what an account's export shows of the showcase's tables, and what
//!   goes with a deleted account (server only).

#[cfg(feature = "ssr")]
mod account_rows;
pub mod chat;
pub mod contact;
pub mod demo;
pub mod greet;
#[cfg(feature = "ssr")]
pub mod jobs;
mod pages;
mod parts;
pub mod stats;

#[cfg(feature = "ssr")]
pub use account_rows::AccountRows;
pub use pages::{ChatRoute, ContactRoute, GreetRoute};
pub use parts::{ContactMessages, MessageCount, SiteStatsPanel};
