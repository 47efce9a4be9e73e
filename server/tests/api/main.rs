//! Integration tests: the real server on a random port, with a fresh database each.

mod helpers;

mod config;
mod health;
mod migrations;
mod pages;
mod signals;
