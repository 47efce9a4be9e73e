//! The one shared state: handed to axum handlers through `State` and to server
//! functions through Leptos context.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;

use crate::config::Config;

/// Everything a request may need, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Validated settings.
    pub config: Arc<Config>,
    /// The database pool (SQLite or PostgreSQL).
    pub db: AnyPool,
    /// Leptos' own options (site root, output name…), needed by the page renderer.
    pub leptos: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
