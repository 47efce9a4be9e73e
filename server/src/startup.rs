//! The app on the framework: its pages, its own routes and its own migrations, given to
//! [`mizan::runtime::App`], which assembles everything else.

use leptos::config::LeptosOptions;
use mizan::config::Config;
use mizan::runtime::{App, StartupError};
use sqlx::migrate::Migrator;

/// This project, as the binary's commands (`mizan::cli`) see it.
pub struct Project;

impl mizan::cli::Project for Project {
    const NAME: &'static str = app::project::NAME;

    fn migrations() -> Migrator {
        app_migrations()
    }

    async fn build(config: Config, leptos: LeptosOptions) -> Result<App, StartupError> {
        build(config, leptos).await
    }
}

/// The app's own migrations (`migrations/`), embedded in the binary; the framework's
/// tables come with `mizan`, run first and are tracked apart.
pub fn app_migrations() -> Migrator {
    sqlx::migrate!("../migrations")
}

/// The server of this app, built from its settings: database migrated, listener bound
/// (port 0 picks a free port, as tests do).
///
/// # Errors
/// A [`StartupError`] saying which step failed.
pub async fn build(config: Config, leptos: LeptosOptions) -> Result<App, StartupError> {
    App::builder(config, leptos)
        .migrations(app_migrations())
        .account_pages(app::ACCOUNT_PAGES)
        .api_info(app::api::INFO) // The builder takes more: jobs, values, the app's rows of an account.{% if showcase %}
        .account_data(app::showcase::AccountRows) // The showcase's rows of an account.{% endif %}
        .pages(app::App, app::shell)
        .build()
        .await
}
