//! Where cached results live: in this process (moka) or in Redis.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::Expiry;
use redis::aio::ConnectionManager;

use super::metrics::{CacheMetrics, Outcome};
use super::prefix;
use crate::error::AppError;

/// Why Redis could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis answered with an error, or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

/// A value with the time it may be kept.
#[derive(Clone)]
pub(super) struct Stored {
    json: Arc<str>,
    ttl: Duration,
}

/// Each entry expires after its own TTL.
struct PerEntryTtl;

impl Expiry<String, Stored> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, value: &Stored, _at: Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

type Entries = moka::future::Cache<String, Stored>;

fn entries(capacity: u64) -> Entries {
    moka::future::Cache::builder()
        .max_capacity(capacity)
        .expire_after(PerEntryTtl)
        .build()
}

/// The two stores. Both coalesce concurrent misses of one key through a moka cache: for
/// the in-process store it holds the entries themselves; for Redis it holds each
/// computation only while it runs (TTL zero).
pub(super) enum Store {
    Memory {
        entries: Entries,
        versions: Mutex<HashMap<String, u64>>,
    },
    Redis {
        redis: RedisStore,
        flights: Entries,
    },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Memory { .. } => "Store::Memory",
            Self::Redis { .. } => "Store::Redis",
        })
    }
}

