//! [`App`]: the framework assembled from the settings. What every app would otherwise
//! copy lives here: the state, the cache and hub chosen from the settings, the
//! framework's migrations, its routes (server functions, health, metrics, the development
//! mailbox, OAuth), the middleware order, the listener and graceful shutdown.
//!
//! The app adds its pages, its own routes, its own migrations and its own typed state;
//! its server functions, channels ([`crate::channel!`]) and jobs ([`crate::job!`])
//! register themselves where they are declared:
//!
//! ```no_run
//! use mizan::api::ApiInfo;
//! use mizan::config::Config;
//! use mizan::runtime::{App, leptos_options};
//! use mizan::server::shutdown;
//! # use leptos::prelude::*;
//! # #[component]
//! # fn Root() -> impl IntoView {
//! #     view! { <p>"Hello"</p> }
//! # }
//! # fn shell(_: LeptosOptions) -> impl IntoView {
//! #     view! { <Root/> }
//! # }
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::from_env("my_app")?;
//! let app = App::builder(config, leptos_options()?)
//!     // In a project also: `.migrations(sqlx::migrate!("../migrations"))`, its own
//!     // tables, and `.account_pages(ACCOUNT_PAGES)`, the paths of its account pages
//!     // (start-up fails naming any that its routes lack).
//!     .api_info(ApiInfo { title: "My app", version: "1.0.0", description: "" })
//!     .pages(Root, shell)
//!     .build()
//!     .await?;
//! app.serve_until(shutdown::listen()).await?;
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::response::IntoResponse;
use axum::{Router, ServiceExt};
use leptos::config::LeptosOptions;
use leptos::prelude::IntoView;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler, generate_route_list_with_exclusions,
};
use sqlx::AnyPool;
use sqlx::migrate::{MigrateError, Migrator};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;

use super::dispatch::{self, MAX_ARGUMENTS};
use super::middleware::MiddlewareLayer;
use super::{AppState, Services, health, metrics};
use crate::api::{self, ApiInfo, Document};
use crate::auth::account_data::{AccountData, AppAccountData};
use crate::auth::signed_in_cache::SignedInCache;
use crate::auth::tokens::TokenKey;
use crate::auth::totp::SealKey;
use crate::auth::{AccountPages, oauth};
use crate::cache::edge;
use crate::cache::{Cache, KeyMaker, MEMORY_CAPACITY, RedisStore};
use crate::channels::{ChannelRoutes, Hub, QUEUE};
use crate::config::Config;
use crate::jobs::housekeeping::{self, Housekeeping};
use crate::jobs::{Every, Job, Jobs, Registry, WorkerSettings, Workers};
use crate::server::mail::{self, Mailer, MailerError};
use crate::server::rate_limit::{self, AccountLimits, AppLimits, LoginLimiter};
use crate::server::reads::StoreReads;
use crate::server::redis_client::{self, Redis};
use crate::server::sessions::Sessions;
use crate::server::{db, security_headers, telemetry};

/// Sign-in attempts allowed a minute from one client address, and from one client on
/// one account.
const LOGINS_PER_MINUTE_PER_CLIENT: u32 = 20;
const LOGINS_PER_MINUTE_PER_CLIENT_AND_ACCOUNT: u32 = 5;

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
    /// Leptos' settings (`LEPTOS_*`, the `Cargo.toml` metadata) cannot be read.
    #[error("invalid Leptos configuration: {0}")]
    Leptos(String),
    /// Account pages the app named are not among its routes.
    #[error("the app's routes lack these account pages (AppBuilder::account_pages): {0}")]
    AccountPages(String),
    /// Two job types have the same `Job::KIND`: one of them would never run.
    #[error("two job types share each of these kinds (Job::KIND): {0}")]
    JobKinds(String),
}

/// Makes the app's page routes, given the finished state.
type Pages = Box<dyn FnOnce(&AppState) -> Router<AppState> + Send>;

/// Lists the paths of the app's pages.
type PagePaths = Box<dyn FnOnce() -> Vec<String> + Send>;

