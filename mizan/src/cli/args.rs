//! The command line, as clap reads it.

use clap::{Parser, Subcommand};

use super::{cache, createsuperuser, jobs, new};

/// The project's binary. Without a command it serves the site.
#[derive(Debug, Parser)]
#[command(about = "Serves the site, runs its jobs, and looks after its data.")]
pub struct Cli {
    /// What to do; `serve` when none is given.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One command of the binary.
#[derive(Debug, PartialEq, Subcommand)]
pub enum Command {
    /// Serve the site until SIGINT or SIGTERM (the default).
    Serve,
    /// Run background jobs only: serves nothing.
    Worker,
    /// Check the settings as the server would read them.
    Check {
        /// Every problem of a production configuration at once (exit 1 on an error).
        #[arg(long)]
        deploy: bool,
    },
    /// Create a staff + superuser account.
    Createsuperuser(createsuperuser::Options),
    /// Look at and clear the origin cache.
    #[command(subcommand)]
    Cache(cache::Command),
    /// Look at the job queue, run a dead job again, or delete one.
    #[command(subcommand)]
    Jobs(jobs::Command),
    /// Generate a page, a function, a model or a migration, wired in; run in the project's
    /// root.
    #[command(subcommand)]
    New(new::Command),
}

/// The command `acme <args>` asks for, or clap's message.
#[cfg(test)]
pub(super) fn parse(args: &[&str]) -> Result<Option<Command>, String> {
    Cli::try_parse_from(std::iter::once("acme").chain(args.iter().copied()))
        .map(|cli| cli.command)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_serves_and_each_command_is_read() {
        assert_eq!(parse(&[]).expect("parsed"), None);
        assert_eq!(parse(&["worker"]).expect("parsed"), Some(Command::Worker));
        assert_eq!(
            parse(&["check", "--deploy"]).expect("parsed"),
            Some(Command::Check { deploy: true })
        );
        assert!(parse(&["check", "--force"]).is_err());
        assert!(parse(&["start"]).is_err());
    }

    #[test]
    fn help_names_the_binary_it_runs_as() {
        let help = parse(&["--help"]).expect_err("help is printed, not run");
        assert!(help.contains("Usage: acme [COMMAND]"), "{help}");
        assert!(help.contains("createsuperuser"), "{help}");
        let help = parse(&["jobs", "list", "--help"]).expect_err("help");
        assert!(help.contains("Usage: acme jobs list [OPTIONS]"), "{help}");
    }
}
