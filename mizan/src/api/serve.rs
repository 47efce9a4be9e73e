//! `GET /api/openapi.json` (always) and `GET /api/docs`, the page for people (when
//! `MIZAN_API_DOCS` is on: by default in development only).
//!
//! The page is Swagger UI from npm's `swagger-ui-dist`, copied into the site at build
//! time (`/api-docs/…`): nothing is loaded from another site.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::Document;
use crate::routes::{API_DOCS, API_DOCS_ASSETS, OPENAPI};
use crate::runtime::AppState;

/// Where the page's own script is served.
const INIT_SCRIPT: &str = "/api/docs/init.js";

/// The document's route, and the page's when `docs` is on.
pub fn routes(document: Document, docs: bool) -> Router<AppState> {
    let json = document.json().clone();
    let title = escape(document.title());
    let router = Router::new().route(
        OPENAPI,
        get(move || {
            let json = json.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    json,
                )
                    .into_response()
            }
        }),
    );
    if !docs {
        return router;
    }
    router
        .route(API_DOCS, get(move || page(title.clone())))
        .route(INIT_SCRIPT, get(init_script))
}

/// Swagger UI sets inline styles; it runs no inline script.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

async fn page(title: String) -> Response {
    let html = Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{API_DOCS_ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{API_DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="{INIT_SCRIPT}"></script>
</body>
</html>
"#
    ));
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        )],
        html,
    )
        .into_response()
}

async fn init_script() -> Response {
    let script = format!(
        "window.ui = SwaggerUIBundle({{ url: {OPENAPI:?}, dom_id: '#swagger-ui', \
         deepLinking: true, withCredentials: true }});\n"
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        script,
    )
        .into_response()
}

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
