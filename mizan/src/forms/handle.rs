//! The browser side of a form: values, touched fields, errors and the submit action, as
//! signals. `use_<form>_form()` (from the derive) returns one.
//!
//! The handle is split in two: [`FormState`], which knows nothing of the form's types
//! (what views read and write: one copy of the view code serves every form), and the
//! typed [`FormHandle`] around it (the submission and its typed result).

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::{FieldKind, Form, FormSchema, FormValues, validate};
use crate::error::{AppError, FieldErrors};
use crate::response::StatusSetter;

/// What a form's views read and write, whatever the form. Cheap to copy.
#[derive(Clone, Copy)]
pub struct FormState {
    name: &'static str,
    schema: &'static FormSchema,
    values: RwSignal<FormValues>,
    touched: RwSignal<BTreeSet<String>>,
    changed: RwSignal<BTreeSet<String>>,
    tried: RwSignal<bool>,
    client_errors: Memo<FieldErrors>,
    /// The server's field errors from the last submission, if it was refused on fields.
    server_errors: Signal<Option<FieldErrors>>,
    /// A refusal that belongs to no field.
    refusal: Signal<Option<String>>,
    pending: Signal<bool>,
    send: Callback<FormValues>,
}

impl FormState {
    /// The form's name (`contact`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The form's fields and rules.
    pub fn schema(&self) -> &'static FormSchema {
        self.schema
    }

    /// The current text of `field`.
    pub fn value(&self, field: &str) -> String {
        self.values
            .with(|values| values.get(field).cloned().unwrap_or_default())
    }

    /// The current text of `field`, without subscribing to changes.
    pub fn value_untracked(&self, field: &str) -> String {
        self.values
            .with_untracked(|values| values.get(field).cloned().unwrap_or_default())
    }

    /// Sets the text of `field` (on input).
    pub fn set(&self, field: &str, value: String) {
        self.values.update(|values| {
            values.insert(field.to_owned(), value);
        });
        self.changed.update(|changed| {
            changed.insert(field.to_owned());
        });
    }

    /// Marks `field` as visited (on blur): its errors show from now on.
    pub fn touch(&self, field: &str) {
        if !self
            .touched
            .with_untracked(|touched| touched.contains(field))
        {
            self.touched.update(|touched| {
                touched.insert(field.to_owned());
            });
        }
    }

    /// Whether `field` was visited.
    pub fn is_touched(&self, field: &str) -> bool {
        self.touched.with(|touched| touched.contains(field))
    }

    /// What to show under `field`: the server's error from the last submission while the
    /// field is unchanged, else the browser's own check once the field was visited.
    pub fn error(&self, field: &str) -> Option<String> {
        let unchanged = !self.changed.with(|changed| changed.contains(field));
        if unchanged
            && let Some(message) = self.server_errors.with(|errors| {
                errors
                    .as_ref()
                    .and_then(|e| e.get(field).map(|m| m.join("; ")))
            })
        {
            return Some(message);
        }
        if self.tried.get() || self.is_touched(field) {
            self.client_errors
                .with(|errors| errors.get(field).map(|messages| messages.join("; ")))
        } else {
            None
        }
    }

    /// An error that belongs to no field (refused, rate-limited, failed), if any.
    pub fn form_error(&self) -> Option<String> {
        self.refusal.get()
    }

    /// Every error the browser's own checks find now, whether shown or not.
    pub fn errors(&self) -> FieldErrors {
        self.client_errors.get()
    }

    /// Sends the form when the browser's checks pass; otherwise shows every error and
    /// sends nothing. Returns whether it was sent.
    pub fn submit(&self) -> bool {
        self.tried.set(true);
        if !self.client_errors.with_untracked(FieldErrors::is_empty) {
            return false;
        }
        self.changed.update(BTreeSet::clear);
        self.send.run(self.values.get_untracked());
        true
    }

    /// Whether a submission is on its way.
    pub fn pending(&self) -> bool {
        self.pending.get()
    }
}

/// One form on a page, typed: its [`FormState`] (every method of which it offers too),
/// the submission, and its typed result. Cheap to copy: every part is an arena signal.
///
/// Errors show for a field once it was left (blurred) or a submit was tried; the server's
/// errors from the last submission show until the field changes. Read it under
/// `<Suspense>`/`<Transition>` (as [`super::MizanForm`] does): a post made without
/// JavaScript is answered through a resource resolved on the server.
pub struct FormHandle<F: Form> {
    state: FormState,
    show_posted: RwSignal<bool>,
    action: Action<FormValues, Result<F::Output, AppError>>,
    /// The outcome of the last submission (see [`FormHandle::result`]).
    result: Signal<Option<Result<F::Output, AppError>>>,
}

