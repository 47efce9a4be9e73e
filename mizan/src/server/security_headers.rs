//! Security headers on every response, set in one place (the framework's middleware):
//!
//! - `Content-Security-Policy`: a page may run only our own scripts: the bundle from
//!   `'self'`, the WebAssembly it instantiates (`'wasm-unsafe-eval'`), and the inline
//!   scripts Leptos writes into the page (hydration, resolved resources), which carry the
//!   page's nonce, new for every render (Leptos' `nonce` feature; [`page_policy`]). No
//!   `'unsafe-inline'` for scripts. Any other response gets [`DEFAULT_POLICY`]: no scripts
//!   at all.
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (with `frame-ancestors
//!   'none'`), `Referrer-Policy: strict-origin-when-cross-origin`, a `Permissions-Policy`
//!   that turns off the powerful features the app does not use,
//!   `Cross-Origin-Opener-Policy: same-origin`;
//! - `Strict-Transport-Security` in production.

use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The policy of every response that is not a page: nothing runs, nothing frames it.
/// Inline styles stay allowed for the framework's own small HTML pages (the development
/// mailbox, sign-in errors).
pub const DEFAULT_POLICY: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Browser features no page of the app uses.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), display-capture=(), \
     geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), \
     usb=(), xr-spatial-tracking=()";

/// Two years, subdomains included (production only: browsers would refuse plain HTTP on
/// `localhost` for that long).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

const PERMISSIONS_POLICY_HEADER: HeaderName = HeaderName::from_static("permissions-policy");
const OPENER_POLICY_HEADER: HeaderName = HeaderName::from_static("cross-origin-opener-policy");

/// The policy of a page rendered with `nonce`. While `cargo leptos watch` runs
/// (`watching`), its reload socket on another port is allowed too.
pub fn page_policy(nonce: &str, watching: bool) -> String {
    let reload = if watching { " ws:" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the headers a response lacks (a page sets its own policy while it renders).
pub fn apply(headers: &mut HeaderMap, production: bool) {
    let defaults = [
        (CONTENT_SECURITY_POLICY, DEFAULT_POLICY),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY),
        (OPENER_POLICY_HEADER, "same-origin"),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if production {
        headers
            .entry(STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(HSTS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_runs_only_our_scripts_and_its_nonce() {
        let policy = page_policy("abc123", false);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("connect-src 'self';"));
        assert!(page_policy("n", true).contains("connect-src 'self' ws:;"));
    }

    #[test]
    fn every_response_gets_the_headers_and_keeps_its_own_policy() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("page"));
        apply(&mut headers, false);
        assert_eq!(headers[CONTENT_SECURITY_POLICY], "page");
        assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[X_FRAME_OPTIONS], "DENY");
        assert!(headers.get(STRICT_TRANSPORT_SECURITY).is_none());

        let mut production = HeaderMap::new();
        apply(&mut production, true);
        assert_eq!(production[CONTENT_SECURITY_POLICY], DEFAULT_POLICY);
        assert_eq!(production[STRICT_TRANSPORT_SECURITY], HSTS);
    }
}
