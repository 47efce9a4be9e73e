//! Sessions: the cookie, and where the records live (the database by default, Redis with
//! `REDIS_URL`).

mod database;
mod redis_store;

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::AnyPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

pub use database::DbSessionStore;
pub use redis_store::RedisSessionStore;

use crate::auth::session::SESSION_IDLE_DAYS;
use crate::server::reads::StoreReads;

/// The session store the server uses: one type, whichever backend, counting its reads.
#[derive(Debug, Clone)]
pub struct Sessions {
    backend: Backend,
    reads: Arc<StoreReads>,
}

#[derive(Debug, Clone)]
enum Backend {
    /// In the `sessions` table.
    Database(DbSessionStore),
    /// In Redis.
    Redis(RedisSessionStore),
}

impl Sessions {
    /// Redis when there is one, the database otherwise; each load counted in `reads`.
    pub fn new(
        pool: AnyPool,
        redis: Option<redis::aio::ConnectionManager>,
        reads: Arc<StoreReads>,
    ) -> Self {
        let backend = match redis {
            Some(connection) => Backend::Redis(RedisSessionStore::new(connection)),
            None => Backend::Database(DbSessionStore::new(pool)),
        };
        Self { backend, reads }
    }

    /// The session layer: cookie `cookie` ([`Config::session_cookie`]), `HttpOnly`,
    /// `SameSite=Lax`, `Secure` in production, expiring after two weeks without a visit.
    ///
    /// [`Config::session_cookie`]: crate::config::Config::session_cookie
    pub fn layer(
        self,
        cookie: String,
        production: bool,
    ) -> tower_sessions::SessionManagerLayer<Self> {
        use tower_sessions::cookie::SameSite;
        tower_sessions::SessionManagerLayer::new(self)
            .with_name(cookie)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(production)
            .with_expiry(tower_sessions::Expiry::OnInactivity(time::Duration::days(
                SESSION_IDLE_DAYS,
            )))
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.backend {
            Backend::Database(store) => store.create(record).await,
            Backend::Redis(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match &self.backend {
            Backend::Database(store) => store.save(record).await,
            Backend::Redis(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.reads.count_session_read();
        match &self.backend {
            Backend::Database(store) => store.load(id).await,
            Backend::Redis(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.backend {
            Backend::Database(store) => store.delete(id).await,
            Backend::Redis(store) => store.delete(id).await,
        }
    }
}
