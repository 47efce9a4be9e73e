//! Integration tests: the real server on a random port, with a fresh database each.

mod chat;
#[path = "../support/mod.rs"]
mod helpers;

mod account_flows;
mod auth;
mod cache;
mod channels;
mod commands;
mod config;
mod forms;
mod jobs;
mod oauth;
mod pages;
mod scaleout;
mod security;
mod signals;
