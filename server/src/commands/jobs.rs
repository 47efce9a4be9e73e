//! `server jobs list|retry|discard`: the background job queue from the command line.
//!
//! - `server jobs list [--state queued|running|done|dead] [--limit N]`: the newest jobs
//!   (50 by default), one line each: id, kind, state, attempts, last error.
//! - `server jobs retry ID`: a dead (or waiting) job runs again at once, with all its
//!   attempts.
//! - `server jobs discard ID`: deletes a job that is not running.

use mizan::AppError;
use mizan::jobs::{self, JobRecord, JobState};
use sqlx::AnyPool;

/// Jobs `list` shows unless told otherwise.
const DEFAULT_LIMIT: u32 = 50;

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// The newest jobs, of one state or all.
    List {
        /// Only this state.
        state: Option<JobState>,
        /// At most this many.
        limit: u32,
    },
    /// Run a job again.
    Retry(String),
    /// Delete a job.
    Discard(String),
}

impl Command {
    /// Reads the arguments that follow `jobs`.
    ///
    /// # Errors
    /// A message saying what is missing or wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let action = args
            .next()
            .ok_or("jobs needs `list`, `retry ID` or `discard ID`")?;
        let command = match action.as_str() {
            "list" => {
                let (mut state, mut limit) = (None, DEFAULT_LIMIT);
                while let Some(arg) = args.next() {
                    let value = args.next().ok_or(format!("{arg} needs a value"))?;
                    match arg.as_str() {
                        "--state" => {
                            state = Some(JobState::from_name(&value).ok_or(format!(
                                "`{value}` is not a state (queued, running, done, dead)"
                            ))?);
                        }
                        "--limit" => {
                            limit = value
                                .parse()
                                .ok()
                                .filter(|n| (1..=10_000).contains(n))
                                .ok_or(format!("`{value}` is not a limit from 1 to 10000"))?;
                        }
                        other => return Err(format!("unexpected argument `{other}`")),
                    }
                }
                return Ok(Self::List { state, limit });
            }
            "retry" => Self::Retry(args.next().ok_or("retry needs a job id")?),
            "discard" => Self::Discard(args.next().ok_or("discard needs a job id")?),
            other => return Err(format!("unknown jobs command `{other}`")),
        };
        match args.next() {
            Some(extra) => Err(format!("unexpected argument `{extra}`")),
            None => Ok(command),
        }
    }
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
        Command::Retry(id) => jobs::retry(pool, &id)
            .await
            .map(|()| format!("Job {id} queued to run now."))
            .map_err(|e| unknown(&id, e)),
        Command::Discard(id) => jobs::discard(pool, &id)
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

    fn parse(args: &[&str]) -> Result<Command, String> {
        Command::parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn the_three_commands_are_read_and_mistakes_named() {
        assert_eq!(
            parse(&["list"]),
            Ok(Command::List {
                state: None,
                limit: DEFAULT_LIMIT
            })
        );
        assert_eq!(
            parse(&["list", "--state", "dead", "--limit", "5"]),
            Ok(Command::List {
                state: Some(JobState::Dead),
                limit: 5
            })
        );
        assert_eq!(parse(&["retry", "j1"]), Ok(Command::Retry("j1".into())));
        assert_eq!(parse(&["discard", "j1"]), Ok(Command::Discard("j1".into())));
        assert!(
            parse(&["list", "--state", "lost"])
                .expect_err("refused")
                .contains("not a state")
        );
        assert!(
            parse(&["retry"])
                .expect_err("refused")
                .contains("needs a job id")
        );
        assert!(
            parse(&["retry", "a", "b"])
                .expect_err("refused")
                .contains("unexpected")
        );
        assert!(parse(&["start"]).expect_err("refused").contains("unknown"));
    }
}
