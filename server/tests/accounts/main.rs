//! The app's accounts against a real server: its pages, sign-up, log-in and log-out,
//! verification, password reset, email change, providers, the auth levels of its
//! functions, and the attacker's paths a security review found. Every project made from
//! the template keeps these tests with the pages they test.

// Shared by the test binaries; each uses part of it.
#[allow(dead_code, unused_imports)]
#[path = "../support/mod.rs"]
mod helpers;

mod account_flows;
mod auth;
mod deletion;
mod forms;
mod oauth;
mod pages;
mod security;
mod two_factor;