/// What the app adds to the framework, before [`AppBuilder::build`].
pub struct AppBuilder {
    config: Config,
    leptos: LeptosOptions,
    migrations: Option<Migrator>,
    routes: Router<AppState>,
    pages: Option<Pages>,
    page_paths: Option<PagePaths>,
    account_pages: Option<AccountPages>,
    account_data: AppAccountData,
    extensions: axum::http::Extensions,
    api_info: ApiInfo,
    jobs: Registry,
}

impl AppBuilder {
    /// Where the app's account pages live: the framework's mails link to them, sign-ins
    /// return to them. Start-up fails naming any path the app's pages lack.
    pub fn account_pages(mut self, pages: AccountPages) -> Self {
        self.account_pages = Some(pages);
        self
    }

    /// What the app keeps of an account beside the framework's tables: its owner's export
    /// shows it, and it goes with the account.
    pub fn account_data(mut self, data: impl AccountData) -> Self {
        self.account_data = AppAccountData::new(data);
        self
    }

    /// The app's own migrations (its `migrations/`), run after the framework's, which are
    /// tracked apart ([`crate::server::migrations`]).
    pub fn migrations(mut self, migrations: Migrator) -> Self {
        self.migrations = Some(migrations);
        self
    }

    /// The app's own axum routes (channels, webhooks…), beside the framework's.
    pub fn routes(mut self, routes: Router<AppState>) -> Self {
        self.routes = self.routes.merge(routes);
        self
    }

    /// Enqueues `job` every `period`, once across every process of the app (and runs
    /// its kind).
    pub fn every<J: Job + Clone + Sync>(mut self, period: Duration, job: J) -> Self {
        self.jobs.register::<J>();
        self.jobs.schedule(Every::new(period, job));
        self
    }

    /// The title, version and description of the API document (`/api/openapi.json`).
    pub fn api_info(mut self, info: ApiInfo) -> Self {
        self.api_info = info;
        self
    }

    /// The app's pages: its root component (the route table) and its HTML shell.
    pub fn pages<V, S>(mut self, root: fn() -> V, shell: fn(LeptosOptions) -> S) -> Self
    where
        V: IntoView + 'static,
        S: IntoView + 'static,
    {
        self.page_paths = Some(Box::new(move || {
            route_list(root)
                .iter()
                .map(|route| route.path().to_owned())
                .collect()
        }));
        self.pages = Some(Box::new(move |state: &AppState| {
            let pages = route_list(root);
            let leptos = state.leptos.clone();
            // Every page (the 404 page too) states its own script policy, with its nonce.
            let watching = std::env::var_os("LEPTOS_WATCH").is_some();
            let shell = move |options: LeptosOptions| {
                set_page_policy(watching);
                shell(options)
            };
            // Files are served straight from the site root; what is not a file is a page
            // (the 404 page). Leptos' own file handler would first look for a response in
            // whatever reactive owner is current on the thread, and could take another
            // request's status (seen: a favicon answered with a staff page's 403).
            let not_found = axum::handler::Handler::with_state(
                file_and_error_handler::<AppState, _>(shell),
                state.clone(),
            );
            // `cargo leptos build --release --precompress` writes `.br` and `.gz` beside each
            // file: the one the browser accepts is sent as it is, never compressed again.
            let files = tower_http::services::ServeDir::new(&*leptos.site_root)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(not_found);
            Router::new()
                .leptos_routes(state, pages, move || shell(leptos.clone()))
                .fallback_service(files)
        }));
        self
    }

