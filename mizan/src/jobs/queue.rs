//! The `mizan_jobs` table: enqueue, claim, finish, and what people do with jobs (list,
//! retry, discard, count).

use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Executor, Row};

use super::worker::Job;
use super::{JobRecord, JobState};
use crate::error::AppError;
use crate::server::db::new_id;

/// The current time as Unix milliseconds, as `mizan_jobs` stores times.
pub(crate) fn now_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// `duration` in whole milliseconds.
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Stores `job` to run as soon as a worker is free. Pass a transaction (`&mut *tx`) to
/// enqueue it with the data it belongs to: it runs only if the transaction commits.
/// Workers in this process look for it within `MIZAN_JOB_POLL_MS`; [`super::Jobs::enqueue`]
/// wakes them at once.
///
/// # Errors
/// [`AppError::Internal`] when the job cannot be encoded or the database fails.
pub async fn enqueue<'e, E, J>(executor: E, job: &J) -> Result<String, AppError>
where
    E: Executor<'e, Database = Any>,
    J: Job,
{
    enqueue_after(executor, job, Duration::ZERO).await
}

/// [`enqueue`], to run once `delay` has passed.
///
/// # Errors
/// [`AppError::Internal`] when the job cannot be encoded or the database fails.
pub async fn enqueue_after<'e, E, J>(
    executor: E,
    job: &J,
    delay: Duration,
) -> Result<String, AppError>
where
    E: Executor<'e, Database = Any>,
    J: Job,
{
    let payload = serde_json::to_string(job)?;
    insert(
        executor,
        J::KIND,
        &payload,
        J::MAX_ATTEMPTS,
        now_ms().saturating_add(millis(delay)),
    )
    .await
}

/// Enqueues `job` to run once `delay` has passed, unless a job of its kind already waits
/// to run: many events, one run (a digest of what happened meanwhile). Answers the new
/// job's id, or `None` when one was waiting.
///
/// # Errors
/// [`AppError::Internal`] when the job cannot be encoded or the database fails.
pub async fn enqueue_once_after<'e, E, J>(
    executor: E,
    job: &J,
    delay: Duration,
) -> Result<Option<String>, AppError>
where
    E: Executor<'e, Database = Any>,
    J: Job,
{
    let payload = serde_json::to_string(job)?;
    let id = new_id();
    let now = now_ms();
    let made = sqlx::query(
        "INSERT INTO mizan_jobs \
         (id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at) \
         SELECT $1, $2, $3, 'queued', 0, $4, $5, $6, $6 \
         WHERE NOT EXISTS (SELECT 1 FROM mizan_jobs WHERE kind = $2 AND state = 'queued')",
    )
    .bind(&id)
    .bind(J::KIND)
    .bind(&payload)
    .bind(i64::from(J::MAX_ATTEMPTS))
    .bind(now.saturating_add(millis(delay)))
    .bind(now)
    .execute(executor)
    .await?;
    Ok((made.rows_affected() > 0).then_some(id))
}

/// Stores a job of `kind` with its encoded `payload`.
pub(crate) async fn insert<'e, E>(
    executor: E,
    kind: &str,
    payload: &str,
    max_attempts: u32,
    run_at: i64,
) -> Result<String, AppError>
where
    E: Executor<'e, Database = Any>,
{
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mizan_jobs \
         (id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(kind)
    .bind(payload)
    .bind(i64::from(max_attempts))
    .bind(run_at)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(id)
}

/// A job a worker holds.
#[derive(Debug)]
pub(crate) struct Claimed {
    pub id: String,
    /// This claim's own lock (`locked_by`): what a late answer of an earlier attempt
    /// cannot match.
    pub lock: String,
    pub kind: String,
    pub payload: String,
    /// This attempt's number (1 for the first).
    pub attempts: i64,
    pub max_attempts: i64,
}

/// The claim statement of a process that runs `kinds` (made once, when its workers
/// start): it takes the job due first, of one of those kinds: a queued job whose time has
/// come, or a running one whose lease ran out (its worker died). On PostgreSQL the row is
/// locked with `SKIP LOCKED`, so workers never wait for each other; SQLite has one writer
/// at a time.
#[derive(Debug, Clone)]
pub(crate) struct ClaimStatement {
    sql: String,
    kinds: Vec<&'static str>,
}

impl ClaimStatement {
    pub(crate) fn new(kinds: Vec<&'static str>, postgres: bool) -> Self {
        let skip_locked = if postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let kind_params: Vec<String> = (0..kinds.len()).map(|n| format!("${}", n + 4)).collect();
        let sql = format!(
            "UPDATE mizan_jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM mizan_jobs \
                 WHERE ((state = 'queued' AND run_at <= $3) \
                     OR (state = 'running' AND locked_until < $3)) \
                   AND kind IN ({}) \
                 ORDER BY run_at, id LIMIT 1{skip_locked}) \
             RETURNING id, kind, payload, attempts, max_attempts",
            kind_params.join(", ")
        );
        Self { sql, kinds }
    }
}

/// Takes a job with `statement`, under a new lock of `worker`'s, until `lease` has passed.
pub(crate) async fn claim(
    pool: &AnyPool,
    statement: &ClaimStatement,
    worker: &str,
    lease: Duration,
) -> Result<Option<Claimed>, sqlx::Error> {
    if statement.kinds.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    let lock = format!("{worker}/{}", new_id());
    let mut query = sqlx::query(&statement.sql)
        .bind(&lock)
        .bind(now.saturating_add(millis(lease)))
        .bind(now);
    for kind in &statement.kinds {
        query = query.bind(*kind);
    }
    let row = query.fetch_optional(pool).await?;
    row.map(|row| {
        Ok(Claimed {
            id: row.try_get("id")?,
            lock: lock.clone(),
            kind: row.try_get("kind")?,
            payload: row.try_get("payload")?,
            attempts: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
        })
    })
    .transpose()
}

/// Marks the job held under `lock` as done; its payload goes (a finished job keeps no
/// data).
pub(crate) async fn complete(pool: &AnyPool, id: &str, lock: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mizan_jobs SET state = 'done', payload = '', locked_by = NULL, \
         locked_until = NULL, updated_at = $1 WHERE id = $2 AND locked_by = $3",
    )
    .bind(now_ms())
    .bind(id)
    .bind(lock)
    .execute(pool)
    .await
    .map(|_| ())
}

