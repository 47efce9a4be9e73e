//! `Cache-Control` on every response: browsers and proxies keep nothing of ours unless it
//! can never change.
//!
//! - files under `/pkg/` whose name carries a content hash (`mizan.<hash>.wasm`, as
//!   cargo-leptos names them with `hash-files`): `public, max-age=31536000, immutable`;
//! - other static files (a name with an extension, like `/favicon.svg`): `no-cache`, so
//!   they are revalidated;
//! - everything else, pages, server functions, redirects, errors, health checks:
//!   `no-store`.

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// For what never changes under its name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For static files that may change: keep, but ask first.
pub const REVALIDATE: &str = "no-cache";
/// For everything else.
pub const NO_STORE: &str = "no-store";

/// The `axum::middleware::from_fn` function that sets `Cache-Control` where a response
/// has none.
pub async fn cache_control(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if !response.headers().contains_key(CACHE_CONTROL) {
        let policy = policy(&path, response.status());
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// The `Cache-Control` value for a response with `status` to `path`.
pub fn policy(path: &str, status: StatusCode) -> &'static str {
    let is_file = !path.starts_with("/api/")
        && path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.contains('.') && !name.starts_with('.'));
    let served = status.is_success() || status == StatusCode::NOT_MODIFIED;
    match (served && is_file, path.strip_prefix("/pkg/")) {
        (true, Some(name)) if has_content_hash(name) => IMMUTABLE,
        (true, _) => REVALIDATE,
        (false, _) => NO_STORE,
    }
}

/// `name.<hash>.ext`, where the hash is cargo-leptos' 22 characters of URL-safe base64.
fn has_content_hash(file: &str) -> bool {
    let mut parts = file.rsplit('.');
    let (Some(_extension), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: StatusCode = StatusCode::OK;

    #[test]
    fn hashed_package_files_are_immutable() {
        assert_eq!(
            policy("/pkg/mizan.Ab3_-xYz0123456789abcd.wasm", OK),
            IMMUTABLE
        );
        assert_eq!(
            policy("/pkg/mizan.Ab3_-xYz0123456789abcd.js", OK),
            IMMUTABLE
        );
    }

    #[test]
    fn other_static_files_are_revalidated() {
        assert_eq!(policy("/pkg/mizan.wasm", OK), REVALIDATE);
        assert_eq!(policy("/pkg/mizan.short.js", OK), REVALIDATE);
        assert_eq!(policy("/favicon.svg", OK), REVALIDATE);
        assert_eq!(
            policy("/pkg/mizan.css", StatusCode::NOT_MODIFIED),
            REVALIDATE
        );
    }

    #[test]
    fn pages_functions_errors_and_missing_files_are_never_stored() {
        for (path, status) in [
            ("/", OK),
            ("/account", StatusCode::FOUND),
            ("/api/echo", OK),
            ("/api/contact.schema", OK),
            ("/healthz", OK),
            (
                "/pkg/missing.Ab3_-xYz0123456789abcd.js",
                StatusCode::NOT_FOUND,
            ),
            ("/no/such/page", StatusCode::NOT_FOUND),
        ] {
            assert_eq!(policy(path, status), NO_STORE, "{path}");
        }
    }
}
