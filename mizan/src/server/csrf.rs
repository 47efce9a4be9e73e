//! Refuses state-changing requests that a browser sends from another site (CSRF): calls
//! to `/api/` and form posts to pages alike.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current ones) and
//! `Origin` (on every cross-origin POST). A request that carries neither is not from a
//! browser page (curl, a server), and a session cookie is no threat there.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::AppError;

/// The `axum::middleware::from_fn_with_state` function.
pub async fn reject_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_state_changing(request.method())
        && is_cross_site(request.headers(), &state.config.site_url)
    {
        tracing::warn!(path = %request.uri().path(), "cross-site call refused");
        let body = serde_json::to_string(&AppError::Forbidden).unwrap_or_default();
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    next.run(request).await
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a browser sent this request from another site. WebSocket upgrades (GET, but
/// carrying the session cookie) are checked with it too.
pub fn is_cross_site(headers: &HeaderMap, site_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: typed in the address bar or a bookmark; `same-origin`: our own page.
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => origin.as_bytes() != site_url.as_bytes() && !same_host(headers, origin),
        None => false,
    }
}

/// `Origin` equal to the address this request was sent to (`Host`), for servers reached
/// under several names (127.0.0.1 and localhost in development).
fn same_host(headers: &HeaderMap, origin: &header::HeaderValue) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return false;
    };
    let origin = origin.as_bytes();
    let host = host.as_bytes();
    [b"http://".as_slice(), b"https://".as_slice()]
        .iter()
        .any(|scheme| origin.strip_prefix(*scheme) == Some(host))
}
