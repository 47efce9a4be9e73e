//! The app's server functions: typed RPC under `/api/<name>`, each with its auth level.
//! Forms add their own endpoints (`crate::forms`).

pub mod accounts;
pub mod admin;
pub mod jobs;

/// What the API document (`/api/openapi.json`) says of this app.
#[cfg(feature = "ssr")]
pub const INFO: mizan::api::ApiInfo = mizan::api::ApiInfo {
    title: crate::project::TITLE,
    version: env!("CARGO_PKG_VERSION"),
    description: "Every server function of the app, each at `/api/<name>`. Arguments go in \
                  the body as JSON or form-encoded; answers are JSON; errors are JSON tagged \
                  by `error`, with their HTTP status. Functions behind a level need the \
                  session cookie that `POST /api/login.submit` sets. The WebSocket channels \
                  are described under `x-mizan-channels`, if the app has any.",
};
