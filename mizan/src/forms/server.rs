//! The server side of forms: the handler a form implements, the checks run on validate
//! and submit, and the layer that lets a form post to its own page without JavaScript.

use std::future::Future;

use axum::Form as UrlEncoded;
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{FORM_FIELD, Form, FormValues, validate};
use crate::auth::{CurrentUser, current_user};
use crate::error::AppError;

/// Who submitted a form, and the request it came with.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The signed-in user, if any.
    pub user: Option<CurrentUser>,
    /// The request's method, URI, headers and extensions (the session among them).
    pub request: Parts,
}

impl Submission {
    /// The submission being handled now.
    ///
    /// # Errors
    /// [`AppError::Internal`] outside a request or when the user cannot be loaded.
    pub async fn current() -> Result<Self, AppError> {
        let request = leptos::prelude::use_context::<Parts>()
            .ok_or_else(|| AppError::internal("no request in the Leptos context"))?;
        Ok(Self {
            user: current_user().await?,
            request,
        })
    }
}

/// What the server does with a form: its server-only checks and its submit handler.
pub trait FormHandler: Form {
    /// Checks that need the server (the database, another service), run after every
    /// synchronous rule passed. Nothing is checked by default.
    ///
    /// # Errors
    /// Usually [`AppError::Validation`] naming the field at fault.
    fn server_checks(
        &self,
        submission: &Submission,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = submission;
        async { Ok(()) }
    }

    /// Does what the form is for, with valid input.
    ///
    /// # Errors
    /// Whatever the form decides; [`AppError::Internal`] for failures.
    fn on_submit(
        self,
        submission: Submission,
    ) -> impl Future<Output = Result<Self::Output, AppError>> + Send;
}

/// `/api/<form>.validate`: every rule, then the server-only checks.
///
/// # Errors
/// [`AppError::Validation`] with every invalid field.
pub async fn validate_on_server<F: FormHandler>(
    values: FormValues,
) -> Result<(F, Submission), AppError> {
    let form = validate::<F>(&values).map_err(|fields| AppError::Validation { fields })?;
    let submission = Submission::current().await?;
    form.server_checks(&submission).await?;
    Ok((form, submission))
}

/// `/api/<form>.submit`: validates again, then calls [`FormHandler::on_submit`].
///
/// # Errors
/// [`AppError::Validation`], or what `on_submit` returns.
pub async fn submit_on_server<F: FormHandler>(values: FormValues) -> Result<F::Output, AppError> {
    let (form, submission) = validate_on_server::<F>(values).await?;
    form.on_submit(submission).await
}

/// A form posted to a page without JavaScript, handed to the page's render.
#[derive(Debug, Clone)]
pub struct PostedForm {
    /// The form's name (the hidden `__form` field).
    pub form: String,
    /// The posted values, the hidden field removed.
    pub values: FormValues,
}

/// The layer (`axum::middleware::from_fn`) that lets a page receive its own form posts:
/// a `POST` of a form body that names its form (`__form`) to a path outside `/api/` is
/// rendered as a `GET` of that page, with the values in a [`PostedForm`]. The page's
/// form hook submits them while it renders, and sets the status (422 on errors).
pub async fn accept_page_posts(request: Request, next: Next) -> Response {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| {
            ct.as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
    if request.method() != Method::POST || request.uri().path().starts_with("/api/") || !is_form {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let request = Request::from_parts(parts.clone(), body);
    let pairs = match UrlEncoded::<Vec<(String, String)>>::from_request(request, &()).await {
        Ok(UrlEncoded(pairs)) => pairs,
        Err(rejection) => return rejection.into_response(),
    };
    let mut values: FormValues = pairs.into_iter().collect();
    let Some(form) = values.remove(FORM_FIELD) else {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    parts.method = Method::GET;
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.insert(PostedForm { form, values });
    next.run(Request::from_parts(parts, axum::body::Body::empty()))
        .await
}
