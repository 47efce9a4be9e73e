//! Integration tests: the real server on a random port, with a fresh database each.

mod chat;
// Shared by the test binaries; each uses part of it.
#[allow(dead_code, unused_imports)]
#[path = "../support/mod.rs"]
mod helpers;

mod account_rows;
mod cache;
mod channels;
mod commands;
mod config;
mod forms;
mod jobs;
mod pages;
mod scaleout;
mod signals;
