//! The server side of forms: the handler a form implements, the checks run on validate
//! and submit, and the form posted to a page without JavaScript.

use std::future::Future;

use axum::http::request::Parts;

use super::{Form, FormValues, validate};
use crate::auth::{CurrentUser, current_user};
use crate::error::AppError;

/// Who submitted a form (`C`: see [`Form::Caller`]), and the request it came with.
#[derive(Debug, Clone)]
pub struct Submission<C = Option<CurrentUser>> {
    /// The caller: the signed-in user behind a level, or `Option` of it.
    pub user: C,
    /// The request's method, URI, headers and extensions (the session among them).
    pub request: Parts,
}

/// How a form's caller is made from the request's current user.
pub trait FormCaller: Sized {
    /// The caller, from the user the form's guard resolved.
    ///
    /// # Errors
    /// [`AppError::Unauthenticated`] where a user is needed and there is none (which the
    /// guard has already answered).
    fn from_current(user: Option<CurrentUser>) -> Result<Self, AppError>;
}

impl FormCaller for CurrentUser {
    fn from_current(user: Option<CurrentUser>) -> Result<Self, AppError> {
        user.ok_or(AppError::Unauthenticated)
    }
}

impl FormCaller for Option<CurrentUser> {
    fn from_current(user: Option<CurrentUser>) -> Result<Self, AppError> {
        Ok(user)
    }
}

impl<C: FormCaller> Submission<C> {
    /// The submission being handled now.
    ///
    /// # Errors
    /// [`AppError::Internal`] outside a request or when the user cannot be loaded.
    pub async fn current() -> Result<Self, AppError> {
        let request = leptos::prelude::use_context::<Parts>()
            .ok_or_else(|| AppError::internal("no request in the Leptos context"))?;
        Ok(Self {
            user: C::from_current(current_user().await?)?,
            request,
        })
    }
}

/// What the server does with a form: its server-only checks and its submit handler.
pub trait FormHandler: Form<Caller: FormCaller> {
    /// Checks that need the server (the database, another service), run after every
    /// synchronous rule passed. Nothing is checked by default.
    ///
    /// # Errors
    /// Usually [`AppError::Validation`] naming the field at fault.
    fn server_checks(
        &self,
        submission: &Submission<Self::Caller>,
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
        submission: Submission<Self::Caller>,
    ) -> impl Future<Output = Result<Self::Output, AppError>> + Send;
}

/// `/api/<form>.validate`: every rule, then the server-only checks.
///
/// # Errors
/// [`AppError::Validation`] with every invalid field.
pub async fn validate_on_server<F: FormHandler>(
    values: FormValues,
) -> Result<(F, Submission<F::Caller>), AppError> {
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

/// A form posted to a page without JavaScript, handed to the page's render (the
/// framework's middleware turns the post into a `GET` of the page that carries it).
#[derive(Debug, Clone)]
pub struct PostedForm {
    /// The form's name (the hidden `__form` field).
    pub form: String,
    /// The posted values, the hidden field removed.
    pub values: FormValues,
}
