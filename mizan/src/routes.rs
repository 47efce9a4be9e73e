//! The framework's own routes, as constants and link builders that the framework mounts
//! and the app links to: each path is written once.

/// Liveness: `GET` answers 200 while the process runs.
pub const HEALTH: &str = "/healthz";
/// Readiness: `GET` answers 200 when the database answers, 503 otherwise.
pub const READY: &str = "/readyz";
/// Prometheus metrics (open in development, behind a token in production).
pub const METRICS: &str = "/metrics";
/// The development mailbox: every message sent, newest first.
pub const MAILBOX: &str = "/dev/mailbox";
/// The API described in OpenAPI 3.1 (JSON), for client generators and fuzzers.
pub const OPENAPI: &str = "/api/openapi.json";
/// The API's page for people (on by default in development: `MIZAN_API_DOCS`).
pub const API_DOCS: &str = "/api/docs";
/// Where the API page's script and styles are served from (copied from npm's
/// `swagger-ui-dist` into the site at build time).
pub const API_DOCS_ASSETS: &str = "/api-docs";
/// What the edge worker may cache (`edge/`): functions, lifetimes, versions.
pub const EDGE_MANIFEST: &str = "/_mizan/edge.json";
/// Where the edge worker takes signed purges (on the worker, not on this server).
pub const EDGE_PURGE: &str = "/_mizan/edge/purge";
/// Where a sign-in with a provider starts (axum's path syntax).
pub const OAUTH_START: &str = "/auth/{provider}/start";
/// Where a provider sends the browser back (axum's path syntax).
pub const OAUTH_CALLBACK: &str = "/auth/{provider}/callback";

/// A link that signs in with `provider`, then goes to `next` (a path on this site).
pub fn oauth_start(provider: &str, next: &str) -> String {
    format!(
        "{}?next={}",
        OAUTH_START.replace("{provider}", provider),
        crate::url::encode_query_value(next)
    )
}

/// A link that connects `provider` to the signed-in account, then goes to `next`.
pub fn oauth_connect(provider: &str, next: &str) -> String {
    format!("{}&connect=true", oauth_start(provider, next))
}

/// The path a provider sends the browser back to.
pub fn oauth_callback(provider: &str) -> String {
    OAUTH_CALLBACK.replace("{provider}", provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_links_name_the_provider_and_encode_where_to_go_next() {
        assert_eq!(
            oauth_start("github", "/rooms/a b"),
            "/auth/github/start?next=%2Frooms%2Fa%20b"
        );
        assert_eq!(
            oauth_connect("google", "/home"),
            "/auth/google/start?next=%2Fhome&connect=true"
        );
        assert_eq!(oauth_callback("github"), "/auth/github/callback");
    }
}
