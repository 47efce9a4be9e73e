//! Builds the application from its settings: database, migrations, router and listener.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use app::{App, shell};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};
use mizan::config::Config;
use mizan::server::{AppState, db, health, telemetry};
use sqlx::migrate::{MigrateError, Migrator};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or reached.
    #[error("cannot open the database: {0}")]
    Database(#[source] sqlx::Error),
    /// A migration failed.
    #[error("cannot apply the migrations: {0}")]
    Migrate(#[from] MigrateError),
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
    state: AppState,
}

impl Application {
    /// Opens the database, applies migrations and binds `config.bind_addr` (port 0 picks a
    /// free port: see [`Application::local_addr`]).
    ///
    /// # Errors
    /// A [`StartupError`] saying which step failed.
    pub async fn build(config: Config, mut leptos: LeptosOptions) -> Result<Self, StartupError> {
        let pool = db::connect(config.database_url.expose())
            .await
            .map_err(StartupError::Database)?;
        db::migrate(&pool, &MIGRATOR).await?;

        let addr = config.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        if let Ok(bound) = listener.local_addr() {
            leptos.site_addr = bound;
        }

        let state = AppState {
            config: Arc::new(config),
            db: pool,
            leptos,
        };
        Ok(Self {
            listener,
            router: router(state.clone()),
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
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Every route of the site: health checks, pages, server functions and static files.
pub fn router(state: AppState) -> Router {
    let pages = generate_route_list(App);
    let leptos = state.leptos.clone();
    Router::new()
        .merge(health::routes())
        .leptos_routes(&state, pages, move || shell(leptos.clone()))
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(CompressionLayer::new())
        .layer(telemetry::trace_layer())
        .with_state(state)
}
