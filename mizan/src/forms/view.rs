//! `<MizanForm>`: renders any form from its schema, wired to its [`FormHandle`].

use leptos::prelude::*;

use super::{FORM_FIELD, FieldKind, FieldSchema, Form, FormHandle, FormState, Rule};

/// Renders every field of `F` with its label, help and error, a form-level error line and
/// a submit button.
///
/// With JavaScript the browser checks the input first and sends nothing while it is
/// invalid; without it the form posts to its own page and the server answers with the
/// page rendered again, errors or success included. Show what follows a success from
/// `form.result()`.
#[component]
pub fn MizanForm<F: Form>(
    /// The form, from `use_<form>_form()`.
    form: FormHandle<F>,
    /// The submit button's text.
    #[prop(into)]
    submit_label: String,
) -> impl IntoView {
    // Everything below is the same code for every form: only the state is passed on.
    form_view(form.state(), submit_label)
}

fn form_view(form: FormState, submit_label: String) -> impl IntoView {
    let fields = form
        .schema()
        .fields
        .iter()
        .map(|field| view! { <Field form=form field=field/> })
        .collect_view();
    view! {
        <Transition fallback=|| ()>
            <form
                method="post"
                class="mizan-form"
                novalidate
                data-form=form.name()
                on:submit=move |ev| {
                    ev.prevent_default();
                    form.submit();
                }
            >
                <input type="hidden" name=FORM_FIELD value=form.name()/>
                <p class="form-error" role="alert">{move || form.form_error()}</p>
                {fields}
                <button type="submit" disabled=move || form.pending()>{submit_label}</button>
            </form>
        </Transition>
    }
}

/// One labelled input with its help text and error line.
#[component]
fn Field(form: FormState, field: &'static FieldSchema) -> impl IntoView {
    let name: &'static str = &field.name;
    let id = format!("{}-{name}", form.name());
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let invalid = move || form.error(name).is_some().to_string();
    if field.kind == FieldKind::Hidden {
        return view! {
            <input type="hidden" name=name value=form.value_untracked(name) prop:value=move || form.value(name)/>
        }
        .into_any();
    }
    let input = match field.kind {
        FieldKind::Textarea => view! {
            <textarea
                id=id.clone()
                name=name
                rows="6"
                aria-invalid=invalid
                aria-describedby=error_id.clone()
                prop:value=move || form.value(name)
                on:input=move |ev| form.set(name, event_target_value(&ev))
                on:blur=move |_| form.touch(name)
            >
                {form.value_untracked(name)}
            </textarea>
        }
        .into_any(),
        FieldKind::Boolean => view! {
            <input
                type="checkbox"
                id=id.clone()
                name=name
                aria-invalid=invalid
                aria-describedby=error_id.clone()
                checked=form.value_untracked(name) == "true"
                prop:checked=move || form.value(name) == "true"
                on:change=move |ev| form.set(name, event_target_checked(&ev).to_string())
                on:blur=move |_| form.touch(name)
            />
        }
        .into_any(),
        kind => view! {
            <input
                type=input_type(kind)
                id=id.clone()
                name=name
                autocomplete=autocomplete(field)
                aria-invalid=invalid
                aria-describedby=error_id.clone()
                value=form.value_untracked(name)
                prop:value=move || form.value(name)
                on:input=move |ev| form.set(name, event_target_value(&ev))
                on:blur=move |_| form.touch(name)
            />
        }
        .into_any(),
    };
    view! {
        <div class="field" class:required=field.required>
            <label for=id>{&*field.label}</label>
            {input}
            {field.help.as_deref().map(|help| view! { <p class="help" id=help_id>{help}</p> })}
            <p class="field-error" id=error_id>{move || form.error(name)}</p>
        </div>
    }
    .into_any()
}

fn input_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Email => "email",
        FieldKind::Password => "password",
        FieldKind::Integer => "number",
        _ => "text",
    }
}

/// What the browser may fill in for a field, from its name and kind. A password with a
/// minimum length is being chosen (`new-password`: password managers offer one); one
/// without is being typed to prove who you are (`current-password`).
fn autocomplete(field: &FieldSchema) -> &'static str {
    let chosen = || {
        field
            .rules
            .iter()
            .any(|rule| matches!(rule, Rule::Length { min: Some(_), .. }))
    };
    match (&*field.name, field.kind) {
        (_, FieldKind::Email) | ("email", _) => "email",
        (_, FieldKind::Password) if chosen() => "new-password",
        (_, FieldKind::Password) => "current-password",
        ("name", _) => "name",
        _ => "off",
    }
}
