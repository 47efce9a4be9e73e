//! `jobs list|retry|discard`: the background job queue from the command line.
//!
//! - `jobs list [--state queued|running|done|dead] [--limit N]`: the newest jobs (50 by
//!   default), one line each: id, kind, state, attempts, last error.
//! - `jobs retry ID`: a dead (or waiting) job runs again at once, with all its attempts.
//! - `jobs discard ID`: deletes a job that is not running.

use clap::Subcommand;
use sqlx::AnyPool;

use crate::AppError;
use crate::jobs::{self, JobRecord, JobState};

/// What the command line asked of the job queue.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// The newest jobs, one line each: id, kind, state, attempts, last error.
    List {
        /// Only jobs in this state: queued, running, done or dead.
        #[arg(long, value_parser = parse_state)]
        state: Option<JobState>,
        /// At most this many (1 to 10000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
    },
    /// Run a dead (or waiting) job again at once, with all its attempts.
    Retry {
        /// The job's id.
        id: String,
    },
    /// Delete a job that is not running.
    Discard {
        /// The job's id.
        id: String,
    },
}

fn parse_state(name: &str) -> Result<JobState, String> {
    JobState::from_name(name).ok_or(format!(
        "`{name}` is not a state (queued, running, done, dead)"
    ))
}

/// Runs `command` on the queue in `pool`; answers what to print.
///
/// # Errors
/// A message for an unknown (or running) job, or a database failure.
pub async fn run(pool: &AnyPool, command: Command) -> Result<String, String> {
    let unknown = |id: &str, e: AppError| match e {
        AppError::NotFound => format!("no job {id} that is not running"),
        other => other.to_string(),
    };
    match command {
        Command::List { state, limit } => {
            let records = jobs::list(pool, state, limit)
                .await
                .map_err(|e| e.to_string())?;
            Ok(table(&records))
        }
        Command::Retry { id } => jobs::retry(pool, &id)
            .await
            .map(|()| format!("Job {id} queued to run now."))
            .map_err(|e| unknown(&id, e)),
        Command::Discard { id } => jobs::discard(pool, &id)
            .await
            .map(|()| format!("Job {id} discarded."))
            .map_err(|e| unknown(&id, e)),
    }
}

/// One line per job, under a header.
fn table(records: &[JobRecord]) -> String {
    if records.is_empty() {
        return "No jobs.".to_owned();
    }
    let mut text = format!(
        "{:<36}  {:<24}  {:<7}  {:>8}  last error\n",
        "id", "kind", "state", "attempts"
    );
    for job in records {
        text.push_str(&format!(
            "{:<36}  {:<24}  {:<7}  {:>8}  {}\n",
            job.id,
            job.kind,
            job.state.as_str(),
            format!("{}/{}", job.attempts, job.max_attempts),
            job.last_error.as_deref().unwrap_or("")
        ));
    }
    text.pop();
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command::Jobs;
    use crate::cli::args::parse;

    #[test]
    fn the_three_commands_are_read_and_mistakes_named() {
        assert_eq!(
            parse(&["jobs", "list"]),
            Ok(Some(Jobs(Command::List {
                state: None,
                limit: 50
            })))
        );
        assert_eq!(
            parse(&["jobs", "list", "--state", "dead", "--limit", "5"]),
            Ok(Some(Jobs(Command::List {
                state: Some(JobState::Dead),
                limit: 5
            })))
        );
        assert_eq!(
            parse(&["jobs", "retry", "j1"]),
            Ok(Some(Jobs(Command::Retry { id: "j1".into() })))
        );
        assert_eq!(
            parse(&["jobs", "discard", "j1"]),
            Ok(Some(Jobs(Command::Discard { id: "j1".into() })))
        );
        let refused = |args: &[&str]| parse(args).expect_err("refused");
        assert!(refused(&["jobs", "list", "--state", "lost"]).contains("not a state"));
        assert!(refused(&["jobs", "list", "--limit", "0"]).contains("--limit"));
        assert!(refused(&["jobs", "retry"]).contains("<ID>"));
        assert!(refused(&["jobs", "retry", "a", "b"]).contains("unexpected"));
        assert!(refused(&["jobs", "start"]).contains("unrecognized"));
    }
}
