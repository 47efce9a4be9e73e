//! The one Redis client of the server (the `redis` crate): a multiplexed connection that
//! reconnects by itself, shared by the cache, sessions and channels.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long to wait for Redis to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens `url` and checks that Redis answers.
///
/// # Errors
/// The client's error when the URL is invalid or Redis cannot be reached.
pub async fn connect(url: &str) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_number_of_retries(2);
    let mut connection = ConnectionManager::new_with_config(client, config).await?;
    redis::cmd("PING")
        .query_async::<()>(&mut connection)
        .await?;
    Ok(connection)
}
