//! Job kinds and the workers that run them.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::AnyPool;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::queue::{self, ClaimStatement, Claimed, millis, now_ms};
use super::schedule::{self, Every};
use crate::error::AppError;
use crate::runtime::{AppState, SHUTDOWN_GRACE};

/// What a failed job says; any error converts into it with `?`.
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// A failure no retry can mend (a bad address, a payload this code cannot read): the job
/// is dead at once. Return `Err(Box::new(Permanent(e.into())))`.
#[derive(Debug)]
pub struct Permanent(pub JobError);

impl std::fmt::Display for Permanent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (not worth another attempt)", self.0)
    }
}

impl std::error::Error for Permanent {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Work to do outside a request: a value stored as JSON, and what to do with it.
///
/// ```
/// use mizan::AppError;
/// use mizan::auth::users;
/// use mizan::jobs::{self, Job, JobError};
/// use mizan::runtime::AppState;
/// use mizan::server::mail::{self, Email};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct WelcomeNote {
///     user_id: String,
/// }
///
/// impl Job for WelcomeNote {
///     const KIND: &'static str = "app.welcome_note";
///
///     async fn run(self, state: AppState) -> Result<(), JobError> {
///         // The account may be gone by the time the job runs: then there is no one to greet.
///         let Some(user) = users::find_active(&state.db, &self.user_id).await? else {
///             return Ok(());
///         };
///         let note = Email {
///             to: user.email,
///             subject: "Welcome".into(),
///             body: format!("Hello {}, and welcome.", user.name),
///         };
///         mail::send_now(&state, note).await
///     }
/// }
/// mizan::job!(WelcomeNote); // every app of the binary runs this kind
///
/// /// Enqueued with the data it belongs to: both are stored, or neither.
/// async fn welcome(state: &AppState, user_id: String) -> Result<(), AppError> {
///     let mut tx = state.db.begin().await?;
///     // … the account's own rows, written through `tx` …
///     jobs::enqueue(&mut *tx, &WelcomeNote { user_id }).await?;
///     tx.commit().await?;
///     state.jobs.wake();
///     Ok(())
/// }
/// ```
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// Its stable name in the queue (keep it when you rename the type).
    const KIND: &'static str;
    /// How many times it may be tried before it is dead.
    const MAX_ATTEMPTS: u32 = 10;
    /// How long one attempt may take; past it, the attempt fails (and is retried).
    const TIMEOUT: Duration = Duration::from_secs(60);

    /// Does the work. An error is retried later (at least once more: make the work safe
    /// to repeat).
    fn run(self, state: AppState) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// How long a claimed job stays its worker's beyond its timeout, before another process
/// may take it up (its worker is then known to be gone).
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

type Start = Arc<
    dyn Fn(&str, AppState) -> Result<BoxFuture<'static, Result<(), JobError>>, serde_json::Error>
        + Send
        + Sync,
>;

/// One kind of job: how to decode and start it, and how long it may run.
#[derive(Clone)]
struct Kind {
    start: Start,
    timeout: Duration,
    /// The type that runs it: two types may not claim one kind.
    job: TypeId,
}

/// The job kinds this process runs, and the periodic ones it enqueues.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: HashMap<&'static str, Kind>,
    periodic: Vec<Every>,
    /// Kinds a second type claimed: the first type's jobs would never run.
    clashes: Vec<&'static str>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds.keys().collect::<Vec<_>>())
            .field("periodic", &self.periodic)
            .finish()
    }
}

/// A job kind registered with [`crate::job!`]: run by every app of the binary.
pub struct RegisteredJob {
    add: fn(&mut Registry),
}

impl RegisteredJob {
    /// The registration of kind `J` (what [`crate::job!`] submits).
    pub const fn of<J: Job>() -> Self {
        Self {
            add: Registry::register::<J>,
        }
    }
}

inventory::collect!(RegisteredJob);

impl Registry {
    /// Every job kind registered with [`crate::job!`] in this binary.
    pub fn registered() -> Self {
        let mut registry = Self::default();
        for job in inventory::iter::<RegisteredJob> {
            (job.add)(&mut registry);
        }
        registry
    }

    /// Runs jobs of kind `J` in this process.
    pub fn register<J: Job>(&mut self) {
        let start: Start = Arc::new(|payload: &str, state: AppState| {
            let job: J = serde_json::from_str(payload)?;
            let run: BoxFuture<'static, Result<(), JobError>> = Box::pin(job.run(state));
            Ok(run)
        });
        let kind = Kind {
            start,
            timeout: J::TIMEOUT,
            job: TypeId::of::<J>(),
        };
        if let Some(before) = self.kinds.insert(J::KIND, kind)
            && before.job != TypeId::of::<J>()
            && !self.clashes.contains(&J::KIND)
        {
            self.clashes.push(J::KIND);
        }
    }

