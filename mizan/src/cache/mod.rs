//! The origin cache: successful results of server functions declared with
//! `#[mizan::server(…, cache = "60s")]`, kept for their TTL.
//!
//! - Keys are HMACs of the function's name and its canonical params (`key`, specified
//!   with test vectors in `docs/cache-keys.md`), so they reveal nothing and cannot be
//!   forged without `SECRET_KEY`.
//! - Stored under `mizan:cache:<name>:v<version>:<scope>:<digest>`: `<scope>` is `shared`
//!   for public functions and `user:<id>` (or `anon`) for the others and for every
//!   function that takes its caller, so one user never sees another's result; purging a
//!   whole function bumps its version. A shared entry computed by a body that read the
//!   caller anyway ([`crate::auth::current_user`]) is refused: never stored, never served,
//!   an error that names the function ([`reading_the_caller`]).
//! - In-process ([`moka`], bounded) by default; Redis when `REDIS_URL` is set, shared by
//!   every server process. Concurrent misses for one key compute once. When Redis fails
//!   or is slow the function is computed and served anyway: the cache never makes the
//!   site fail. Errors are never cached.

pub mod edge;
mod key;
mod metrics;
mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use key::{KeyMaker, canonical};
pub use metrics::{CacheMetrics, Outcome};
pub use store::{RedisStore, StoreError};

use crate::error::AppError;
use store::Store;

tokio::task_local! {
    /// Set while a shared entry is computed: whether the computation read its caller.
    static SHARED_COMPUTATION: std::cell::Cell<bool>;
}

/// Says that the code running now reads who its caller is ([`crate::auth::current_user`]
/// calls it): a shared entry computed meanwhile is refused.
pub fn reading_the_caller() {
    let _ = SHARED_COMPUTATION.try_with(|read| read.set(true));
}

/// `compute`, run so that a body that reads its caller fails instead of being stored
/// for everyone.
async fn shared_computation<T>(
    name: &str,
    compute: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    SHARED_COMPUTATION
        .scope(std::cell::Cell::new(false), async {
            let value = compute.await?;
            if SHARED_COMPUTATION.with(std::cell::Cell::get) {
                return Err(AppError::internal(format!(
                    "`{name}` is cached for everyone but read its caller: take the caller as a \
                     `#[user]` argument (its entries are then per user) or cache it with \
                     `cache_scope = \"user\"`"
                )));
            }
            Ok(value)
        })
        .await
}

/// Whose entry a cached result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One entry for every caller (the default for public functions).
    Shared,
    /// One entry per signed-in user, and one for anonymous callers (the default for
    /// functions that need a user).
    User,
}

/// How one function is cached, as its attribute says.
#[derive(Debug, Clone, Copy)]
pub struct CacheSpec {
    /// The function's endpoint name (`echo`).
    pub name: &'static str,
    /// How long a result stays.
    pub ttl: Duration,
    /// Whose entry it is.
    pub scope: Scope,
}

/// The cache shared by every request of a server. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Cache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    keys: KeyMaker,
    store: Store,
    metrics: CacheMetrics,
    epoch: u64,
}

/// Most entries the in-process cache holds before it evicts the least useful.
pub const MEMORY_CAPACITY: u64 = 10_000;

