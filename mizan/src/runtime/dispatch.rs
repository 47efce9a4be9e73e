//! Direct dispatch: every `#[mizan::server]` function on its own axum route at
//! `/api/<name>`, its arguments decoded from the body (form or JSON), its body run with
//! the request's parts moved (not copied) into its context, its typed error answered with
//! its real status.
//!
//! Leptos' own handler looks each call up by path under a global lock, copies the
//! request's parts, and answers every error with 500 for a later layer to fix. The macro
//! registers an [`Endpoint`] per function instead, and [`routes`] mounts them all.
//!
//! The wire format is Leptos': arguments as `application/x-www-form-urlencoded` (read as
//! `serde_qs` reads them) or, for other clients, `application/json`; answers as JSON. A
//! plain HTML form (no JavaScript) that posts to a function is sent back to its page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, LOCATION, REFERER, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use leptos::prelude::provide_context;
use leptos::reactive::computed::ScopedFuture;
use leptos::reactive::owner::Owner;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_axum::ResponseOptions;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::api::{Operation, SchemaFn, schema_of};
use crate::cache::CacheSpec;
use crate::cache::edge::AtEdge;
use crate::error::AppError;

pub use inventory;

/// A boxed response future, as every endpoint returns.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The largest body a call may send (the server's body limit is the same).
pub const MAX_ARGUMENTS: usize = 64 * 1024;

/// How a function receives its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `POST`, arguments in the body (form-encoded or JSON).
    Post,
    /// `GET`, arguments in the query string.
    Get,
}

/// One server function's route, registered by its macro.
pub struct Endpoint {
    /// `/api/<name>`.
    pub path: &'static str,
    /// Its method and where its arguments are.
    pub input: Input,
    /// What the API document says of it.
    pub operation: Operation,
    /// The schema of its answer.
    pub output: SchemaFn,
    /// How it is cached, and whether the edge may keep it; `None`: not cached.
    pub cache: Option<(CacheSpec, AtEdge)>,
    handler: fn(AppState, Request) -> ResponseFuture,
}

impl Endpoint {
    /// The endpoint of server function `F`.
    pub const fn of<F>(input: Input, operation: Operation) -> Self
    where
        F: ServerFn<Error = AppError> + DeserializeOwned + 'static,
        F::Output: Serialize + JsonSchema,
    {
        Self {
            path: F::PATH,
            input,
            operation,
            output: schema_of::<F::Output>,
            cache: None,
            handler: call::<F>,
        }
    }

    /// The endpoint of cached server function `F` (as `spec` says, and at the edge as
    /// `at_edge` says): a hit is answered with the stored JSON as it is, without running
    /// (or decoding and encoding) anything.
    pub const fn cached<F>(
        input: Input,
        operation: Operation,
        spec: CacheSpec,
        at_edge: AtEdge,
    ) -> Self
    where
        F: ServerFn<Error = AppError> + StoredAnswer + DeserializeOwned + Sync + 'static,
        F::Output: Serialize + JsonSchema,
    {
        Self {
            path: F::PATH,
            input,
            operation,
            output: schema_of::<F::Output>,
            cache: Some((spec, at_edge)),
            handler: call_cached::<F>,
        }
    }
}

/// A cached function's stored answer for a call: its guard, then a cache lookup. The
/// macro implements it on the arguments of every `cache = …` function.
pub trait StoredAnswer {
    /// The stored JSON of this call, if any; the guard's refusal if it refuses.
    fn stored_answer(&self) -> impl Future<Output = Result<Option<Arc<str>>, AppError>> + Send;
}

/// What running a call gave: a value to encode, or an answer already encoded.
enum Outcome<T> {
    Value(Result<T, AppError>),
    Stored(Arc<str>),
}

inventory::collect!(Endpoint);

/// Every registered endpoint.
pub fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    inventory::iter::<Endpoint>.into_iter()
}

/// The paths of every registered endpoint, for Leptos to leave alone.
pub fn paths() -> Vec<String> {
    endpoints().map(|e| e.path.to_owned()).collect()
}

