//! What each command does with the project: its settings, its database, its app.

use std::fmt::Display;
use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;
use sqlx::migrate::Migrator;

use super::args::{Cli, Command};
use super::{cache, check, createsuperuser, jobs, new};
use crate::config::Config;
use crate::runtime::{App, StartupError, leptos_options, open_database};
use crate::server::{shutdown, telemetry};

/// What the command line needs of a project: its name, its migrations and how its app is
/// built (the same function its tests start).
pub trait Project {
    /// The project's name: its cookie, database file and settings' defaults.
    const NAME: &'static str;

    /// The app's own migrations (the framework's run first, tracked apart).
    fn migrations() -> Migrator;

    /// The app on `config`: database migrated, listener bound.
    fn build(
        config: Config,
        leptos: LeptosOptions,
    ) -> impl Future<Output = Result<App, StartupError>> + Send;
}

/// Why a command failed, said in one line on stderr (no backtrace); the exit code is 1.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// `what` failed because of `error`.
    pub fn new(what: &str, error: impl Display) -> Self {
        Self(format!("{what}: {error}"))
    }
}

impl Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The binary's `main`: reads the command line (`--help` and mistakes answered by clap,
/// exit 0 and 2) and runs the command; `serve` when none is given.
pub async fn main<P: Project>() -> ExitCode {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    match run::<P>(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

async fn run<P: Project>(command: Command) -> Result<(), Failure> {
    match command {
        // Without the settings loaded: it reports every problem, not the first.
        Command::Check { deploy } => check::run(P::NAME, deploy),
        // Files only: no settings, no database.
        Command::New(command) => printed("new", new::run(Path::new("."), command)),
        Command::Serve => serve::<P>(settings::<P>()?).await,
        Command::Worker => work::<P>(settings::<P>()?).await,
        Command::Createsuperuser(options) => {
            let pool = database::<P>(&settings::<P>()?).await?;
            let email = createsuperuser::run(&pool, options)
                .await
                .map_err(|e| Failure::new("createsuperuser", e))?;
            println!("Superuser {email} created.");
            Ok(())
        }
        Command::Cache(command) => {
            let config = settings::<P>()?;
            // A purge is queued for the edge worker, in the app's database, when there
            // is an edge.
            let edge_queue = match (&command, &config.edge_url) {
                (cache::Command::Purge { .. }, Some(_)) => Some(database::<P>(&config).await?),
                _ => None,
            };
            printed(
                "cache",
                cache::run(&config, command, edge_queue.as_ref()).await,
            )
        }
        Command::Jobs(command) => {
            let pool = database::<P>(&settings::<P>()?).await?;
            printed("jobs", jobs::run(&pool, command).await)
        }
    }
}

/// Prints what command `what` reports, or says why it failed.
fn printed(what: &str, outcome: Result<String, impl Display>) -> Result<(), Failure> {
    println!("{}", outcome.map_err(|e| Failure::new(what, e))?);
    Ok(())
}

/// The project's settings (`.env`, then the environment), and its logs started.
fn settings<P: Project>() -> Result<Config, Failure> {
    let config = Config::from_env(P::NAME).map_err(|e| Failure::new("invalid configuration", e))?;
    telemetry::init(config.environment);
    Ok(config)
}

/// `serve`: the site, until SIGINT or SIGTERM.
async fn serve<P: Project>(config: Config) -> Result<(), Failure> {
    // Before anything starts: a signal during start-up stops the server once it serves.
    let shutdown = shutdown::listen();
    let app = build::<P>(config).await?;
    tracing::info!(address = %app.local_addr(), "listening");
    app.serve_until(shutdown)
        .await
        .map_err(|e| Failure::new("server stopped", e))
}

/// `worker`: the background jobs, no HTTP (it binds only a loopback port it never
/// answers on).
async fn work<P: Project>(mut config: Config) -> Result<(), Failure> {
    let shutdown = shutdown::listen();
    config.bind_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let app = build::<P>(config).await?;
    tracing::info!("running background jobs");
    app.work_until(shutdown).await;
    Ok(())
}

async fn build<P: Project>(config: Config) -> Result<App, Failure> {
    let leptos = leptos_options().map_err(|e| Failure::new("cannot start", e))?;
    P::build(config, leptos)
        .await
        .map_err(|e| Failure::new("cannot start", e))
}

/// The app's database, migrated.
async fn database<P: Project>(config: &Config) -> Result<AnyPool, Failure> {
    open_database(config, Some(&P::migrations()))
        .await
        .map_err(|e| Failure::new("cannot open the database", e))
}
