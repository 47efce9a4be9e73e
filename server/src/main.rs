//! The server binary: settings → logs → build → serve until SIGINT/SIGTERM.

use std::fmt::Display;
use std::process::ExitCode;

use mizan::config::Config;
use mizan::server::{shutdown, telemetry};
use server::startup::Application;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail("invalid configuration", e),
    };
    telemetry::init(config.environment);

    let leptos = match leptos::config::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => return fail("invalid Leptos configuration", e),
    };
    let app = match Application::build(config, leptos).await {
        Ok(app) => app,
        Err(e) => return fail("cannot start", e),
    };

    tracing::info!(address = %app.local_addr(), "listening");
    match app.serve_until(shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail("server stopped", e),
    }
}

/// Reports a fatal error in one readable line (no backtrace) and picks the exit code.
fn fail(what: &str, error: impl Display) -> ExitCode {
    eprintln!("error: {what}: {error}");
    ExitCode::FAILURE
}