/// A router with one route per registered endpoint. Bodies are read only by
/// `decode`, which stops at [`MAX_ARGUMENTS`].
pub fn routes() -> Router<AppState> {
    endpoints().fold(Router::new(), |router, endpoint| {
        let handler = endpoint.handler;
        let route = move |State(state): State<AppState>, request: Request| handler(state, request);
        router.route(
            endpoint.path,
            match endpoint.input {
                Input::Post => axum::routing::post(route),
                Input::Get => axum::routing::get(route),
            },
        )
    })
}

/// Runs one call of `F`.
fn call<F>(state: AppState, request: Request) -> ResponseFuture
where
    F: ServerFn<Error = AppError> + DeserializeOwned + 'static,
    F::Output: Serialize,
{
    Box::pin(respond::<F, _>(state, request, |args| async move {
        Outcome::Value(F::run_body(args).await)
    }))
}

/// Runs one call of cached `F`: the stored answer when there is one, the body otherwise.
fn call_cached<F>(state: AppState, request: Request) -> ResponseFuture
where
    F: ServerFn<Error = AppError> + StoredAnswer + DeserializeOwned + Sync + 'static,
    F::Output: Serialize,
{
    Box::pin(respond::<F, _>(state, request, |args| async move {
        match args.stored_answer().await {
            Ok(Some(json)) => Outcome::Stored(json),
            // Boxed: the body's future (database queries hold kilobytes of state) is
            // built only on a miss, and a hit's future stays small, so moving it on its
            // way to the executor copies little (measured: a hit cost 240k instructions
            // per request, 72% of them in memcpy, with the body's future inline).
            Ok(None) => Outcome::Value(Box::pin(F::run_body(args)).await),
            Err(error) => Outcome::Value(Err(error)),
        }
    }))
}

/// Decodes the arguments, runs `body` on them in the request's reactive owner, and
/// answers: JSON with 200, or the typed error with its status; a plain HTML form goes
/// back to its page.
async fn respond<F, Fut>(
    state: AppState,
    request: Request,
    body: impl FnOnce(F) -> Fut + Send,
) -> Response
where
    F: ServerFn<Error = AppError> + DeserializeOwned + 'static,
    F::Output: Serialize,
    Fut: Future<Output = Outcome<F::Output>> + Send,
{
    let (parts, request_body) = request.into_parts();
    let back_to = form_page(&parts);
    let (outcome, options) = match decode::<F>(&parts, request_body).await {
        Ok(args) => run(state, parts, body(args)).await,
        Err(Unread::TooLarge) if back_to.is_none() => return payload_too_large(),
        Err(Unread::TooLarge) => (
            Outcome::Value(Err(too_large_error())),
            ResponseOptions::default(),
        ),
        Err(Unread::Bad(error)) => (Outcome::Value(Err(error)), ResponseOptions::default()),
    };
    let (mut response, error) = match outcome {
        Outcome::Stored(json) => (
            json_response(StatusCode::OK, json.as_bytes().to_vec()),
            None,
        ),
        Outcome::Value(Ok(value)) => match serde_json::to_vec(&value) {
            Ok(json) => (json_response(StatusCode::OK, json), None),
            Err(e) => {
                let error = AppError::internal(e);
                (error_response(&error), Some(error))
            }
        },
        Outcome::Value(Err(error)) => (error_response(&error), Some(error)),
    };
    if let Some(page) = back_to {
        redirect_to_form_page::<F>(&mut response, page, error);
    }
    // What the body set on its response (`leptos_axum::redirect`, a status).
    if let Ok(mut set) = options.0.write() {
        if let Some(status) = set.status {
            *response.status_mut() = status;
        }
        response
            .headers_mut()
            .extend(std::mem::take(&mut set.headers));
    }
    response
}