impl Cache {
    /// An in-process cache of at most `capacity` entries.
    pub fn in_memory(keys: KeyMaker, capacity: u64) -> Self {
        // Its versions start again at 0 with the process: a new epoch tells the edge.
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_millis().try_into().unwrap_or(u64::MAX));
        Self::with_store(keys, Store::memory(capacity), started)
    }

    /// A cache kept in Redis, shared by every server process.
    pub fn redis(keys: KeyMaker, redis: RedisStore) -> Self {
        Self::with_store(keys, Store::redis(redis), 0)
    }

    fn with_store(keys: KeyMaker, store: Store, epoch: u64) -> Self {
        Self {
            inner: Arc::new(Inner {
                keys,
                store,
                metrics: CacheMetrics::default(),
                epoch,
            }),
        }
    }

    /// What the versions count from: 0 in Redis (they last), the start of this process
    /// (Unix milliseconds) in memory, whose versions start again at 0 with the process.
    /// The edge names its entries with both.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch
    }

    /// Hits, misses, errors and purges so far.
    pub fn metrics(&self) -> &CacheMetrics {
        &self.inner.metrics
    }

    /// The keys its digests are made with (and edge purges signed with).
    pub fn keys(&self) -> &KeyMaker {
        &self.inner.keys
    }

    /// The digest of a call ([`KeyMaker::digest`]).
    pub fn digest(&self, name: &str, params: &Value) -> String {
        self.inner.keys.digest(name, params)
    }

    /// The name an entry is stored under.
    pub fn stored_key(name: &str, version: u64, scope: &str, digest: &str) -> String {
        format!("{}v{version}:{scope}:{digest}", prefix(name))
    }

    /// The current version of `name`'s namespace (0 until its first purge).
    ///
    /// # Errors
    /// [`StoreError`] when Redis fails.
    pub async fn version(&self, name: &str) -> Result<u64, StoreError> {
        self.inner.store.version(name).await
    }

    /// The result of `compute()` for this call, from the cache when it is there; computed
    /// (once, however many callers wait) and stored otherwise. `compute` is called on a
    /// miss only, so a hit never builds the computation.
    ///
    /// # Errors
    /// What `compute` returns; never an error of the cache itself.
    pub async fn get_or_compute<T, Fut>(
        &self,
        spec: &CacheSpec,
        user: Option<&str>,
        params: &Value,
        compute: impl FnOnce() -> Fut,
    ) -> Result<T, AppError>
    where
        T: Serialize + DeserializeOwned,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let suffix = suffix(spec.scope, user, &self.digest(spec.name, params));
        let metrics = &self.inner.metrics;
        let json = self
            .inner
            .store
            .get_or_insert(spec.name, &suffix, spec.ttl, metrics, || async {
                let value = match spec.scope {
                    Scope::Shared => shared_computation(spec.name, compute()).await?,
                    Scope::User => compute().await?,
                };
                serde_json::to_string(&value)
                    .map(Arc::<str>::from)
                    .map_err(AppError::from)
            })
            .await?;
        serde_json::from_str(&json).map_err(AppError::from)
    }

    /// The stored answer of this call, if the cache has one: the JSON as it was encoded,
    /// to send as it is. `None` when there is none or the store cannot answer.
    pub async fn lookup(
        &self,
        spec: &CacheSpec,
        user: Option<&str>,
        params: &Value,
    ) -> Option<Arc<str>> {
        let suffix = suffix(spec.scope, user, &self.digest(spec.name, params));
        self.inner
            .store
            .lookup(spec.name, &suffix, &self.inner.metrics)
            .await
    }

    /// Removes the entry of one call (`user`: whose entry, for per-user functions).
    /// Returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`] when Redis fails.
    pub async fn purge(
        &self,
        name: &str,
        params: &Value,
        scope: Scope,
        user: Option<&str>,
    ) -> Result<bool, StoreError> {
        let suffix = suffix(scope, user, &self.digest(name, params));
        let removed = self.inner.store.remove(name, &suffix).await?;
        self.inner.metrics.record(name, Outcome::Purge);
        tracing::info!(function = name, removed, "cache entry purged");
        Ok(removed)
    }

    /// Removes every entry of `name`, for every params and user.
    ///
    /// # Errors
    /// [`StoreError`] when Redis fails.
    pub async fn purge_all(&self, name: &str) -> Result<(), StoreError> {
        let version = self.inner.store.bump_version(name).await?;
        self.inner.metrics.record(name, Outcome::Purge);
        tracing::info!(function = name, version, "cache purged");
        Ok(())
    }
}

/// Every stored name of function `name` starts with this.
fn prefix(name: &str) -> String {
    format!("mizan:cache:{name}:")
}

/// What follows the function's name and version in a stored key: `:<scope>:<digest>`.
fn suffix(scope: Scope, user: Option<&str>, digest: &str) -> String {
    let mut suffix = String::with_capacity(digest.len() + 48);
    suffix.push(':');
    match (scope, user) {
        (Scope::Shared, _) => suffix.push_str("shared"),
        (Scope::User, Some(id)) => {
            suffix.push_str("user:");
            suffix.push_str(id);
        }
        (Scope::User, None) => suffix.push_str("anon"),
    }
    suffix.push(':');
    suffix.push_str(digest);
    suffix
}

/// The params of a call, as the macro builds them: argument name → JSON value.
///
/// # Errors
/// [`AppError::Internal`] if an argument cannot be written as JSON.
pub fn params(args: Vec<(&str, Result<Value, serde_json::Error>)>) -> Result<Value, AppError> {
    args.into_iter()
        .map(|(name, value)| value.map(|value| (name.to_owned(), value)))
        .collect::<Result<serde_json::Map<_, _>, _>>()
        .map(Value::Object)
        .map_err(AppError::from)
}

/// One argument as JSON, for [`params`].
///
/// # Errors
/// serde_json's, when the value cannot be written as JSON.
pub fn param<T: Serialize>(value: &T) -> Result<Value, serde_json::Error> {
    serde_json::to_value(value)
}

pub use serde_json::json;
