//! The framework's middleware, as one tower service around the router: one clone of the
//! inner service and one boxed future per request (axum's `from_fn` layers box the whole
//! inner stack per request, once for each layer).
//!
//! In order, for each request:
//! 1. **CSRF**: a state-changing request a browser sent from another site is refused
//!    (403) before anything else runs ([`crate::server::csrf`]); so is a body that says it is
//!    larger than the limit (413). Readers of bodies enforce the same limit on the bytes.
//! 2. **The request's user slot**: an empty [`RequestUser`] for the current user to be
//!    resolved into, once, by whoever asks first.
//! 3. **Form posts to pages** (without JavaScript): a form body that names its form,
//!    posted to a page, becomes a `GET` of that page with a [`PostedForm`], before
//!    routing (the router sees the `GET`).
//! 4. The router.
//! 5. **Error statuses**: a server-function error from Leptos' own handler (functions
//!    that are not dispatched directly) gets the status its [`AppError`] names.
//! 6. **`Cache-Control`** where the response has none ([`crate::server::headers::policy`]).
//! 7. **Security headers** where the response has none: CSP, `nosniff`, frame and
//!    referrer policies, HSTS in production ([`crate::server::security_headers`]).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use tower::{Layer, Service};

use super::dispatch;
use crate::auth::RequestUser;
use crate::error::AppError;
use crate::forms::{FORM_FIELD, FormValues, PostedForm};
use crate::server::{csrf, headers, security_headers};

/// Error bodies are small; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The layer of [`Middleware`].
#[derive(Debug, Clone)]
pub struct MiddlewareLayer {
    site_url: Arc<str>,
    max_body: usize,
    production: bool,
}

impl MiddlewareLayer {
    /// For a site at `site_url` (what `Origin` is compared with) that accepts bodies of
    /// at most `max_body` bytes; in `production`, with HSTS.
    pub fn new(site_url: &str, max_body: usize, production: bool) -> Self {
        Self {
            site_url: site_url.into(),
            max_body,
            production,
        }
    }
}

impl<S> Layer<S> for MiddlewareLayer {
    type Service = Middleware<S>;

    fn layer(&self, inner: S) -> Middleware<S> {
        Middleware {
            inner,
            layer: self.clone(),
        }
    }
}

/// The framework's middleware around `S` (the router).
#[derive(Debug, Clone)]
pub struct Middleware<S> {
    inner: S,
    layer: MiddlewareLayer,
}

type BoxedResponse = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Middleware<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxedResponse;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> BoxedResponse {
        if is_state_changing(request.method())
            && csrf::is_cross_site(request.headers(), &self.layer.site_url)
        {
            tracing::warn!(path = %request.uri().path(), "cross-site call refused");
            return self.refuse(dispatch::error_response(&AppError::Forbidden));
        }
        let declared_length = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse::<usize>().ok());
        if declared_length.is_some_and(|length| length > self.layer.max_body) {
            return self.refuse(dispatch::payload_too_large());
        }
        request.extensions_mut().insert(RequestUser::default());
        let kind = headers::PathKind::of(request.uri().path());
        let is_page_post = is_page_post(&request);
        let max_body = self.layer.max_body;
        let production = self.layer.production;
        // The clone that is ready stays with the request (tower's rule for `call`).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let request = if is_page_post {
                match as_page_get(request, max_body).await {
                    Ok(request) => request,
                    Err(mut refusal) => {
                        security_headers::apply(refusal.headers_mut(), production);
                        return Ok(refusal);
                    }
                }
            } else {
                request
            };
            let mut response = inner.call(request).await?;
            // (Not on the redirect of a plain HTML form: that status is the point.)
            if response.headers().contains_key(SERVER_FN_ERROR_HEADER)
                && !response.status().is_redirection()
            {
                response = with_error_status(response).await;
            }
            if !response.headers().contains_key(CACHE_CONTROL) {
                let policy = kind.policy(response.status());
                response
                    .headers_mut()
                    .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
            }
            security_headers::apply(response.headers_mut(), production);
            Ok(response)
        })
    }
}

impl<S> Middleware<S> {
    /// A refusal made before routing: never stored by anyone.
    fn refuse(&self, mut response: Response) -> BoxedResponse {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(headers::NO_STORE));
        security_headers::apply(response.headers_mut(), self.layer.production);
        Box::pin(std::future::ready(Ok(response)))
    }
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A `POST` of a form body to a path outside `/api/`: a page receiving its own form.
fn is_page_post(request: &Request) -> bool {
    request.method() == Method::POST
        && !request.uri().path().starts_with("/api/")
        && request.headers().get(CONTENT_TYPE).is_some_and(|ct| {
            ct.as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        })
}

/// A form posted to a page, as the `GET` of that page with the values in a
/// [`PostedForm`]: the page's form hook submits them while it renders and sets the status
/// (422 on errors). A body that names no form (`__form`) is refused with 405.
#[allow(
    clippy::result_large_err,
    reason = "the refusal is the response itself, made once"
)]
async fn as_page_get(request: Request, max_body: usize) -> Result<Request, Response> {
    let (mut parts, body) = request.into_parts();
    let bytes = to_bytes(body, max_body)
        .await
        .map_err(|_| dispatch::payload_too_large())?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("cannot read the form: {e}"),
        )
            .into_response()
    })?;
    let mut values: FormValues = pairs.into_iter().collect();
    let Some(form) = values.remove(FORM_FIELD) else {
        return Err(StatusCode::METHOD_NOT_ALLOWED.into_response());
    };
    parts.method = Method::GET;
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    parts.extensions.insert(PostedForm { form, values });
    Ok(Request::from_parts(parts, Body::empty()))
}

/// Leptos answers every server-function error with 500; the body is our [`AppError`] as
/// JSON, so the status it names is set from it (and `Retry-After` on a 429 or 503).
async fn with_error_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(seconds) = error.retry_after() {
            parts
                .headers
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