/// Runs `body` (the function's guard first) in a reactive owner that holds the
/// request's parts, the response options and the state: what `current_user()`, `state()`
/// and `leptos_axum::extract()` read.
async fn run<T>(
    state: AppState,
    parts: Parts,
    body: impl Future<Output = T>,
) -> (T, ResponseOptions) {
    let options = ResponseOptions::default();
    let owner = Owner::new();
    let result = owner
        .with(|| {
            provide_context(parts);
            provide_context(options.clone());
            provide_context(state);
            ScopedFuture::new(body)
        })
        .await;
    (result, options)
}

/// Why a call's arguments were not read.
enum Unread {
    /// The body is larger than [`MAX_ARGUMENTS`].
    TooLarge,
    /// They are not what the function takes.
    Bad(AppError),
}

/// The arguments of a call: from the query string (`GET`), or from the body as JSON or
/// form-encoded.
async fn decode<F: DeserializeOwned>(parts: &Parts, body: Body) -> Result<F, Unread> {
    let bad = |e: &dyn std::fmt::Display| {
        Unread::Bad(AppError::BadRequest {
            message: format!("cannot read the arguments: {e}"),
        })
    };
    if parts.method == axum::http::Method::GET {
        let query = parts.uri.query().unwrap_or_default();
        return qs().deserialize_str(query).map_err(|e| bad(&e));
    }
    let bytes = to_bytes(body, MAX_ARGUMENTS)
        .await
        .map_err(|_| Unread::TooLarge)?;
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/json"));
    if is_json {
        let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(bytes).map_err(|e| bad(&e))
    } else {
        let text = std::str::from_utf8(&bytes).map_err(|e| bad(&e))?;
        qs().deserialize_str(text).map_err(|e| bad(&e))
    }
}

fn too_large_error() -> AppError {
    AppError::BadRequest {
        message: format!("the request body is larger than {MAX_ARGUMENTS} bytes"),
    }
}

/// 413: the body is larger than a call or a form may send.
pub fn payload_too_large() -> Response {
    let mut response = error_response(&too_large_error());
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response
}

/// How Leptos' own client writes arguments (and how its server reads them).
fn qs() -> serde_qs::Config {
    serde_qs::Config::new(5, false)
}

fn json_response(status: StatusCode, json: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(json));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A typed error with its status (and `Retry-After` on a 429 or 503); the body is the error as
/// JSON, which the client decodes back into [`AppError`].
pub fn error_response(error: &AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let json = serde_json::to_vec(error).unwrap_or_default();
    let mut response = json_response(status, json);
    if let Some(seconds) = error.retry_after() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The page a plain HTML form was posted from (it accepts HTML), to send the browser
/// back to: its `Referer`, or the home page.
fn form_page(parts: &Parts) -> Option<String> {
    let accepts_html = parts
        .headers
        .get(ACCEPT)
        .is_some_and(|accept| accept.as_bytes().windows(9).any(|w| w == b"text/html"));
    if !accepts_html {
        return None;
    }
    let referer = parts
        .headers
        .get(REFERER)
        .and_then(|referer| referer.to_str().ok());
    Some(referer.unwrap_or("/").to_owned())
}

/// Sends a plain form post back to its page, with the error in the URL as Leptos'
/// `ActionForm` reads it (or without the last error, after a success).
fn redirect_to_form_page<F: ServerFn<Error = AppError>>(
    response: &mut Response,
    mut page: String,
    error: Option<AppError>,
) {
    if response.headers().contains_key(LOCATION) {
        return;
    }
    match error {
        Some(error) => {
            if let Ok(url) = ServerFnUrlError::new(F::PATH, error).to_url(&page) {
                page = url.to_string();
            }
        }
        None => {
            ServerFnUrlError::<AppError>::strip_error_info(&mut page);
            // Stripping leaves `?` behind an empty query.
            if page.ends_with('?') {
                page.pop();
            }
        }
    }
    if let Ok(location) = HeaderValue::from_str(&page) {
        *response.status_mut() = StatusCode::FOUND;
        response.headers_mut().insert(LOCATION, location);
    }
}
