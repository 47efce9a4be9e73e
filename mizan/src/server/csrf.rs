//! Refuses state-changing requests that a browser sends from another site (CSRF): calls
//! to `/api/` and form posts to pages alike.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current ones) and
//! `Origin` (on every cross-origin POST). A request that carries neither is not from a
//! browser page (curl, a server), and a session cookie is no threat there.

use axum::http::{HeaderMap, header};

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