impl<F: Form> Clone for FormHandle<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Form> Copy for FormHandle<F> {}

impl<F: Form> std::ops::Deref for FormHandle<F> {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

impl<F: Form> FormHandle<F> {
    /// A form with empty values, or, on a page the server renders after a post without
    /// JavaScript, with the posted values and the outcome of submitting them.
    pub fn new() -> Self {
        // Posted values are known on the server only. What the page shows of them (never a
        // password) is serialized into the page for hydration; the submission uses them all.
        let posted_values = posted_values(F::NAME);
        let shown =
            SharedValue::new(|| posted_values.clone().map(without_passwords::<F>)).into_inner();
        let was_posted = shown.is_some();
        let values = RwSignal::new(shown.unwrap_or_default());
        let status = StatusSetter::capture();
        let posted = Resource::new_blocking(
            || (),
            move |()| {
                let posted_values = posted_values.clone();
                let status = status.clone();
                async move {
                    let outcome = F::submit(posted_values?).await;
                    if let Err(error) = &outcome {
                        status.set(error.status());
                    }
                    Some(outcome)
                }
            },
        );
        let show_posted = RwSignal::new(was_posted);
        let action = Action::new(|values: &FormValues| F::submit(values.clone()));
        let result = Signal::derive(move || {
            action
                .value()
                .get()
                .or_else(|| show_posted.get().then(|| posted.get().flatten()).flatten())
        });
        let refused = move || result.get().and_then(Result::err);
        let state = FormState {
            name: F::NAME,
            schema: F::schema(),
            values,
            touched: RwSignal::new(BTreeSet::new()),
            changed: RwSignal::new(BTreeSet::new()),
            // After a post without JavaScript the server's errors say what is wrong: the
            // browser's own checks wait for an edit or a new attempt (they would call the
            // password fields, which are not sent back, empty).
            tried: RwSignal::new(false),
            client_errors: Memo::new(move |_| {
                values.with(|values| validate::<F>(values).err().unwrap_or_default())
            }),
            server_errors: Signal::derive(move || match refused() {
                Some(AppError::Validation { fields }) => Some(fields),
                _ => None,
            }),
            refusal: Signal::derive(move || match refused()? {
                AppError::Validation { fields } => fields.get("form").map(|m| m.join("; ")),
                other => Some(other.to_string()),
            }),
            pending: action.pending().into(),
            send: Callback::new(move |values: FormValues| {
                show_posted.set(false);
                action.dispatch(values);
            }),
        };
        Self {
            state,
            show_posted,
            action,
            result,
        }
    }

    /// The state the views use, without the form's types.
    pub fn state(&self) -> FormState {
        self.state
    }

    /// The outcome of the last submission: from the browser's call, or from the post the
    /// server answered without JavaScript.
    pub fn result(&self) -> Option<Result<F::Output, AppError>> {
        self.result.get()
    }

    /// Whether the last submission succeeded (what pages show a "done" state on).
    pub fn succeeded(&self) -> bool {
        matches!(self.result(), Some(Ok(_)))
    }

    /// Empties every field and forgets errors, e.g. to send another message.
    pub fn reset(&self) {
        self.state.values.set(FormValues::new());
        self.state.touched.set(BTreeSet::new());
        self.state.changed.set(BTreeSet::new());
        self.state.tried.set(false);
        self.show_posted.set(false);
        self.action.value().set(None);
    }
}

impl<F: Form> Default for FormHandle<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// `values` without the form's password fields: they are never sent back to the browser.
fn without_passwords<F: Form>(mut values: FormValues) -> FormValues {
    for field in &F::schema().fields {
        if field.kind == FieldKind::Password {
            values.remove(&*field.name);
        }
    }
    values
}

/// The values posted to this page for the form `name`, without JavaScript.
#[cfg(feature = "ssr")]
fn posted_values(name: &str) -> Option<FormValues> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let posted = parts.extensions.get::<super::PostedForm>()?;
    (posted.form == name).then(|| posted.values.clone())
}

#[cfg(not(feature = "ssr"))]
fn posted_values(_name: &str) -> Option<FormValues> {
    None
}