    /// A value of the app's own (a client of another service, say), for its handlers
    /// and functions: `state()?.get::<T>()`.
    pub fn with<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// Opens the database and applies the migrations, connects to Redis when it is set,
    /// builds the state and the routes, and binds `config.bind_addr` (port 0 picks a free
    /// port: see [`App::local_addr`]).
    ///
    /// # Errors
    /// A [`StartupError`] saying which step failed.
    pub async fn build(self) -> Result<App, StartupError> {
        let Self {
            mut config,
            mut leptos,
            migrations,
            routes,
            pages,
            page_paths,
            account_pages,
            account_data,
            extensions,
            api_info,
            jobs: job_kinds,
        } = self;
        if !job_kinds.clashes().is_empty() {
            return Err(StartupError::JobKinds(job_kinds.clashes().join(", ")));
        }
        if let Some(account_pages) = &account_pages {
            let paths = page_paths.map(|list| list()).unwrap_or_default();
            let missing = account_pages.missing_from(paths.iter().map(String::as_str));
            if !missing.is_empty() {
                return Err(StartupError::AccountPages(missing.join(", ")));
            }
        }
        let pool = open_database(&config, migrations.as_ref()).await?;
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
        let tokens = TokenKey::new(config.secret_key.expose().as_bytes());
        let two_factor_key = SealKey::new(config.secret_key.expose().as_bytes());
        // With Redis, every process counts the same attempts.
        let shared_limits = redis
            .as_ref()
            .map(|redis| rate_limit::Shared::new(redis.connection.clone(), config.cache_timeout));
        let login_limiter = Arc::new(LoginLimiter::per_minute(
            LOGINS_PER_MINUTE_PER_CLIENT,
            LOGINS_PER_MINUTE_PER_CLIENT_AND_ACCOUNT,
            shared_limits.clone(),
        ));
        let account_limits = Arc::new(AccountLimits::new(shared_limits.clone()));
        let rate_limits = Arc::new(AppLimits::new(shared_limits));
        prune_limits_every_minute(&login_limiter, &account_limits, &rate_limits);
        let state = AppState::new(Services {
            config: Arc::new(config),
            leptos,
            login_limiter,
            cache,
            channels,
            mailer,
            jobs: Jobs::new(pool.clone()),
            db: pool,
            tokens,
            two_factor_key,
            account_limits,
            rate_limits,
            sessions: sessions.clone(),
            reads,
            // Sessions in the database, changed only through this process: remember who
            // is signed in for a few seconds. With Redis they are shared: look them up.
            signed_in: redis.is_none().then(|| Arc::new(SignedInCache::default())),
            account_pages,
            account_data,
            extensions,
        });
        let pages = pages.map(|pages| pages(&state));
        // Every channel registered with `channel!`.
        let (channel_routes, channel_docs) = ChannelRoutes::registered().into_parts();
        let routes = routes.merge(channel_routes);
        // Described once, from what the functions and the channels registered.
        let document = Document::build(
            &api_info,
            &state.config.site_url,
            &state.config.session_cookie(),
            dispatch::endpoints(),
            &channel_docs,
        );
        let mut routes = routes.merge(api::routes(document, state.config.api_docs));
        // The edge worker's manifest, when the site has one.
        if state.config.edge_url.is_some() {
            routes = routes.merge(edge::routes(edge::Manifest::build(dispatch::endpoints())));
        }
        Ok(App {
            listener,
            router: router(state.clone(), routes, pages),
            sessions,
            state,
            job_kinds,
        })
    }
}

/// A server ready to run: its listener is bound, its database migrated.
pub struct App {
    listener: TcpListener,
    router: Router,
    sessions: Sessions,
    state: AppState,
    job_kinds: Registry,
}

impl App {
    /// Starts assembling the framework from its settings and Leptos' options.
    pub fn builder(config: Config, leptos: LeptosOptions) -> AppBuilder {
        AppBuilder {
            config,
            leptos,
            migrations: None,
            routes: Router::new(),
            pages: None,
            page_paths: None,
            account_pages: None,
            account_data: AppAccountData::default(),
            extensions: axum::http::Extensions::new(),
            api_info: ApiInfo::default(),
            // Every kind registered with `job!`: the framework's (mail, mailed links,
            // purges for the edge) and the app's.
            jobs: Registry::registered(),
        }
        // The framework's hourly housekeeping.
        .every(housekeeping::EVERY, Housekeeping)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.state.leptos.site_addr
    }

