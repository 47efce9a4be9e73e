//! `GET /metrics`: counters in Prometheus' text format. Open in development; in
//! production only with `MIZAN_METRICS_TOKEN` set, and then only for
//! `Authorization: Bearer <token>`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// The metrics route.
pub fn routes() -> Router<AppState> {
    Router::new().route(crate::routes::METRICS, get(metrics))
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let config = &state.config;
    match (&config.metrics_token, config.environment.is_production()) {
        (None, true) => return StatusCode::NOT_FOUND.into_response(),
        (Some(token), _) if !bearer_matches(&headers, token.expose()) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response();
        }
        _ => {}
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        format!(
            "{}{}{}",
            state.cache.metrics().prometheus(),
            reads_prometheus(&state.reads),
            jobs_prometheus(&state).await
        ),
    )
        .into_response()
}

/// The session and user reads, in Prometheus' text format.
fn reads_prometheus(reads: &crate::server::reads::StoreReads) -> String {
    format!(
        "# HELP mizan_session_reads_total Sessions loaded from their store.\n\
         # TYPE mizan_session_reads_total counter\n\
         mizan_session_reads_total {}\n\
         # HELP mizan_user_reads_total Signed-in users looked up (at most one a request).\n\
         # TYPE mizan_user_reads_total counter\n\
         mizan_user_reads_total {}\n",
        reads.session_reads(),
        reads.user_reads()
    )
}

/// The jobs in each state, in Prometheus' text format (nothing when the database does
/// not answer: the other metrics still do).
async fn jobs_prometheus(state: &AppState) -> String {
    let Ok(counts) = crate::jobs::counts(&state.db).await else {
        return String::new();
    };
    let mut text = String::from(
        "# HELP mizan_jobs Background jobs in the queue, by state.\n# TYPE mizan_jobs gauge\n",
    );
    for (name, count) in [
        ("queued", counts.queued),
        ("running", counts.running),
        ("done", counts.done),
        ("dead", counts.dead),
    ] {
        text.push_str(&format!("mizan_jobs{{state=\"{name}\"}} {count}\n"));
    }
    text
}

/// Whether the request carries `Bearer <token>`, compared in constant time.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    crate::server::same_secret(given.as_bytes(), token.as_bytes())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let mut headers = HeaderMap::new();
        assert!(!bearer_matches(&headers, "s3cret"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert!(bearer_matches(&headers, "s3cret"));
        assert!(!bearer_matches(&headers, "s3cret!"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic s3cret"),
        );
        assert!(!bearer_matches(&headers, "s3cret"));
    }
}
