//! The origin's side of the edge layer (the worker in `edge/`): the manifest that tells
//! the worker what it may cache, and the signed purges sent to it.
//!
//! - The worker caches only what [`Manifest`] lists: public functions with shared
//!   entries whose arguments are strings, integers or booleans sent as their own fields,
//!   for the function's declared lifetime, under the same digest as the origin
//!   (`docs/cache-keys.md`) and the function's current version.
//! - A purge at the origin ([`announce`]) queues an [`EdgePurge`] job when
//!   `MIZAN_EDGE_URL` is set: the worker deletes the entry, or (for a purge of every
//!   entry) reads the manifest again, whose version has moved on.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use schemars::SchemaGenerator;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Cache, CacheSpec, Scope};
use crate::error::AppError;
use crate::jobs::{Job, JobError, Permanent};
use crate::routes::{EDGE_MANIFEST, EDGE_PURGE};
use crate::runtime::AppState;
use crate::runtime::dispatch::{self, Endpoint, Input};

/// Whether the edge may cache a function, as its macro decides from its attribute.
#[derive(Debug, Clone, Copy)]
pub enum AtEdge {
    /// Yes, if its arguments (these, each its own field of the request) are of a type
    /// the worker reads exactly as the origin does.
    Args(&'static [&'static str]),
    /// Never, for this reason.
    Never(&'static str),
}

/// One function the worker may cache.
#[derive(Debug, Clone, Serialize)]
struct EdgeFunction {
    name: &'static str,
    path: &'static str,
    method: &'static str,
    ttl_seconds: u64,
    args: Vec<EdgeArg>,
}

/// One argument: its field name and JSON type (`string`, `integer` or `boolean`).
#[derive(Debug, Clone, Serialize)]
struct EdgeArg {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// What the edge may cache, worked out once at start-up from the registered functions.
/// Served at [`crate::routes::EDGE_MANIFEST`] with each function's current version.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    functions: Vec<EdgeFunction>,
    skipped: Vec<(&'static str, String)>,
}

impl Manifest {
    /// The manifest of `endpoints`: the cached ones the edge may keep, and why the others
    /// stay at the origin.
    pub fn build<'a>(endpoints: impl IntoIterator<Item = &'a Endpoint>) -> Self {
        let mut manifest = Self::default();
        let mut generator = SchemaGenerator::default();
        for endpoint in endpoints {
            let Some((spec, at_edge)) = endpoint.cache else {
                continue;
            };
            match edge_function(&mut generator, endpoint, &spec, at_edge) {
                Ok(function) => manifest.functions.push(function),
                Err(reason) => manifest.skipped.push((spec.name, reason)),
            }
        }
        manifest.functions.sort_by_key(|f| f.name);
        manifest.skipped.sort();
        manifest
    }

    /// The manifest as the worker reads it, with each function's current version.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the cache's store cannot say the versions (the
    /// worker keeps the manifest it has).
    pub async fn to_json(&self, cache: &Cache) -> Result<Value, AppError> {
        let mut functions = serde_json::Map::new();
        for function in &self.functions {
            let version = cache
                .version(function.name)
                .await
                .map_err(|_| AppError::Unavailable { retry_after: 1 })?;
            let mut entry = json!(function);
            entry["version"] = json!(version);
            functions.insert(function.name.to_owned(), entry);
        }
        let skipped: serde_json::Map<String, Value> = self
            .skipped
            .iter()
            .map(|(name, reason)| ((*name).to_owned(), json!(reason)))
            .collect();
        Ok(json!({
            "format": 1,
            "epoch": cache.epoch(),
            "functions": functions,
            "not_at_edge": skipped,
        }))
    }
}

fn edge_function(
    generator: &mut SchemaGenerator,
    endpoint: &Endpoint,
    spec: &CacheSpec,
    at_edge: AtEdge,
) -> Result<EdgeFunction, String> {
    let names = match at_edge {
        AtEdge::Args(names) => names,
        AtEdge::Never(reason) => return Err(reason.to_owned()),
    };
    if spec.scope != Scope::Shared {
        return Err("its entries are per user".into());
    }
    let ttl_seconds = spec.ttl.as_secs();
    if ttl_seconds == 0 {
        return Err("it lives for less than a second".into());
    }
    let schema = (endpoint.operation.arguments)(generator).to_value();
    let args = names
        .iter()
        .map(|name| {
            let kind = schema
                .pointer(&format!("/properties/{name}"))
                .and_then(plain_kind)
                .ok_or_else(|| {
                    format!("argument `{name}` is not a plain string, an integer or a boolean")
                })?;
            Ok(EdgeArg { name, kind })
        })
        .collect::<Result<_, String>>()?;
    Ok(EdgeFunction {
        name: spec.name,
        path: endpoint.path,
        method: match endpoint.input {
            Input::Post => "POST",
            Input::Get => "GET",
        },
        ttl_seconds,
        args,
    })
}