    /// The shared state, as handlers see it.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs background jobs with `concurrency` workers (and the periodic jobs'
    /// schedule) until [`Workers::stop`].
    pub fn start_workers(&self, concurrency: usize) -> Workers {
        let config = &self.state.config;
        Workers::start(
            self.state.clone(),
            self.job_kinds.clone(),
            WorkerSettings {
                concurrency,
                poll: config.job_poll,
                backoff: config.job_backoff,
                postgres: config.is_postgres(),
            },
        )
    }

    /// Runs background jobs only (`server worker`), with `MIZAN_JOB_WORKERS` workers (at
    /// least one), until `shutdown` resolves; running jobs then finish or go back to the
    /// queue. Serves nothing.
    pub async fn work_until(self, shutdown: impl Future<Output = ()>) {
        let workers = self.start_workers(self.state.config.job_workers.max(1));
        drop(self.listener);
        shutdown.await;
        workers.stop().await;
    }

    /// Serves (and runs `MIZAN_JOB_WORKERS` background workers) until `shutdown`
    /// resolves, then lets requests in flight finish, for at most [`SHUTDOWN_GRACE`] (an
    /// open WebSocket or a stuck client would otherwise hold the process forever), and
    /// running jobs as long again.
    ///
    /// # Errors
    /// An I/O error from the listener.
    pub async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let production = self.state.config.environment.is_production();
        let cookie = self.state.config.session_cookie();
        let workers = match self.state.config.job_workers {
            0 => None,
            concurrency => Some(self.start_workers(concurrency)),
        };
        // Outermost first. The framework's middleware runs before routing: a form posted
        // to a page must become a GET of that page before the router looks at its method.
        let service = ServiceBuilder::new()
            .map_response(IntoResponse::into_response)
            .layer(telemetry::trace_layer())
            .layer(CompressionLayer::new())
            .layer(self.sessions.layer(cookie, production))
            .layer(MiddlewareLayer::new(
                &self.state.config.site_url,
                MAX_ARGUMENTS,
                production,
            ))
            .service(self.router);
        // The signal starts both stops at once: connections drain while running jobs
        // finish (or go back to the queue), each within SHUTDOWN_GRACE.
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        let signal = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        let server = axum::serve(
            self.listener,
            ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
        )
        .with_graceful_shutdown(signal)
        .into_future();
        let mut grace_stopped = stopped.clone();
        let grace_over = async move {
            if grace_stopped.wait_for(|stop| *stop).await.is_err() {
                return std::future::pending().await;
            }
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let served = async {
            tokio::select! {
                result = server => result,
                () = grace_over => {
                    tracing::warn!(
                        grace = ?SHUTDOWN_GRACE,
                        "stopping with connections still open after the grace period"
                    );
                    Ok(())
                }
            }
        };
        let mut jobs_stopped = stopped;
        let jobs = async move {
            if let Some(workers) = workers {
                let _ = jobs_stopped.wait_for(|stop| *stop).await;
                workers.stop().await;
            }
        };
        // When serving ends without a signal (an I/O error), the signal's sender is gone
        // with it, and the workers stop too.
        let (result, ()) = tokio::join!(served, jobs);
        result
    }
}

/// How long a stopping server waits for requests and connections in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The pages of `root`, listed once per process (Leptos would also mount every server
/// function on its own handler: those are left to `dispatch`).
///
/// Leptos lists routes by rendering the whole app with resource loading suppressed by a
/// flag that is global to the process: a page rendered on another thread meanwhile would
/// wait forever for its resources. Listing once, before the first server serves, keeps a
/// second server started in the same process (tests start many) from ever raising it.
fn route_list<V: IntoView + 'static>(root: fn() -> V) -> Vec<AxumRouteListing> {
    static LISTED: Mutex<Option<HashMap<usize, Vec<AxumRouteListing>>>> = Mutex::new(None);
    let mut listed = LISTED.lock().unwrap_or_else(PoisonError::into_inner);
    listed
        .get_or_insert_with(HashMap::new)
        .entry(root as usize)
        .or_insert_with(|| generate_route_list_with_exclusions(root, Some(dispatch::paths())))
        .clone()
}