    /// The kinds that two job types claim (`Job::KIND` repeated): start-up refuses them.
    pub fn clashes(&self) -> &[&'static str] {
        &self.clashes
    }

    /// Enqueues `every`'s job once per period across every process (and runs its kind).
    pub fn schedule(&mut self, every: Every) {
        self.periodic.push(every);
    }

    /// The longest a job of any kind may run, plus the margin: how long a worker holds
    /// what it claims.
    fn lease(&self) -> Duration {
        self.kinds
            .values()
            .map(|kind| kind.timeout)
            .max()
            .unwrap_or(Duration::from_secs(60))
            + LEASE_MARGIN
    }
}

/// The app's handle on its queue (in the state: `state.jobs`).
#[derive(Debug, Clone)]
pub struct Jobs {
    pool: AnyPool,
    wake: Arc<Notify>,
}

impl Jobs {
    /// The queue in `pool`'s database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            pool,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Enqueues `job` on its own (see [`super::enqueue`] to enqueue it in a
    /// transaction) and wakes this process's workers.
    ///
    /// # Errors
    /// [`AppError::Internal`] when the job cannot be encoded or the database fails.
    pub async fn enqueue<J: Job>(&self, job: &J) -> Result<String, AppError> {
        let id = queue::enqueue(&self.pool, job).await?;
        self.wake();
        Ok(id)
    }

    /// Wakes this process's workers: call it after committing a transaction that
    /// enqueued jobs, so they start at once rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// How the workers of one process run.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// At most this many jobs at once.
    pub concurrency: usize,
    /// How often to look for due jobs when nothing wakes the workers.
    pub poll: Duration,
    /// The wait after a first failure; it doubles with each attempt (an hour at most).
    pub backoff: Duration,
    /// Whether the database is PostgreSQL (claims use `SKIP LOCKED`).
    pub postgres: bool,
}

/// This process's workers and scheduler, running until [`Workers::stop`].
#[derive(Debug)]
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

struct Context {
    state: AppState,
    registry: Registry,
    /// How it claims: only the kinds this process runs.
    claim: ClaimStatement,
    settings: WorkerSettings,
    worker: String,
    lease: Duration,
    /// The jobs running here: (id, lock).
    held: Mutex<HashSet<(String, String)>>,
}

impl Workers {
    /// Starts claiming and running jobs, and enqueuing the periodic ones.
    pub fn start(state: AppState, registry: Registry, settings: WorkerSettings) -> Self {
        let (stop, stopped) = watch::channel(false);
        let context = Arc::new(Context {
            lease: registry.lease(),
            claim: ClaimStatement::new(registry.kinds.keys().copied().collect(), settings.postgres),
            worker: format!("{}:{}", std::process::id(), crate::server::db::new_id()),
            held: Mutex::new(HashSet::new()),
            state,
            registry,
            settings,
        });
        let mut tasks = JoinSet::new();
        tasks.spawn(schedule::run(
            context.state.db.clone(),
            context.registry.periodic.clone(),
            context.state.jobs.clone(),
            stopped.clone(),
        ));
        tasks.spawn(claim_and_run(context, stopped));
        Self { stop, tasks }
    }

    /// Stops claiming; lets running jobs finish for at most [`SHUTDOWN_GRACE`], then
    /// gives the rest back to the queue (another worker, or this one after a restart,
    /// takes them up).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Claims a job whenever a worker is free, until told to stop.
async fn claim_and_run(context: Arc<Context>, mut stopped: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(context.settings.concurrency.max(1)));
    let mut running = JoinSet::new();
    let wake = context.state.jobs.wake.clone();
    loop {
        if *stopped.borrow() {
            break;
        }
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        while running.try_join_next().is_some() {}
        let pause = match queue::claim(
            &context.state.db,
            &context.claim,
            &context.worker,
            context.lease,
        )
        .await
        {
            Ok(Some(job)) => {
                let context = context.clone();
                running.spawn(async move {
                    run_claimed(&context, job).await;
                    drop(permit);
                });
                continue;
            }
            Ok(None) => context.settings.poll,
            Err(e) => {
                tracing::warn!(error = %e, "jobs: cannot claim a job");
                context.settings.poll.max(Duration::from_secs(1))
            }
        };
        drop(permit);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = wake.notified() => {}
            _ = stopped.changed() => break,
        }
    }
    let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        running.abort_all();
        while running.join_next().await.is_some() {}
        let unfinished: Vec<(String, String)> = context
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (id, lock) in unfinished {
            if let Err(e) = queue::release(&context.state.db, &id, &lock).await {
                tracing::warn!(error = %e, job = %id, "jobs: cannot give an unfinished job back");
            }
        }
    }
}

/// How an attempt ended.
enum Outcome {
    Done,
    /// Worth another attempt.
    Failed(String),
    /// No attempt can succeed ([`Permanent`], or its worker kept dying).
    Hopeless(String),
}

