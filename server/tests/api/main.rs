//! Integration tests: the real server on a random port, with a fresh database each.

mod chat_client;
#[path = "../support/mod.rs"]
mod helpers;
mod redis_server;
mod smtp_server;

mod account_flows;
mod auth;
mod cache;
mod channels;
mod commands;
mod config;
mod forms;
mod jobs;
mod migrations;
mod oauth;
mod openapi;
mod pages;
mod request_path;
mod scaleout;
mod security;
mod security_headers;
mod signals;
