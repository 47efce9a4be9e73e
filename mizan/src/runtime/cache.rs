//! The origin cache as server functions use it: on this server's cache, from inside a
//! request (what `#[mizan::server(cache = …)]` and the typed purges call).

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::state;
use crate::cache::{CacheSpec, Scope, edge};
use crate::error::AppError;

/// What `#[mizan::server(cache = …)]` calls: [`crate::cache::Cache::get_or_compute`] on the server's
/// cache, for `user` (the caller's id, which the function's guard resolved) when the
/// function is cached per user. The body is built by `compute` on a miss only.
///
/// # Errors
/// What `compute` returns, or [`AppError::Internal`] outside a request.
pub async fn cached<T, Fut>(
    spec: &CacheSpec,
    user: Option<&str>,
    params: Value,
    compute: impl FnOnce() -> Fut,
) -> Result<T, AppError>
where
    T: Serialize + DeserializeOwned,
    Fut: Future<Output = Result<T, AppError>>,
{
    state()?
        .cache
        .get_or_compute(spec, user, &params, compute)
        .await
}

/// The stored answer of a call, as encoded JSON, if this server's cache has one: what the
/// direct dispatch of a cached function sends without running it.
///
/// # Errors
/// [`AppError::Internal`] outside a request.
pub async fn lookup(
    spec: &CacheSpec,
    user: Option<&str>,
    params: &Value,
) -> Result<Option<Arc<str>>, AppError> {
    Ok(state()?.cache.lookup(spec, user, params).await)
}

/// Removes every cached entry of function `name` on this server's cache (all params, all
/// users): the next call computes again. The edge worker, when there is one, is told
/// (through the job queue).
///
/// # Errors
/// [`AppError::Internal`] when the store fails or outside a request.
pub async fn purge_all(name: &str) -> Result<(), AppError> {
    let state = state()?;
    state
        .cache
        .purge_all(name)
        .await
        .map_err(AppError::internal)?;
    edge::announce(&state, name, None).await
}

/// Removes the entry of one call of `name` with `params` (`json!({…})`, as the function
/// receives them), for `user` when the function is cached per user. Returns whether there
/// was one.
///
/// # Errors
/// [`AppError::Internal`] when the store fails or outside a request.
pub async fn purge(
    name: &str,
    params: &Value,
    scope: Scope,
    user: Option<&str>,
) -> Result<bool, AppError> {
    let state = state()?;
    let removed = state
        .cache
        .purge(name, params, scope, user)
        .await
        .map_err(AppError::internal)?;
    // Only shared entries are ever kept at the edge.
    if scope == Scope::Shared {
        edge::announce(&state, name, Some(state.cache.digest(name, params))).await?;
    }
    Ok(removed)
}
