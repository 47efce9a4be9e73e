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

/// mimalloc: measured faster than the system allocator on every row of the framework's
/// bench.
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
    let config = match Config::from_env(app::project::NAME) {
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
    let app = match build(config).await {
        Ok(app) => app,
        Err(code) => return code,
    };
    tracing::info!("running background jobs");
    app.work_until(shutdown).await;
    ExitCode::SUCCESS
}

async fn serve(config: Config) -> ExitCode {
    // Before anything starts: a signal during start-up stops the server once it serves.
    let shutdown = shutdown::listen();
    let app = match build(config).await {
        Ok(app) => app,
        Err(code) => return code,
    };
    tracing::info!(address = %app.local_addr(), "listening");
    match app.serve_until(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail("server stopped", e),
    }
}

/// The app on `config`, or the exit code of a start-up that failed (said in one line).
async fn build(config: Config) -> Result<mizan::runtime::App, ExitCode> {
    let leptos = mizan::runtime::leptos_options().map_err(|e| fail("cannot start", e))?;
    startup::build(config, leptos)
        .await
        .map_err(|e| fail("cannot start", e))
}
