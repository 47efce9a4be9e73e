//! Periodic jobs: each period's job is enqueued once across every process.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use super::queue::{self, millis, now_ms};
use super::worker::{Job, Jobs};

/// How often a process looks at the schedule (at most: a shorter period is looked at
/// as often as it comes).
const LOOK_EVERY: Duration = Duration::from_secs(5);

type Encode = Arc<dyn Fn() -> Result<String, serde_json::Error> + Send + Sync>;

/// A job enqueued every `period`, named after its kind.
#[derive(Clone)]
pub struct Every {
    kind: &'static str,
    period: Duration,
    max_attempts: u32,
    encode: Encode,
}

impl std::fmt::Debug for Every {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Every")
            .field("kind", &self.kind)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Every {
    /// `job`, enqueued every `period` (a second at least; the first time once the first
    /// server starts). The schedule is named after the job's kind: one per kind.
    pub fn new<J: Job + Clone + Sync>(period: Duration, job: J) -> Self {
        Self {
            kind: J::KIND,
            period: period.max(Duration::from_secs(1)),
            max_attempts: J::MAX_ATTEMPTS,
            encode: Arc::new(move || serde_json::to_string(&job)),
        }
    }
}

/// Enqueues each periodic job when its period comes, until told to stop.
pub(super) async fn run(
    pool: AnyPool,
    periodic: Vec<Every>,
    jobs: Jobs,
    mut stopped: watch::Receiver<bool>,
) {
    if periodic.is_empty() {
        return;
    }
    for every in &periodic {
        // The first process to start makes the row; the job is due at once.
        let made = sqlx::query(
            "INSERT INTO mizan_schedule (name, next_run) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(every.kind)
        .bind(now_ms())
        .execute(&pool)
        .await;
        if let Err(e) = made {
            tracing::warn!(error = %e, kind = every.kind, "jobs: cannot schedule a periodic job");
        }
    }
    let look_every = periodic
        .iter()
        .map(|every| every.period)
        .min()
        .unwrap_or(LOOK_EVERY)
        .min(LOOK_EVERY);
    loop {
        for every in &periodic {
            match enqueue_if_due(&pool, every).await {
                Ok(true) => jobs.wake(),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, kind = every.kind, "jobs: schedule"),
            }
        }
        tokio::select! {
            () = tokio::time::sleep(look_every) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// When `every`'s period has come, moves it to the next one and enqueues its job, in
/// one transaction: of the processes that look at once, one moves it.
async fn enqueue_if_due(
    pool: &AnyPool,
    every: &Every,
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let now = now_ms();
    let next_run: Option<i64> =
        sqlx::query_scalar("SELECT next_run FROM mizan_schedule WHERE name = $1")
            .bind(every.kind)
            .fetch_optional(pool)
            .await?;
    if next_run.is_none_or(|at| at > now) {
        return Ok(false);
    }
    let mut tx = pool.begin().await?;
    let moved =
        sqlx::query("UPDATE mizan_schedule SET next_run = $1 WHERE name = $2 AND next_run <= $3")
            .bind(now.saturating_add(millis(every.period)))
            .bind(every.kind)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    let payload = (every.encode)()?;
    queue::insert(&mut *tx, every.kind, &payload, every.max_attempts, now).await?;
    tx.commit().await?;
    Ok(true)
}
