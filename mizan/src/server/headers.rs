//! `Cache-Control` on every response: browsers and proxies keep nothing of ours unless it
//! can never change.
//!
//! - files under `/pkg/` whose name carries a content hash (`app.<hash>.wasm`, as
//!   cargo-leptos names them with `hash-files`): `public, max-age=31536000, immutable`;
//! - other static files (a name with an extension, like `/favicon.svg`): `no-cache`, so
//!   they are revalidated;
//! - everything else, pages, server functions, redirects, errors, health checks:
//!   `no-store`.
//!
//! The framework's middleware ([`crate::runtime::middleware`]) sets it where a response has none.

use axum::http::StatusCode;

/// For what never changes under its name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For static files that may change: keep, but ask first.
pub const REVALIDATE: &str = "no-cache";
/// For everything else.
pub const NO_STORE: &str = "no-store";

/// What a request's path names, as far as caching goes: read before the request is
/// handled, so the path need not be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// A file under `/pkg/` whose name carries a content hash.
    HashedFile,
    /// Another static file (a name with an extension, outside `/api/`).
    File,
    /// A page, a server function, a health check: anything generated.
    Generated,
}

impl PathKind {
    /// The kind of `path`.
    pub fn of(path: &str) -> Self {
        let is_file = !path.starts_with("/api/")
            && path
                .rsplit('/')
                .next()
                .is_some_and(|name| name.contains('.') && !name.starts_with('.'));
        match (is_file, path.strip_prefix("/pkg/")) {
            (false, _) => Self::Generated,
            (true, Some(name)) if has_content_hash(name) => Self::HashedFile,
            (true, _) => Self::File,
        }
    }

    /// The `Cache-Control` value for a response with `status` to a path of this kind.
    pub fn policy(self, status: StatusCode) -> &'static str {
        let served = status.is_success() || status == StatusCode::NOT_MODIFIED;
        match (served, self) {
            (true, Self::HashedFile) => IMMUTABLE,
            (true, Self::File) => REVALIDATE,
            _ => NO_STORE,
        }
    }
}

/// The `Cache-Control` value for a response with `status` to `path`.
pub fn policy(path: &str, status: StatusCode) -> &'static str {
    PathKind::of(path).policy(status)
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
            ("/private", StatusCode::FOUND),
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
