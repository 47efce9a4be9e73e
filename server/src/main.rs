//! The server binary: settings → logs → build → serve until SIGINT/SIGTERM.
//!
//! `server` serves the site; `server createsuperuser […]` creates an administrator;
//! `server cache key|purge …` looks at and clears the origin cache.

use std::fmt::Display;
use std::process::ExitCode;

use mizan::config::Config;
use mizan::server::{shutdown, telemetry};
use server::commands::{cache, createsuperuser};
use server::startup::{Application, open_database};

const USAGE: &str = "usage: server                 serve the site
       server createsuperuser [--email E] [--name N] [--no-input]
                              create a staff + superuser account
                              (--no-input reads MIZAN_SUPERUSER_PASSWORD)
       server cache key <fn> <params-json>
                              the digest and stored key of a call
       server cache purge <fn> [params-json] [--user ID]
                              purge one entry, or every entry of <fn>";

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    if matches!(command.as_deref(), Some("-h" | "--help" | "help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail("invalid configuration", e),
    };
    telemetry::init(config.environment);

    match command.as_deref() {
        None => serve(config).await,
        Some("createsuperuser") => create_superuser(config, args).await,
        Some("cache") => cache_command(config, args).await,
        Some(other) => fail("unknown command", format!("`{other}`\n{USAGE}")),
    }
}

async fn serve(config: Config) -> ExitCode {
    let mut leptos = match leptos::config::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => return fail("invalid Leptos configuration", e),
    };
    // A build with hashed file names leaves `hash.txt` beside the binary: use it when
    // LEPTOS_HASH_FILES was not passed on (a release binary started by hand, an image), or
    // every page would link files that do not exist. Said explicitly, it wins
    // (`./scripts/dev` turns hashing off, and a hash file may be left from an earlier build).
    if std::env::var_os("LEPTOS_HASH_FILES").is_none()
        && !leptos.hash_files
        && hash_file_beside_binary(&leptos.hash_file)
    {
        leptos.hash_files = true;
    }
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

async fn create_superuser(config: Config, args: impl Iterator<Item = String>) -> ExitCode {
    let options = match createsuperuser::Options::parse(args) {
        Ok(options) => options,
        Err(e) => return fail("createsuperuser", format!("{e}\n{USAGE}")),
    };
    let pool = match open_database(&config).await {
        Ok(pool) => pool,
        Err(e) => return fail("cannot open the database", e),
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
    match cache::run(&config, command).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => fail("cache", e),
    }
}

fn hash_file_beside_binary(name: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
        .is_some_and(|path| path.is_file())
}

/// Reports a fatal error in one readable line (no backtrace) and picks the exit code.
fn fail(what: &str, error: impl Display) -> ExitCode {
    eprintln!("error: {what}: {error}");
    ExitCode::FAILURE
}
