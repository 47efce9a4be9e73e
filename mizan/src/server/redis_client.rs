//! The one Redis client of the server (the `redis` crate), shared by the cache, the
//! channel hub and (with `REDIS_URL`) sessions: a multiplexed connection that reconnects
//! by itself, and the client that opens the hub's pub/sub subscription.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long to wait for Redis to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis server, reached.
#[derive(Clone)]
pub struct Redis {
    /// Opens new connections (the pub/sub subscription).
    pub client: redis::Client,
    /// The shared connection for commands.
    pub connection: ConnectionManager,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redis")
    }
}

/// Opens `url` and checks that Redis answers.
///
/// # Errors
/// The client's error when the URL is invalid or Redis cannot be reached.
pub async fn connect(url: &str) -> redis::RedisResult<Redis> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_number_of_retries(2);
    let mut connection = ConnectionManager::new_with_config(client.clone(), config).await?;
    redis::cmd("PING")
        .query_async::<()>(&mut connection)
        .await?;
    Ok(Redis { client, connection })
}

/// Runs `command` on `connection`, once more if the connection had dropped (Redis
/// restarted): the first command after a restart fails on the dead connection while
/// the manager opens a new one, and nobody should see that as an error.
///
/// # Errors
/// Redis' error, when the second try fails too or the first failed otherwise.
pub async fn query<T: redis::FromRedisValue>(
    connection: &ConnectionManager,
    command: &redis::Cmd,
) -> redis::RedisResult<T> {
    let mut connection = connection.clone();
    match command.query_async(&mut connection).await {
        Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() => {
            tracing::debug!(error = %e, "Redis connection dropped; trying once more");
            command.query_async(&mut connection).await
        }
        result => result,
    }
}
