//! The server binary: settings → logs → build → serve until SIGINT/SIGTERM.
//!
//! `server` serves the site; `server createsuperuser […]` creates an administrator;
//! `server cache key|purge …` looks at and clears the origin cache; `server worker` runs
//! background jobs only; `server jobs …` looks at the job queue.

use std::process::ExitCode;

use mizan::config::Config;
use mizan::server::{shutdown, telemetry};
use server::commands::{self, USAGE, fail};
use server::startup;

/// mimalloc: measured faster than the system allocator on every row of `./scripts/bench`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    if matches!(command.as_deref(), Some("-h" | "--help" | "help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // Before the settings are loaded: it reports every problem, not the first.
    if command.as_deref() == Some("check") {
        return commands::check::run(args);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail("invalid configuration", e),
    };
    telemetry::init(config.environment);
    match command.as_deref() {
        None => serve(config).await,
        Some("worker") => work(config).await,
        Some(name) => commands::run(name, config, args).await,
    }
}

/// `server worker`: the app's background jobs, no HTTP (it binds only a loopback port it
/// never answers on).
async fn work(mut config: Config) -> ExitCode {
    let shutdown = shutdown::listen();
    config.bind_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let leptos = match mizan::runtime::leptos_options() {
        Ok(leptos) => leptos,
        Err(e) => return fail("cannot start", e),
    };
    let app = match startup::build(config, leptos).await {
        Ok(app) => app,
        Err(e) => return fail("cannot start", e),
    };
    tracing::info!("running background jobs");
    app.work_until(shutdown).await;
    ExitCode::SUCCESS
}

async fn serve(config: Config) -> ExitCode {
    // Before anything starts: a signal during start-up stops the server once it serves.
    let shutdown = shutdown::listen();
    let leptos = match mizan::runtime::leptos_options() {
        Ok(leptos) => leptos,
        Err(e) => return fail("cannot start", e),
    };
    let app = match startup::build(config, leptos).await {
        Ok(app) => app,
        Err(e) => return fail("cannot start", e),
    };
    tracing::info!(address = %app.local_addr(), "listening");
    match app.serve_until(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail("server stopped", e),
    }
}