impl Store {
    pub(super) fn memory(capacity: u64) -> Self {
        Self::Memory {
            entries: entries(capacity),
            versions: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn redis(redis: RedisStore) -> Self {
        Self::Redis {
            redis,
            flights: entries(super::MEMORY_CAPACITY),
        }
    }

    fn memory_version(versions: &Mutex<HashMap<String, u64>>, name: &str) -> u64 {
        versions
            .lock()
            .map(|v| v.get(name).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    pub(super) async fn version(&self, name: &str) -> Result<u64, StoreError> {
        match self {
            Self::Memory { versions, .. } => Ok(Self::memory_version(versions, name)),
            Self::Redis { redis, .. } => redis.version(name).await,
        }
    }

    /// The JSON stored for `name` + `suffix`, if there is some (a hit is counted). A
    /// failing Redis counts as no entry: the caller computes, and reports the failure.
    pub(super) async fn lookup(
        &self,
        name: &str,
        suffix: &str,
        metrics: &CacheMetrics,
    ) -> Option<Arc<str>> {
        let json = match self {
            Self::Memory { entries, versions } => {
                let version = Self::memory_version(versions, name);
                let key = format!("{}v{version}{suffix}", prefix(name));
                entries.get(&key).await.map(|stored| stored.json)
            }
            Self::Redis { redis, .. } => redis.lookup(name, suffix).await.ok()?.1,
        }?;
        metrics.record(name, Outcome::Hit);
        Some(json)
    }

    /// The JSON stored for `name` + `suffix`, or `init()`'s, stored for `ttl`.
    pub(super) async fn get_or_insert<F>(
        &self,
        name: &str,
        suffix: &str,
        ttl: Duration,
        metrics: &CacheMetrics,
        init: impl FnOnce() -> F,
    ) -> Result<Arc<str>, AppError>
    where
        F: Future<Output = Result<Arc<str>, AppError>>,
    {
        // Hits are the common case: a plain read, without the coalescing machinery that
        // only misses need. The miss is boxed, so a hit's future stays small.
        if let Some(json) = self.lookup(name, suffix, metrics).await {
            return Ok(json);
        }
        Box::pin(self.insert(name, suffix, ttl, metrics, init())).await
    }

    /// A miss: `init`'s JSON, computed once however many callers wait, then stored for
    /// `ttl`.
    async fn insert(
        &self,
        name: &str,
        suffix: &str,
        ttl: Duration,
        metrics: &CacheMetrics,
        init: impl Future<Output = Result<Arc<str>, AppError>>,
    ) -> Result<Arc<str>, AppError> {
        match self {
            Self::Memory { entries, versions } => {
                let version = Self::memory_version(versions, name);
                let key = format!("{}v{version}{suffix}", prefix(name));
                let entry = entries
                    .entry(key)
                    .or_try_insert_with(async { init.await.map(|json| Stored { json, ttl }) })
                    .await
                    .map_err(|e| (*e).clone())?;
                let outcome = if entry.is_fresh() {
                    Outcome::Miss
                } else {
                    Outcome::Hit
                };
                metrics.record(name, outcome);
                Ok(entry.into_value().json)
            }
            Self::Redis { redis, flights } => {
                let flight = format!("{}{suffix}", prefix(name));
                let computed = flights
                    .try_get_with(flight, async {
                        let json = redis
                            .get_or_compute(name, suffix, ttl, metrics, init)
                            .await?;
                        Ok::<_, AppError>(Stored {
                            json,
                            ttl: Duration::ZERO,
                        })
                    })
                    .await
                    .map_err(|e| (*e).clone())?;
                Ok(computed.json)
            }
        }
    }

    /// Removes one entry; whether it was there.
    pub(super) async fn remove(&self, name: &str, suffix: &str) -> Result<bool, StoreError> {
        match self {
            Self::Memory { entries, versions } => {
                let version = Self::memory_version(versions, name);
                let key = format!("{}v{version}{suffix}", prefix(name));
                Ok(entries.remove(&key).await.is_some())
            }
            Self::Redis { redis, .. } => redis.remove(name, suffix).await,
        }
    }

    /// Starts a new namespace for `name`: every older entry is unreachable from now on.
    pub(super) async fn bump_version(&self, name: &str) -> Result<u64, StoreError> {
        match self {
            Self::Memory { versions, .. } => {
                let mut versions = versions.lock().unwrap_or_else(|e| e.into_inner());
                let version = versions.entry(name.to_owned()).or_insert(0);
                *version += 1;
                Ok(*version)
            }
            Self::Redis { redis, .. } => redis.bump_version(name).await,
        }
    }
}

/// The cache's side of Redis: one multiplexed connection that reconnects by itself, and a
/// time limit on every command.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    timeout: Duration,
    lookup: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One round trip for a lookup: the function's version, then the entry under it.
const LOOKUP: &str = r"
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', ARGV[1] .. 'v' .. version .. ARGV[2])}
";

impl RedisStore {
    /// A store over `connection`, waiting at most `timeout` for each command.
    pub fn new(connection: ConnectionManager, timeout: Duration) -> Self {
        Self {
            connection,
            timeout,
            lookup: Arc::new(redis::Script::new(LOOKUP)),
        }
    }

    fn version_key(name: &str) -> String {
        format!("{}version", prefix(name))
    }

    async fn limited<T>(
        &self,
        command: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, command).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(StoreError::Timeout(self.timeout)),
        }
    }

    /// The function's version and the entry stored under it, in one round trip.
    async fn lookup(
        &self,
        name: &str,
        suffix: &str,
    ) -> Result<(String, Option<Arc<str>>), StoreError> {
        let mut connection = self.connection.clone();
        let (version, json) = self
            .limited(
                self.lookup
                    .key(Self::version_key(name))
                    .arg(prefix(name))
                    .arg(suffix)
                    .invoke_async::<(String, Option<String>)>(&mut connection),
            )
            .await?;
        Ok((version, json.map(Arc::from)))
    }

    async fn version(&self, name: &str) -> Result<u64, StoreError> {
        let mut connection = self.connection.clone();
        let version: Option<u64> = self
            .limited(
                redis::cmd("GET")
                    .arg(Self::version_key(name))
                    .query_async(&mut connection),
            )
            .await?;
        Ok(version.unwrap_or(0))
    }

    async fn get_or_compute(
        &self,
        name: &str,
        suffix: &str,
        ttl: Duration,
        metrics: &CacheMetrics,
        init: impl Future<Output = Result<Arc<str>, AppError>>,
    ) -> Result<Arc<str>, AppError> {
        let looked_up = self.lookup(name, suffix).await;
        let version = match looked_up {
            Ok((_, Some(json))) => {
                metrics.record(name, Outcome::Hit);
                return Ok(json);
            }
            Ok((version, None)) => version,
            Err(e) => {
                // The site never fails because the cache did: compute and serve.
                tracing::warn!(function = name, error = %e, "cache lookup failed");
                metrics.record(name, Outcome::Error);
                return init.await;
            }
        };
        let json = init.await?;
        let mut connection = self.connection.clone();
        let key = format!("{}v{version}{suffix}", prefix(name));
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let stored = self
            .limited(
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&*json)
                    .arg("PX")
                    .arg(millis)
                    .query_async::<()>(&mut connection),
            )
            .await;
        match stored {
            Ok(()) => metrics.record(name, Outcome::Miss),
            Err(e) => {
                tracing::warn!(function = name, error = %e, "cache store failed");
                metrics.record(name, Outcome::Error);
            }
        }
        Ok(json)
    }

    async fn remove(&self, name: &str, suffix: &str) -> Result<bool, StoreError> {
        let version = self.version(name).await?;
        let mut connection = self.connection.clone();
        let removed: u64 = self
            .limited(
                redis::cmd("DEL")
                    .arg(format!("{}v{version}{suffix}", prefix(name)))
                    .query_async(&mut connection),
            )
            .await?;
        Ok(removed > 0)
    }

    async fn bump_version(&self, name: &str) -> Result<u64, StoreError> {
        let mut connection = self.connection.clone();
        self.limited(
            redis::cmd("INCR")
                .arg(Self::version_key(name))
                .query_async(&mut connection),
        )
        .await
    }
}
