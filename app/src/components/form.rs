//! Helpers for forms that post to server functions.

use leptos::prelude::*;
use mizan::AppError;
use mizan::forms::{Form, FormHandle, MizanForm};

/// `form` until its submission succeeds, then its children in a status box in its place. Both
/// states render on the server too (after a post without JavaScript).
#[component]
pub fn FormUntilDone<F: Form>(
    /// The form.
    form: FormHandle<F>,
    /// Its button.
    submit_label: &'static str,
    /// A sentence above the form.
    #[prop(optional)]
    intro: Option<&'static str>,
    /// What the status box says once it is done.
    children: ChildrenFn,
) -> impl IntoView {
    let succeeded = move || form.succeeded();
    view! {
        <Transition fallback=|| ()>
            <Show when=succeeded>
                <div class="success" role="status">{children()}</div>
            </Show>
            <div hidden=succeeded>
                {intro.map(|text| view! { <p>{text}</p> })}
                <MizanForm form=form submit_label=submit_label/>
            </div>
        </Transition>
    }
}

/// The token of the mailed link this page was opened with (`?token=…`).
pub fn link_token() -> String {
    leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default()
}

/// The message to show beside `field` after a submission, if it failed on that field.
/// The pseudo-field `"form"` also shows errors that belong to no field.
pub fn error_for<T, R>(
    result: R,
    field: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + 'static
where
    R: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || {
        result.with(|result| match result {
            Some(Err(AppError::Validation { fields })) => fields.get(field).map(|m| m.join("; ")),
            Some(Err(other)) if field == "form" => Some(other.to_string()),
            _ => None,
        })
    }
}