/// Forgets, every minute, the in-process attempts whose window has passed (addresses and
/// emails seen once would otherwise stay for the life of the process). Stops with the app.
fn prune_limits_every_minute(
    login: &Arc<LoginLimiter>,
    accounts: &Arc<AccountLimits>,
    app: &Arc<AppLimits>,
) {
    let (login, accounts, app) = (
        Arc::downgrade(login),
        Arc::downgrade(accounts),
        Arc::downgrade(app),
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let (Some(login), Some(accounts), Some(app)) =
                (login.upgrade(), accounts.upgrade(), app.upgrade())
            else {
                return;
            };
            login.prune();
            accounts.prune();
            app.prune();
        }
    });
}

/// Puts the page's `Content-Security-Policy` (with the nonce Leptos made for this render)
/// on its response.
fn set_page_policy(watching: bool) {
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let policy = security_headers::page_policy(&nonce, watching);
        if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// Leptos' options from its settings. A build with hashed file names leaves `hash.txt`
/// beside the binary: it is used when `LEPTOS_HASH_FILES` was not passed on (a release
/// binary started by hand, an image), or every page would link files that do not exist.
/// Said explicitly, the variable wins (`./scripts/dev` turns hashing off, and a hash file
/// may be left from an earlier build).
///
/// # Errors
/// [`StartupError::Leptos`] when the settings cannot be read.
pub fn leptos_options() -> Result<LeptosOptions, StartupError> {
    let mut leptos = leptos::config::get_configuration(None)
        .map_err(|e| StartupError::Leptos(e.to_string()))?
        .leptos_options;
    if std::env::var_os("LEPTOS_HASH_FILES").is_none()
        && !leptos.hash_files
        && crate::assets::hash_file_beside_binary(&leptos.hash_file).is_some_and(|p| p.is_file())
    {
        leptos.hash_files = true;
    }
    Ok(leptos)
}

/// Opens the database named by the settings and applies the pending migrations: the
/// framework's, then `app`'s.
///
/// # Errors
/// [`StartupError::Database`] or [`StartupError::Migrate`].
pub async fn open_database(
    config: &Config,
    app: Option<&Migrator>,
) -> Result<AnyPool, StartupError> {
    let pool = db::connect_waiting(
        config.database_url.expose(),
        config.database_max_connections,
        config.database_wait,
    )
    .await
    .map_err(StartupError::Database)?;
    db::migrate(&pool, app).await?;
    Ok(pool)
}

/// Redis, when `REDIS_URL` is set.
async fn open_redis(config: &Config) -> Result<Option<Redis>, StartupError> {
    match &config.redis_url {
        None => Ok(None),
        Some(url) => redis_client::connect(url.expose())
            .await
            .map(Some)
            .map_err(StartupError::Redis),
    }
}

/// The origin cache: in Redis when there is one, in this process otherwise.
fn open_cache(config: &Config, redis: Option<&Redis>) -> Cache {
    let keys = KeyMaker::new(config.secret_key.expose().as_bytes());
    match redis {
        None => Cache::in_memory(keys, MEMORY_CAPACITY),
        Some(redis) => Cache::redis(
            keys,
            RedisStore::new(redis.connection.clone(), config.cache_timeout),
        ),
    }
}

/// One router: the framework's routes (health, metrics, the development mailbox, OAuth,
/// one route per server function), the app's own routes, and its pages with the fallback
/// that serves static files or the 404 page.
fn router(state: AppState, routes: Router<AppState>, pages: Option<Router<AppState>>) -> Router {
    let mut router = Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(mail::routes())
        .merge(oauth::routes())
        .merge(dispatch::routes())
        .merge(routes);
    if let Some(pages) = pages {
        router = router.merge(pages);
    }
    router
        // For every extractor that reads a body (a function left to Leptos' handler).
        .layer(DefaultBodyLimit::max(MAX_ARGUMENTS))
        .with_state(state)
}
