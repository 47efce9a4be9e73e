//! Sessions kept in Redis (with `REDIS_URL`), shared by every server process: one key per
//! session, `mizan:session:<id>`, expiring with the session.

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::server::redis_client::query;

/// A [`SessionStore`] over the server's Redis connection.
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: ConnectionManager,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisSessionStore")
    }
}

fn key(id: &Id) -> String {
    format!("mizan:session:{id}")
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// Milliseconds until `record` expires (at least one, so Redis accepts it).
fn ttl_ms(record: &Record) -> i64 {
    let left = record.expiry_date - time::OffsetDateTime::now_utc();
    i64::try_from(left.whole_milliseconds())
        .unwrap_or(i64::MAX)
        .max(1)
}

impl RedisSessionStore {
    /// A store that uses `connection`.
    pub fn new(connection: ConnectionManager) -> Self {
        Self { connection }
    }

    /// Writes `record`: with `only_new`, only if its id is free (`NX`); otherwise only if
    /// it still exists (`XX`), so a request that finishes after a sign-out elsewhere
    /// cannot bring the ended session back. Returns whether it wrote.
    async fn write(&self, record: &Record, only_new: bool) -> session_store::Result<bool> {
        let json = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let mut command = redis::cmd("SET");
        command
            .arg(key(&record.id))
            .arg(json)
            .arg("PX")
            .arg(ttl_ms(record));
        command.arg(if only_new { "NX" } else { "XX" });
        let written: Option<String> = query(&self.connection, &command).await.map_err(backend)?;
        Ok(written.is_some())
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // On the astronomically rare collision of 128 random bits, draw again.
        while !self.write(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, false).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let json: Option<String> = query(&self.connection, redis::cmd("GET").arg(key(id)))
            .await
            .map_err(backend)?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|e| session_store::Error::Decode(e.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        query::<()>(&self.connection, redis::cmd("DEL").arg(key(id)))
            .await
            .map_err(backend)
    }
}
