//! Builds the application from its settings: database, migrations, router and listener.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use app::{App, shell};
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::IntoResponse;
use axum::{Router, ServiceExt};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list_with_exclusions};
use mizan::auth::oauth;
use mizan::auth::signed_in_cache::SignedInCache;
use mizan::auth::tokens::TokenKey;
use mizan::cache::{Cache, KeyMaker, MEMORY_CAPACITY, RedisStore};
use mizan::channels::{Hub, QUEUE};
use mizan::config::Config;
use mizan::server::dispatch::{self, MAX_ARGUMENTS};
use mizan::server::mail::{self, Mailer, MailerError};
use mizan::server::middleware::MiddlewareLayer;
use mizan::server::rate_limit::{AccountLimits, LoginLimiter};
use mizan::server::reads::StoreReads;
use mizan::server::redis_client::{self, Redis};
use mizan::server::sessions::Sessions;
use mizan::server::state::Services;
use mizan::server::{AppState, db, health, metrics, telemetry};
use sqlx::AnyPool;
use sqlx::migrate::{MigrateError, Migrator};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;

/// Sign-in attempts allowed a minute from one client address, and on one account.
const LOGINS_PER_MINUTE_PER_CLIENT: u32 = 20;
const LOGINS_PER_MINUTE_PER_ACCOUNT: u32 = 5;

/// The app's own migrations (`migrations/`), embedded in the binary; the framework's
/// tables come with `mizan` (`mizan::server::db::framework_migrations`) and run first.
pub fn app_migrations() -> Migrator {
    db::both_sets(sqlx::migrate!("../migrations"))
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or reached (after waiting for it).
    #[error("cannot open the database (DATABASE_URL): {0}")]
    Database(#[source] sqlx::Error),
    /// A migration failed.
    #[error("cannot apply the migrations: {0}")]
    Migrate(#[from] MigrateError),
    /// `SMTP_URL` or `MAIL_FROM` cannot be used.
    #[error("cannot set up mail: {0}")]
    Mail(#[source] MailerError),
    /// `REDIS_URL` is set but Redis cannot be reached.
    #[error("cannot reach Redis (REDIS_URL): {0}")]
    Redis(#[source] redis::RedisError),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: io::Error,
    },
}

/// A server ready to run: its listener is bound, its database migrated.
pub struct Application {
    listener: TcpListener,
    router: Router,
    sessions: Sessions,
    state: AppState,
}

impl Application {
    /// Opens the database, applies migrations and binds `config.bind_addr` (port 0 picks a
    /// free port: see [`Application::local_addr`]).
    ///
    /// # Errors
    /// A [`StartupError`] saying which step failed.
    pub async fn build(
        mut config: Config,
        mut leptos: LeptosOptions,
    ) -> Result<Self, StartupError> {
        let pool = open_database(&config).await?;
        let redis = open_redis(&config).await?;
        let cache = open_cache(&config, redis.as_ref());
        let channels = match &redis {
            Some(redis) => Hub::with_redis(QUEUE, redis.client.clone(), redis.connection.clone()),
            None => Hub::in_process(QUEUE),
        };

        let addr = config.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        if let Ok(bound) = listener.local_addr() {
            leptos.site_addr = bound;
            // Port 0 picked a port: the site's own links must name it.
            if config.site_url == format!("http://{addr}") {
                config.site_url = format!("http://{bound}");
            }
        }
        let mailer = Mailer::from_config(&config).map_err(StartupError::Mail)?;

        let reads = Arc::new(StoreReads::default());
        let sessions = Sessions::new(
            pool.clone(),
            redis.as_ref().map(|r| r.connection.clone()),
            reads.clone(),
        );
        sessions.prune_expired().await;
        let config_secret = config.secret_key.expose().to_owned();
        let state = AppState::new(Services {
            config: Arc::new(config),
            db: pool,
            leptos,
            login_limiter: Arc::new(LoginLimiter::per_minute(
                LOGINS_PER_MINUTE_PER_CLIENT,
                LOGINS_PER_MINUTE_PER_ACCOUNT,
            )),
            cache,
            channels,
            mailer,
            tokens: TokenKey::new(config_secret.as_bytes()),
            account_limits: Arc::new(AccountLimits::default()),
            reads,
            // Sessions in the database, changed only through this process: remember who
            // is signed in for a few seconds. With Redis they are shared: look them up.
            signed_in: redis.is_none().then(|| Arc::new(SignedInCache::default())),
        });
        Ok(Self {
            listener,
            router: router(state.clone()),
            sessions,
            state,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.state.leptos.site_addr
    }

    /// The shared state, as handlers see it.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    ///
    /// # Errors
    /// An I/O error from the listener.
    pub async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let production = self.state.config.environment.is_production();
        // Outermost first. The framework's middleware runs before routing: a form posted
        // to a page must become a GET of that page before the router looks at its method.
        let service = ServiceBuilder::new()
            .map_response(IntoResponse::into_response)
            .layer(telemetry::trace_layer())
            .layer(CompressionLayer::new())
            .layer(self.sessions.layer(production))
            .layer(MiddlewareLayer::new(
                &self.state.config.site_url,
                MAX_ARGUMENTS,
            ))
            .service(self.router);
        axum::serve(
            self.listener,
            ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

/// Opens the database named by the settings and applies the pending migrations.
///
/// # Errors
/// [`StartupError::Database`] or [`StartupError::Migrate`].
pub async fn open_database(config: &Config) -> Result<AnyPool, StartupError> {
    let pool = db::connect_waiting(
        config.database_url.expose(),
        config.database_max_connections,
        config.database_wait,
    )
    .await
    .map_err(StartupError::Database)?;
    db::migrate(&pool, &app_migrations()).await?;
    Ok(pool)
}

/// Redis, when `REDIS_URL` is set.
///
/// # Errors
/// [`StartupError::Redis`] when Redis cannot be reached.
pub async fn open_redis(config: &Config) -> Result<Option<Redis>, StartupError> {
    match &config.redis_url {
        None => Ok(None),
        Some(url) => redis_client::connect(url.expose())
            .await
            .map(Some)
            .map_err(StartupError::Redis),
    }
}

/// The origin cache: in Redis when there is one, in this process otherwise.
pub fn open_cache(config: &Config, redis: Option<&Redis>) -> Cache {
    let keys = KeyMaker::new(config.secret_key.expose().as_bytes());
    match redis {
        None => Cache::in_memory(keys, MEMORY_CAPACITY),
        Some(redis) => Cache::redis(
            keys,
            RedisStore::new(redis.connection.clone(), config.cache_timeout),
        ),
    }
}

/// Every route of the site: health checks, metrics, the development mailbox, OAuth,
/// channels, one route per server function ([`dispatch`]), the pages, and static files.
/// [`Application::serve_until`] puts the layers around it: tracing, compression, sessions,
/// and the framework's middleware (CSRF, body limit, form posts to pages, error statuses,
/// `Cache-Control`).
pub fn router(state: AppState) -> Router {
    // Leptos would mount every server function on its own handler: leave ours to
    // `dispatch`.
    let pages = generate_route_list_with_exclusions(App, Some(dispatch::paths()));
    let leptos = state.leptos.clone();
    Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(mail::routes())
        .merge(oauth::routes())
        .merge(app::channels::routes().into_router())
        .merge(dispatch::routes())
        .leptos_routes(&state, pages, move || shell(leptos.clone()))
        .fallback(file_and_error_handler::<AppState, _>(shell))
        // For every extractor that reads a body (a function left to Leptos' handler).
        .layer(DefaultBodyLimit::max(MAX_ARGUMENTS))
        .with_state(state)
}
