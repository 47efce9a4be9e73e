//! Durable background jobs: work that runs outside a request and survives a restart.
//!
//! A job is a typed Rust value ([`Job`]) stored as a row of `mizan_jobs` in the app's
//! database, enqueued in the same transaction as the data it belongs to
//! ([`enqueue`]). Workers in the server process (`MIZAN_JOB_WORKERS`, default 4) or in
//! `server worker` claim one job at a time each (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite has one writer), run it, and mark it done. A job that fails comes
//! back after an exponential backoff (`MIZAN_JOB_BACKOFF_MS` doubled per attempt, at most
//! an hour) until its [`Job::MAX_ATTEMPTS`], then is `dead` and stays for someone to
//! look at (`server jobs list`, the staff page) and retry. A job runs at least once:
//! one whose worker died (the process killed) is taken up again once its lease
//! ([`Job::TIMEOUT`] plus a margin) has passed, and a running job is cancelled at its
//! timeout, so no two workers ever run one job at the same time.
//!
//! Periodic jobs ([`Every`]) are enqueued once per period across every process: the
//! process that moves the period's row in `mizan_schedule` enqueues it. The framework's
//! own: expired sessions, expired mailed-link tokens and old finished jobs are removed
//! every hour. Every mail goes through a job ([`crate::server::mail`]).

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
mod queue;
#[cfg(feature = "ssr")]
mod schedule;
#[cfg(feature = "ssr")]
mod worker;

#[cfg(feature = "ssr")]
pub use queue::{
    JobCounts, counts, discard, enqueue, enqueue_after, enqueue_once_after, list, list_troubled,
    retry,
};
#[cfg(feature = "ssr")]
pub use schedule::Every;
#[cfg(feature = "ssr")]
pub use worker::{
    Job, JobError, Jobs, Permanent, RegisteredJob, Registry, WorkerSettings, Workers,
};

/// Runs a job kind in every app of the binary (its workers claim jobs of this kind):
/// `mizan::job!(WelcomeNote);` beside its `impl Job`, as a server function registers
/// itself where it is declared. Server side only.
#[macro_export]
macro_rules! job {
    ($job:ty) => {
        #[cfg(feature = "ssr")]
        $crate::runtime::dispatch::inventory::submit! {
            $crate::jobs::RegisteredJob::of::<$job>()
        }
    };
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its time (`run_at`) and a free worker; after a failure, for its retry.
    Queued,
    /// A worker holds it.
    Running,
    /// It ran to the end.
    Done,
    /// It failed as many times as it may: it waits for someone to retry or discard it.
    Dead,
}

impl JobState {
    /// The name stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// The state stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Done, Self::Dead]
            .into_iter()
            .find(|state| state.as_str() == name)
    }
}

/// One job as people see it (`server jobs list`, the staff page): no payload, which may
/// hold an address or a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobRecord {
    /// Its id (UUIDv7 text).
    pub id: String,
    /// What kind of job it is ([`Job::KIND`]).
    pub kind: String,
    /// Where it is in its life.
    pub state: JobState,
    /// How many times a worker took it up.
    pub attempts: i64,
    /// How many times it may be taken up.
    pub max_attempts: i64,
    /// When it runs (next), Unix milliseconds.
    pub run_at: i64,
    /// What its last failure said.
    pub last_error: Option<String>,
    /// When it was enqueued, Unix milliseconds.
    pub created_at: i64,
}