/// Runs one claimed job and records how it went.
async fn run_claimed(context: &Context, job: Claimed) {
    let key = (job.id.clone(), job.lock.clone());
    let held = |add: bool| {
        let mut held = context.held.lock().unwrap_or_else(PoisonError::into_inner);
        if add {
            held.insert(key.clone());
        } else {
            held.remove(&key);
        }
    };
    held(true);
    let outcome = if job.attempts > job.max_attempts {
        // Taken up again after its worker died, too many times.
        Outcome::Hopeless("its worker stopped during every attempt".to_owned())
    } else {
        attempt(context, &job).await
    };
    let retry_at = match &outcome {
        Outcome::Failed(_) if job.attempts < job.max_attempts => {
            let wait = backoff(context.settings.backoff, job.attempts);
            Some((wait, now_ms().saturating_add(millis(wait))))
        }
        _ => None,
    };
    match (&outcome, retry_at) {
        (Outcome::Done, _) => {
            tracing::info!(kind = %job.kind, job = %job.id, attempt = job.attempts, "job done");
        }
        (Outcome::Failed(error), Some((wait, _))) => {
            tracing::warn!(kind = %job.kind, job = %job.id, attempt = job.attempts, %error,
                retry_in = ?wait, "job failed; it will be retried");
        }
        (Outcome::Failed(error) | Outcome::Hopeless(error), _) => {
            tracing::error!(kind = %job.kind, job = %job.id, attempt = job.attempts, %error,
                "job dead: it will not be tried again (server jobs retry ID)");
        }
    }
    // A write that fails would leave the job to run again after its lease: try a few
    // times before giving up on it.
    let db = &context.state.db;
    for pause_ms in [0, 100, 500, 2000] {
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        let recorded = match &outcome {
            Outcome::Done => queue::complete(db, &job.id, &job.lock).await,
            Outcome::Failed(error) | Outcome::Hopeless(error) => {
                let retry = retry_at.map(|(_, at)| at);
                queue::fail(db, &job.id, &job.lock, error, retry).await
            }
        };
        match recorded {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(error = %e, job = %job.id, "jobs: cannot record how a job went")
            }
        }
    }
    held(false);
}

/// One attempt, within the kind's timeout; a panic is a failure like any other.
async fn attempt(context: &Context, job: &Claimed) -> Outcome {
    let Some(kind) = context.registry.kinds.get(job.kind.as_str()) else {
        // Claims name the kinds this process runs: only a registry changed under it.
        return Outcome::Failed(format!("no worker here runs jobs of kind `{}`", job.kind));
    };
    let run = match (kind.start)(&job.payload, context.state.clone()) {
        Ok(run) => run,
        // Perhaps written by a newer version of the app: worth another attempt later.
        Err(e) => return Outcome::Failed(format!("its payload does not decode: {e}")),
    };
    match tokio::time::timeout(kind.timeout, AssertUnwindSafe(run).catch_unwind()).await {
        Ok(Ok(Ok(()))) => Outcome::Done,
        Ok(Ok(Err(e))) if e.is::<Permanent>() => Outcome::Hopeless(e.to_string()),
        Ok(Ok(Err(e))) => Outcome::Failed(e.to_string()),
        Ok(Err(panic)) => Outcome::Failed(format!("it panicked: {}", panic_message(&*panic))),
        Err(_) => Outcome::Failed(format!("it took longer than {:?}", kind.timeout)),
    }
}

/// What a panic said, when it said it with text.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// The wait before the attempt after `attempts`: `base`, doubled per attempt, an hour
/// at most.
fn backoff(base: Duration, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_with_each_attempt_up_to_an_hour() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1), Duration::from_secs(1));
        assert_eq!(backoff(base, 2), Duration::from_secs(2));
        assert_eq!(backoff(base, 5), Duration::from_secs(16));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
        assert_eq!(backoff(base, 0), base);
    }

    #[derive(Serialize, serde::Deserialize)]
    struct Report;

    #[derive(Serialize, serde::Deserialize)]
    struct Digest;

    impl Job for Report {
        const KIND: &'static str = "app.report";
        async fn run(self, _: AppState) -> Result<(), JobError> {
            Ok(())
        }
    }

    impl Job for Digest {
        const KIND: &'static str = "app.report";
        async fn run(self, _: AppState) -> Result<(), JobError> {
            Ok(())
        }
    }

    #[test]
    fn two_types_of_one_kind_clash_and_one_type_twice_does_not() {
        let mut registry = Registry::default();
        registry.register::<Report>();
        registry.register::<Report>();
        assert!(registry.clashes().is_empty());
        registry.register::<Digest>();
        registry.register::<Report>();
        assert_eq!(registry.clashes(), ["app.report"]);
    }
}
