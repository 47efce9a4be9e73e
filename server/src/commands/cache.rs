//! `server cache key|purge|edge-key`: look at and clear the origin cache from the command
//! line.
//!
//! - `server cache key <fn> <params-json>`: the digest of a call and the name it is
//!   stored under (for a shared entry), computed with this environment's `SECRET_KEY`.
//! - `server cache purge <fn> [params-json] [--user ID]`: with params, the one entry
//!   (`{}` is the entry of a call without arguments, not "everything"); without, every
//!   entry of the function. Needs `REDIS_URL`: the in-process cache lives inside the
//!   running server (use its staff purge, or restart it). With `MIZAN_EDGE_URL`, the
//!   purge is queued for the edge worker too (the running server's workers send it).
//! - `server cache edge-key`: the key the edge worker is given (`MIZAN_CACHE_KEY`),
//!   derived from `SECRET_KEY`.

use mizan::cache::edge::EdgePurge;
use mizan::cache::{Cache, KeyMaker, RedisStore, Scope};
use mizan::config::Config;
use mizan::server::redis_client;
use serde_json::Value;
use sqlx::AnyPool;

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Print the digest and stored key of a call.
    Key {
        /// The function's endpoint name.
        function: String,
        /// Its params.
        params: Value,
    },
    /// Purge one entry, or all of a function's.
    Purge {
        /// The function's endpoint name.
        function: String,
        /// `None`: every entry of the function.
        params: Option<Value>,
        /// Whose entry, for functions cached per user.
        user: Option<String>,
    },
    /// Print the key the edge worker is given.
    EdgeKey,
}

impl Command {
    /// Reads the arguments that follow `cache`.
    ///
    /// # Errors
    /// A message saying what is missing or wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let action = args
            .next()
            .ok_or("cache needs `key`, `purge` or `edge-key`")?;
        if action == "edge-key" {
            return match args.next() {
                None => Ok(Self::EdgeKey),
                Some(arg) => Err(format!("unexpected argument `{arg}`")),
            };
        }
        let function = args.next().ok_or("name the function (its endpoint name)")?;
        let mut params = None;
        let mut user = None;
        while let Some(arg) = args.next() {
            if arg == "--user" {
                user = Some(args.next().ok_or("--user needs an id")?);
            } else if params.is_none() {
                params = Some(parse_params(&arg)?);
            } else {
                return Err(format!("unexpected argument `{arg}`"));
            }
        }
        match action.as_str() {
            "key" => Ok(Self::Key {
                function,
                params: params.ok_or("cache key needs the params as JSON, e.g. '{}'")?,
            }),
            "purge" => Ok(Self::Purge {
                function,
                params,
                user,
            }),
            other => Err(format!(
                "unknown cache action `{other}`: use `key`, `purge` or `edge-key`"
            )),
        }
    }
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
                Some(pool) if user.is_none() && mizan::cache::edge::is_at_edge(&function) => {
                    mizan::jobs::enqueue(pool, &edge)
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

    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        Command::parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn key_needs_params_and_purge_does_not() {
        assert_eq!(
            parse(&["key", "echo", r#"{"text":"hi"}"#]),
            Ok(Command::Key {
                function: "echo".into(),
                params: json!({"text": "hi"})
            })
        );
        assert!(parse(&["key", "echo"]).is_err());
        assert_eq!(
            parse(&["purge", "report"]),
            Ok(Command::Purge {
                function: "report".into(),
                params: None,
                user: None
            })
        );
        assert_eq!(
            parse(&["purge", "my_count", "{}", "--user", "u1"]),
            Ok(Command::Purge {
                function: "my_count".into(),
                params: Some(json!({})),
                user: Some("u1".into())
            })
        );
    }

    #[test]
    fn edge_key_takes_no_arguments() {
        assert_eq!(parse(&["edge-key"]), Ok(Command::EdgeKey));
        assert!(parse(&["edge-key", "extra"]).is_err());
    }

    #[test]
    fn params_are_a_json_object() {
        assert!(parse(&["key", "echo", "[1]"]).is_err());
        assert!(parse(&["key", "echo", "{nope"]).is_err());
        assert!(parse(&["flush", "echo"]).is_err());
    }
}
