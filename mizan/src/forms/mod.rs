//! Forms declared once, as a Rust struct with `#[derive(mizan::Form)]`, and served
//! everywhere from that one declaration.
//!
//! A complete example, run as a doctest, is on the derive ([`mizan::Form`](derive@crate::Form)).
//! For a form declared `#[form(name = "contact", …)]` on `ContactForm`, the derive gives:
//! - `GET /api/contact.schema`: the [`FormSchema`] as JSON (fields, types, labels, rules);
//! - `POST /api/contact.validate`: every check, 422 with field errors when one fails;
//! - `POST /api/contact.submit`: every check again, then the form's
//!   [`FormHandler::on_submit`] (ssr) with the caller and the request;
//! - `use_contact_form()`: a [`FormHandle`] for the browser, and [`MizanForm`] renders any
//!   form from its schema; [`ActionButton`] calls a function without arguments.
//!
//! The synchronous rules ([`validate`]) are plain Rust compiled into both the server and
//! the WebAssembly bundle, so the browser refuses invalid input before sending anything,
//! and the server refuses it again whatever the client did. Server-only checks (a taken
//! email) live in [`FormHandler::server_checks`]. Without JavaScript, `<MizanForm>` posts
//! to its own page, which the server renders again with the outcome.

mod action_button;
mod field;
mod handle;
pub mod rules;
mod schema;
mod view;

#[cfg(feature = "ssr")]
mod api;
#[cfg(feature = "ssr")]
mod server;

use std::collections::BTreeMap;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use action_button::ActionButton;
pub use field::{FieldType, REQUIRED};
pub use handle::{FormHandle, FormState};
pub use rules::Rule;
pub use schema::{FieldKind, FieldSchema, FormSchema};
pub use view::MizanForm;

#[cfg(feature = "ssr")]
pub use api::body_schema;
#[cfg(feature = "ssr")]
pub use server::{
    FormCaller, FormHandler, PostedForm, Submission, submit_on_server, validate_on_server,
};

use crate::error::{AppError, FieldErrors};

/// A form's values as posted: field name → text.
pub type FormValues = BTreeMap<String, String>;

/// The hidden field that names the form in a post to a page (without JavaScript).
pub const FORM_FIELD: &str = "__form";

/// A form, as `#[derive(mizan::Form)]` describes it.
pub trait Form: Sized + Clone + Send + Sync + 'static {
    /// Its name in URLs: `/api/<NAME>.submit`.
    const NAME: &'static str;
    /// What a successful submission answers.
    type Output: Clone + Send + Sync + Serialize + DeserializeOwned + 'static;
    /// Who submits it, as its handler receives them: `CurrentUser` behind
    /// `auth = authenticated | staff | superuser` (the guard refused everyone else),
    /// `Option<CurrentUser>` behind `public` and `custom(…)`.
    type Caller: Clone + Send + Sync + 'static;

    /// Its fields and rules.
    fn schema() -> &'static FormSchema;

    /// Reads the typed form from posted values, once [`validate`] found them good.
    ///
    /// # Errors
    /// Field errors for values that are not of their field's type.
    fn build(values: &FormValues) -> Result<Self, FieldErrors>;

    /// Checks across fields (e.g. two fields that must differ): empty when all is well.
    fn check(&self) -> FieldErrors {
        FieldErrors::new()
    }

    /// Calls `/api/<NAME>.submit` (from the browser), or runs it (on the server).
    fn submit(
        values: FormValues,
    ) -> impl Future<Output = Result<Self::Output, AppError>> + Send + 'static;
}

/// Runs every synchronous rule of `F` over `values`: required fields, types, each field's
/// rules, then the checks across fields. The same code runs in the browser and on the
/// server.
///
/// # Errors
/// Every invalid field with its messages.
pub fn validate<F: Form>(values: &FormValues) -> Result<F, FieldErrors> {
    let mut errors = FieldErrors::new();
    for field in &F::schema().fields {
        let messages: Vec<String> = match field
            .kind
            .clean(values.get(&*field.name).map(String::as_str))
        {
            None if field.required => vec![REQUIRED.to_owned()],
            None => Vec::new(),
            Some(value) => field
                .rules
                .iter()
                .filter_map(|rule| rule.check(value))
                .collect(),
        };
        if !messages.is_empty() {
            errors.insert(field.name.to_string(), messages);
        }
    }
    // Type errors (a word where a number goes) for fields the rules let through.
    let form = match F::build(values) {
        Ok(form) if errors.is_empty() => form,
        Ok(_) => return Err(errors),
        Err(type_errors) => {
            for (name, messages) in type_errors {
                errors.entry(name).or_insert(messages);
            }
            return Err(errors);
        }
    };
    let across = form.check();
    if across.is_empty() {
        Ok(form)
    } else {
        Err(across)
    }
}

/// Reads one field for [`Form::build`]: `None` (and an error recorded) when its value is
/// not of type `T`.
pub fn read<T: FieldType>(
    values: &FormValues,
    field: &FieldSchema,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = field
        .kind
        .clean(values.get(&*field.name).map(String::as_str));
    match T::parse(raw) {
        Ok(value) => Some(value),
        Err(message) => {
            errors.insert(field.name.to_string(), vec![message]);
            None
        }
    }
}
