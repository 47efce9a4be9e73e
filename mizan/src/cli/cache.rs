//! `cache key|purge|edge-key`: look at and clear the origin cache from the command line.
//!
//! - `cache key <fn> <params-json>`: the digest of a call and the name it is stored under
//!   (for a shared entry), computed with this environment's `SECRET_KEY`.
//! - `cache purge <fn> [params-json] [--user ID]`: with params, the one entry (`{}` is
//!   the entry of a call without arguments, not "everything"); without, every entry of
//!   the function. Needs `REDIS_URL`: the in-process cache lives inside the running
//!   server (use its staff purge, or restart it). With `MIZAN_EDGE_URL`, the purge is
//!   queued for the edge worker too (the running server's workers send it).
//! - `cache edge-key`: the key the edge worker is given (`MIZAN_CACHE_KEY`), derived from
//!   `SECRET_KEY`.

use clap::Subcommand;
use serde_json::Value;
use sqlx::AnyPool;

use crate::cache::edge::EdgePurge;
use crate::cache::{Cache, KeyMaker, RedisStore, Scope};
use crate::config::Config;
use crate::server::redis_client;

/// What the command line asked of the cache.
#[derive(Debug, PartialEq, Subcommand)]
pub enum Command {
    /// Print the digest and stored key of a call.
    Key {
        /// The function's endpoint name.
        function: String,
        /// Its params as a JSON object, e.g. '{"text":"hi"}' or '{}'.
        #[arg(value_parser = parse_params)]
        params: Value,
    },
    /// Purge one entry, or every entry of a function (and at the edge, with
    /// MIZAN_EDGE_URL).
    Purge {
        /// The function's endpoint name.
        function: String,
        /// The call's params as a JSON object; without them, every entry of the function.
        #[arg(value_parser = parse_params)]
        params: Option<Value>,
        /// Whose entry, for a function cached per user.
        #[arg(long, value_name = "ID")]
        user: Option<String>,
    },
    /// Print the key the edge worker is given (MIZAN_CACHE_KEY).
    EdgeKey,
}

fn parse_params(text: &str) -> Result<Value, String> {
    match serde_json::from_str(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("the params are a JSON object, like '{\"text\":\"hi\"}' or '{}'".into()),
        Err(e) => Err(format!("the params are not JSON: {e}")),
    }
}

/// Runs `command`, returning what to print; a purge is queued for the edge worker in
/// `edge_queue` (the app's database) when the site has one.
///
/// # Errors
/// A message for the person at the terminal.
pub async fn run(
    config: &Config,
    command: Command,
    edge_queue: Option<&AnyPool>,
) -> Result<String, String> {
    let keys = KeyMaker::new(config.secret_key.expose().as_bytes());
    let cache = match &config.redis_url {
        Some(url) => {
            let redis = redis_client::connect(url.expose())
                .await
                .map_err(|e| format!("cannot reach Redis (REDIS_URL): {e}"))?;
            Some(Cache::redis(
                keys.clone(),
                RedisStore::new(redis.connection, config.cache_timeout),
            ))
        }
        None => None,
    };
    match command {
        Command::EdgeKey => Ok(keys.edge_key_hex()),
        Command::Key { function, params } => {
            let digest = keys.digest(&function, &params);
            let version = match &cache {
                Some(cache) => cache.version(&function).await.map_err(|e| e.to_string())?,
                None => 0,
            };
            Ok(format!(
                "digest      {digest}\nstored key  {}",
                Cache::stored_key(&function, version, "shared", &digest)
            ))
        }
        Command::Purge {
            function,
            params,
            user,
        } => {
            let cache = cache.ok_or(
                "REDIS_URL is not set: the in-process cache lives inside the running server \
                 (use the staff purge there, or restart it)",
            )?;
            let edge = EdgePurge {
                name: function.clone(),
                digest: params.as_ref().map(|params| keys.digest(&function, params)),
            };
            let report = match params {
                None => {
                    cache
                        .purge_all(&function)
                        .await
                        .map_err(|e| e.to_string())?;
                    format!("purged every entry of `{function}`")
                }
                Some(params) => {
                    let scope = if user.is_some() {
                        Scope::User
                    } else {
                        Scope::Shared
                    };
                    let removed = cache
                        .purge(&function, &params, scope, user.as_deref())
                        .await
                        .map_err(|e| e.to_string())?;
                    if removed {
                        format!("purged the entry of `{function}` {params}")
                    } else {
                        format!("no entry of `{function}` {params} was cached")
                    }
                }
            };
            // Only shared entries of the functions the edge may keep are there.
            match edge_queue {
                Some(pool) if user.is_none() && crate::cache::edge::is_at_edge(&function) => {
                    crate::jobs::enqueue(pool, &edge)
                        .await
                        .map_err(|e| format!("{report}, but the edge purge was not queued: {e}"))?;
                    Ok(format!("{report}; queued for the edge"))
                }
                _ => Ok(report),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Command;
    use crate::cli::Command::Cache;
    use crate::cli::args::parse;

    #[test]
    fn key_needs_params_and_purge_does_not() {
        assert_eq!(
            parse(&["cache", "key", "echo", r#"{"text":"hi"}"#]),
            Ok(Some(Cache(Command::Key {
                function: "echo".into(),
                params: json!({"text": "hi"})
            })))
        );
        assert!(parse(&["cache", "key", "echo"]).is_err());
        assert_eq!(
            parse(&["cache", "purge", "report"]),
            Ok(Some(Cache(Command::Purge {
                function: "report".into(),
                params: None,
                user: None
            })))
        );
        assert_eq!(
            parse(&["cache", "purge", "my_count", "{}", "--user", "u1"]),
            Ok(Some(Cache(Command::Purge {
                function: "my_count".into(),
                params: Some(json!({})),
                user: Some("u1".into())
            })))
        );
    }

    #[test]
    fn edge_key_takes_no_arguments() {
        assert_eq!(
            parse(&["cache", "edge-key"]),
            Ok(Some(Cache(Command::EdgeKey)))
        );
        assert!(parse(&["cache", "edge-key", "extra"]).is_err());
    }

    #[test]
    fn params_are_a_json_object() {
        let refused = parse(&["cache", "key", "echo", "[1]"]).expect_err("refused");
        assert!(refused.contains("a JSON object"), "{refused}");
        let refused = parse(&["cache", "key", "echo", "{nope"]).expect_err("refused");
        assert!(refused.contains("not JSON"), "{refused}");
        assert!(parse(&["cache", "flush", "echo"]).is_err());
    }
}
