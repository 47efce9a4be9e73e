//! Sub-commands of the server binary (`server <command>`), like Django's `manage.py`.

pub mod cache;
pub mod check;
pub mod createsuperuser;
pub mod jobs;

use std::fmt::Display;
use std::process::ExitCode;

use mizan::config::Config;
use mizan::runtime::open_database;

use crate::startup;

/// What `server --help` prints.
pub const USAGE: &str = "usage: server                 serve the site
       server createsuperuser [--email E] [--name N] [--no-input]
                              create a staff + superuser account
                              (--no-input reads MIZAN_SUPERUSER_PASSWORD)
       server cache key <fn> <params-json>
                              the digest and stored key of a call
       server cache purge <fn> [params-json] [--user ID]
                              purge one entry, or every entry of <fn>
                              (and at the edge, with MIZAN_EDGE_URL)
       server cache edge-key  the key the edge worker is given
       server check [--deploy]
                              check the settings; --deploy: every problem
                              of a production configuration (exit 1 on errors)
       server worker          run background jobs only (serves nothing)
       server jobs list [--state S] [--limit N]
       server jobs retry ID | server jobs discard ID
                              look at the job queue, run a dead job again,
                              or delete one";

/// Runs sub-command `name` with its `args`; prints what it did or why it could not.
pub async fn run(name: &str, config: Config, args: impl Iterator<Item = String>) -> ExitCode {
    match name {
        "createsuperuser" => create_superuser(config, args).await,
        "cache" => cache_command(config, args).await,
        "jobs" => jobs_command(config, args).await,
        other => fail("unknown command", format!("`{other}`\n{USAGE}")),
    }
}

async fn create_superuser(config: Config, args: impl Iterator<Item = String>) -> ExitCode {
    let options = match createsuperuser::Options::parse(args) {
        Ok(options) => options,
        Err(e) => return fail("createsuperuser", format!("{e}\n{USAGE}")),
    };
    let pool = match open_app_database(&config).await {
        Ok(pool) => pool,
        Err(code) => return code,
    };
    match createsuperuser::run(&pool, options).await {
        Ok(email) => {
            println!("Superuser {email} created.");
            ExitCode::SUCCESS
        }
        Err(e) => fail("createsuperuser", e),
    }
}

async fn cache_command(config: Config, args: impl Iterator<Item = String>) -> ExitCode {
    let command = match cache::Command::parse(args) {
        Ok(command) => command,
        Err(e) => return fail("cache", format!("{e}\n{USAGE}")),
    };
    // A purge is queued for the edge worker, in the app's database, when there is one.
    let edge_queue = match (&command, &config.edge_url) {
        (cache::Command::Purge { .. }, Some(_)) => match open_app_database(&config).await {
            Ok(pool) => Some(pool),
            Err(code) => return code,
        },
        _ => None,
    };
    printed(
        "cache",
        cache::run(&config, command, edge_queue.as_ref()).await,
    )
}

async fn jobs_command(config: Config, args: impl Iterator<Item = String>) -> ExitCode {
    let command = match jobs::Command::parse(args) {
        Ok(command) => command,
        Err(e) => return fail("jobs", format!("{e}\n{USAGE}")),
    };
    let pool = match open_app_database(&config).await {
        Ok(pool) => pool,
        Err(code) => return code,
    };
    printed("jobs", jobs::run(&pool, command).await)
}

/// The app's database, migrated; or the exit code of a failure (said in one line).
async fn open_app_database(config: &Config) -> Result<sqlx::AnyPool, ExitCode> {
    open_database(config, Some(&startup::app_migrations()))
        .await
        .map_err(|e| fail("cannot open the database", e))
}

/// Prints what a command reports, or says why `what` failed.
fn printed(what: &str, outcome: Result<String, impl Display>) -> ExitCode {
    match outcome {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(what, e),
    }
}

/// Reports a fatal error in one readable line (no backtrace) and picks the exit code.
pub fn fail(what: &str, error: impl Display) -> ExitCode {
    eprintln!("error: {what}: {error}");
    ExitCode::FAILURE
}