/// Records a failure of the job held under `lock`: queued again for `retry_at`, or dead.
pub(crate) async fn fail(
    pool: &AnyPool,
    id: &str,
    lock: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let (state, run_at) = match retry_at {
        Some(at) => (JobState::Queued, at),
        None => (JobState::Dead, now),
    };
    sqlx::query(
        "UPDATE mizan_jobs SET state = $1, run_at = $2, last_error = $3, locked_by = NULL, \
         locked_until = NULL, updated_at = $4 WHERE id = $5 AND locked_by = $6",
    )
    .bind(state.as_str())
    .bind(run_at)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(lock)
    .execute(pool)
    .await
    .map(|_| ())
}

/// Gives a job back unfinished (its worker is stopping): queued again at once, the
/// attempt not counted.
pub(crate) async fn release(pool: &AnyPool, id: &str, lock: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "UPDATE mizan_jobs SET state = 'queued', attempts = attempts - 1, run_at = $1, \
         locked_by = NULL, locked_until = NULL, updated_at = $1 \
         WHERE id = $2 AND locked_by = $3",
    )
    .bind(now)
    .bind(id)
    .bind(lock)
    .execute(pool)
    .await
    .map(|_| ())
}

const RECORD_COLUMNS: &str =
    "id, kind, state, attempts, max_attempts, run_at, last_error, created_at";

fn to_record(row: &AnyRow) -> Result<JobRecord, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(JobRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: JobState::from_name(&state).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "state".into(),
            source: format!("unknown job state `{state}`").into(),
        })?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: row.try_get("run_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
    })
}

async fn records(
    pool: &AnyPool,
    sql: &str,
    state: Option<&str>,
) -> Result<Vec<JobRecord>, AppError> {
    let mut query = sqlx::query(sql);
    if let Some(state) = state {
        query = query.bind(state);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(to_record)
        .collect::<Result<_, _>>()
        .map_err(AppError::from)
}

/// The newest `limit` jobs, of one state or all.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn list(
    pool: &AnyPool,
    state: Option<JobState>,
    limit: u32,
) -> Result<Vec<JobRecord>, AppError> {
    let filter = if state.is_some() {
        "WHERE state = $1 "
    } else {
        ""
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM mizan_jobs {filter}ORDER BY created_at DESC, id DESC \
         LIMIT {limit}"
    );
    records(pool, &sql, state.map(JobState::as_str)).await
}

/// The jobs that need a look, most recently changed first: dead ones, and those that
/// failed and wait for a retry.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn list_troubled(pool: &AnyPool, limit: u32) -> Result<Vec<JobRecord>, AppError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM mizan_jobs \
         WHERE state = 'dead' OR (state <> 'done' AND last_error IS NOT NULL) \
         ORDER BY updated_at DESC, id DESC LIMIT {limit}"
    );
    records(pool, &sql, None).await
}

/// Runs a dead (or waiting) job again at once, with all its attempts.
///
/// # Errors
/// [`AppError::NotFound`] when no such job waits or is dead; [`AppError::Internal`].
pub async fn retry(pool: &AnyPool, id: &str) -> Result<(), AppError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE mizan_jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1 \
         WHERE id = $2 AND state IN ('dead', 'queued')",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await;
    one_job(done)
}

/// Deletes a job that is not running.
///
/// # Errors
/// [`AppError::NotFound`] when there is no such job, or it is running; [`AppError::Internal`].
pub async fn discard(pool: &AnyPool, id: &str) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM mizan_jobs WHERE id = $1 AND state <> 'running'")
        .bind(id)
        .execute(pool)
        .await;
    one_job(done)
}

/// Ok when the statement changed a job; [`AppError::NotFound`] when it changed none.
fn one_job(result: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> Result<(), AppError> {
    match result?.rows_affected() {
        0 => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

/// Deletes the jobs that finished before `before` (Unix milliseconds).
pub(crate) async fn prune_done(pool: &AnyPool, before: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM mizan_jobs WHERE state = 'done' AND updated_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Waiting for their time or a worker.
    pub queued: i64,
    /// Held by a worker.
    pub running: i64,
    /// Finished (kept a week).
    pub done: i64,
    /// Failed for good.
    pub dead: i64,
}

/// How many jobs are in each state.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn counts(pool: &AnyPool) -> Result<JobCounts, AppError> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM mizan_jobs GROUP BY state")
        .fetch_all(pool)
        .await?;
    let mut counts = JobCounts::default();
    for row in &rows {
        let state: String = row.try_get("state")?;
        let n: i64 = row.try_get("n")?;
        match JobState::from_name(&state) {
            Some(JobState::Queued) => counts.queued = n,
            Some(JobState::Running) => counts.running = n,
            Some(JobState::Done) => counts.done = n,
            Some(JobState::Dead) => counts.dead = n,
            None => {}
        }
    }
    Ok(counts)
}
