//! Logs: `tracing` events, human-readable in development and JSON in production, and a
//! tower-http layer that logs each request's method, path, status and latency.

use std::io::IsTerminal;

use axum::body::Body;
use axum::http::Request;
use tower_http::LatencyUnit;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use tracing::Span;
use tracing_subscriber::EnvFilter;

use crate::config::Environment;

/// What is logged when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the global subscriber. Calling it again (as tests do) changes nothing.
pub fn init(environment: Environment) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    // `try_init` fails only when a subscriber is already set, which is fine.
    let _ = if environment.is_production() {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}

/// The trace layer [`trace_layer`] builds.
pub type RequestTraceLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, fn(&Request<Body>) -> Span>;

/// One span per request (method and path) and one event per response (status and
/// latency in microseconds), at `INFO`. Never the query string: mailed links and OAuth
/// callbacks carry tokens and codes there.
pub fn trace_layer() -> RequestTraceLayer {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&Request<Body>) -> Span)
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(LatencyUnit::Micros),
        )
}

/// The span of one request: its method and path, without the query.
fn request_span(request: &Request<Body>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}
