//! The one shared state: handed to axum handlers through `State` and to server
//! functions through Leptos context ([`state`]).

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;

use crate::auth::AccountPages;
use crate::auth::signed_in_cache::SignedInCache;
use crate::auth::tokens::TokenKey;
use crate::auth::totp::SealKey;
use crate::cache::Cache;
use crate::channels::Hub;
use crate::config::Config;
use crate::error::AppError;
use crate::jobs::Jobs;
use crate::server::mail::Mailer;
use crate::server::rate_limit::{AccountLimits, AppLimits, LoginLimiter};
use crate::server::reads::StoreReads;
use crate::server::sessions::Sessions;

/// Everything a request may need: one `Arc`, so a clone is one reference count.
/// Its fields are read through `Deref` (`state.db`).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// The state holding `services`.
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Services {
    /// Validated settings.
    pub config: Arc<Config>,
    /// The database pool (SQLite or PostgreSQL).
    pub db: AnyPool,
    /// Leptos' own options (site root, output name…), needed by the page renderer.
    pub leptos: LeptosOptions,
    /// Sign-in attempts per client and per account.
    pub login_limiter: Arc<LoginLimiter>,
    /// The origin cache of server-function results.
    pub cache: Cache,
    /// Channel groups and their members.
    pub channels: Hub,
    /// Where mail goes (send it through [`Services::jobs`]: an [`crate::server::mail::Email`]
    /// is a job).
    pub mailer: Mailer,
    /// The background job queue.
    pub jobs: Jobs,
    /// The key the mailed links' tokens are signed with.
    pub tokens: TokenKey,
    /// The key two-factor secrets are sealed with.
    pub two_factor_key: SealKey,
    /// Limits of the account flows.
    pub account_limits: Arc<AccountLimits>,
    /// The limits the app declares ([`crate::server::rate_limit::Rate`]).
    pub rate_limits: Arc<AppLimits>,
    /// Where sessions live (what an open connection checks its session against).
    pub sessions: Sessions,
    /// Session and user reads so far.
    pub reads: Arc<StoreReads>,
    /// Who is signed in on recent sessions, when sessions live in the database
    /// ([`crate::auth::signed_in_cache`]); `None` with Redis.
    pub signed_in: Option<Arc<SignedInCache>>,
    /// Where the app's account pages live ([`super::AppBuilder::account_pages`]).
    pub account_pages: Option<AccountPages>,
    /// The app's own rows of an account ([`super::AppBuilder::account_data`]).
    pub account_data: crate::auth::account_data::AppAccountData,
    /// The app's own values, by type ([`super::AppBuilder::with`]).
    pub extensions: axum::http::Extensions,
}

impl Services {
    /// Where the app's account pages live.
    ///
    /// # Errors
    /// [`AppError::Internal`] when the app gave none (it serves no account pages).
    pub fn account_pages(&self) -> Result<AccountPages, AppError> {
        self.account_pages.ok_or_else(|| {
            AppError::internal("the app gave no account pages (AppBuilder::account_pages)")
        })
    }

    /// The app's own value of type `T`, given to [`super::AppBuilder::with`].
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }
}

/// The shared state, from inside a server function or a component rendering on the
/// server.
///
/// # Errors
/// [`AppError::Internal`] outside a request (the state is provided per request).
pub fn state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState is not in the Leptos context"))
}

impl FromRef<AppState> for Mailer {
    fn from_ref(state: &AppState) -> Self {
        state.mailer.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
