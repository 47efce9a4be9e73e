//! Gives server-function errors their real HTTP status.
//!
//! Leptos answers every server-function error with 500. The body is our [`AppError`] as
//! JSON, so this layer reads it back and sets the status it names (and `Retry-After` on a
//! 429). Doing it here, not in each function, also covers errors raised before the body
//! runs, like arguments that cannot be read (400).

use axum::body::{Body, to_bytes};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

use crate::error::AppError;

/// Error bodies are small; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The `axum::middleware::map_response` function that fixes the status.
pub async fn set_error_status(response: Response) -> Response {
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::RateLimited { retry_after } = error {
            parts
                .headers
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