/// The manifest's route ([`crate::routes::EDGE_MANIFEST`]), answered with the current
/// versions (503 when the store cannot say them).
pub fn routes(manifest: Manifest) -> Router<AppState> {
    let manifest = Arc::new(manifest);
    Router::new().route(
        EDGE_MANIFEST,
        get(move |State(state): State<AppState>| {
            let manifest = Arc::clone(&manifest);
            async move {
                match manifest.to_json(&state.cache).await {
                    Ok(json) => Json(json).into_response(),
                    Err(error) => dispatch::error_response(&error),
                }
            }
        }),
    )
}

/// The JSON type of an argument the worker reads exactly as the origin does: an integer,
/// a boolean, or a string with no `format` (a UUID or a date is written back differently
/// from how it was sent, so its digest would differ).
fn plain_kind(schema: &Value) -> Option<&'static str> {
    let kind = schema.get("type").and_then(Value::as_str)?;
    match kind {
        "integer" => Some("integer"),
        "boolean" => Some("boolean"),
        "string" if schema.get("format").is_none() => Some("string"),
        _ => None,
    }
}

/// Whether the edge may keep `name`'s results (a cached, shared, public function whose
/// arguments qualify): only those purges are sent to the worker.
pub fn is_at_edge(name: &str) -> bool {
    dispatch::endpoints().any(|endpoint| {
        matches!(endpoint.cache, Some((spec, AtEdge::Args(_)))
            if spec.name == name && spec.scope == Scope::Shared)
    })
}

/// Queues the purge of `name`'s entries at the edge (one entry by its `digest`, or all
/// of them) when the site has an edge (`MIZAN_EDGE_URL`).
///
/// # Errors
/// [`AppError::Internal`] when the job cannot be queued.
pub async fn announce(
    state: &AppState,
    name: &str,
    digest: Option<String>,
) -> Result<(), AppError> {
    if state.config.edge_url.is_none() || !is_at_edge(name) {
        return Ok(());
    }
    state
        .jobs
        .enqueue(&EdgePurge {
            name: name.to_owned(),
            digest,
        })
        .await
        .map(|_| ())
}

/// A purge for the edge worker: one entry of `name` (its `digest`), or every entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgePurge {
    /// The function's endpoint name.
    pub name: String,
    /// The entry's digest; `None`: every entry.
    pub digest: Option<String>,
}

/// How long the worker may take to answer a purge.
const PURGE_TIMEOUT: Duration = Duration::from_secs(10);

crate::job!(EdgePurge);

impl Job for EdgePurge {
    const KIND: &'static str = "mizan.edge_purge";
    /// With the backoff doubling up to an hour: tried for about a day.
    const MAX_ATTEMPTS: u32 = 30;
    const TIMEOUT: Duration = Duration::from_secs(30);

    async fn run(self, state: AppState) -> Result<(), JobError> {
        // The edge may have been taken away since the purge was queued.
        let Some(edge_url) = &state.config.edge_url else {
            return Ok(());
        };
        let body = purge_body(&self, crate::server::db::now());
        let signature = state.cache.keys().sign_purge(&body);
        let response = client()
            .post(format!("{edge_url}{EDGE_PURGE}"))
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .timeout(PURGE_TIMEOUT)
            .send()
            .await?;
        let status = response.status();
        match status.as_u16() {
            200..=299 => Ok(()),
            // The worker cannot read what this server sends: a retry sends the same.
            400 => Err(Box::new(Permanent(
                format!("the edge worker refused the purge as malformed ({status})").into(),
            ))),
            401 => Err(format!(
                "the edge worker refused the purge's signature ({status}): is its \
                 MIZAN_CACHE_KEY what `server cache edge-key` prints with this SECRET_KEY?"
            )
            .into()),
            _ => Err(format!("the edge worker answered the purge with {status}").into()),
        }
    }
}

/// The header that carries a purge's signature.
pub const SIGNATURE_HEADER: &str = "mizan-signature";

/// A purge as JSON: `{"at":…,"digest":…,"name":…}` (`at`: Unix seconds, so the worker
/// refuses an old one sent again).
fn purge_body(purge: &EdgePurge, at: i64) -> Vec<u8> {
    // Plain data always encodes.
    serde_json::to_vec(&json!({ "at": at, "digest": purge.digest, "name": purge.name }))
        .unwrap_or_default()
}

/// One HTTP client for every purge (it keeps connections to the worker).
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::KeyMaker;

    #[test]
    fn a_purge_is_signed_as_the_worker_checks_it() {
        // The vector in docs/cache-keys.md ("Edge"): the worker's test checks the same.
        let body = purge_body(
            &EdgePurge {
                name: "report".into(),
                digest: None,
            },
            1_796_000_000,
        );
        assert_eq!(
            String::from_utf8_lossy(&body),
            r#"{"at":1796000000,"digest":null,"name":"report"}"#
        );
        let keys = KeyMaker::new(b"test-secret-key-0123456789abcdef");
        assert_eq!(
            keys.sign_purge(&body),
            "1ddfea871b57c5abd4d851d64ac3542fefebc2b75c2019afd90ded39e230cd99"
        );
    }
}
