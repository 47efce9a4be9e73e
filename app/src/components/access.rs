//! Pages whose data comes from a guarded server function: the data when the call is
//! allowed; otherwise the login page for anonymous visitors and a 403 page for signed-in
//! ones without the rights.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_location;
use mizan::AppError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Renders `render(value)` once `resource` has resolved, or [`AccessDenied`] when the
/// server function refused. Create `resource` with `Resource::new_blocking` so that the
/// status (redirect, 403) is decided before the HTML streams.
#[component]
pub fn Guarded<T, V, F>(resource: Resource<Result<T, AppError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <AccessDenied error=error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Redirects to `/login?next=…` on `Unauthenticated`; shows the error (with its HTTP
/// status on the server) otherwise.
#[component]
pub fn AccessDenied(error: AppError) -> impl IntoView {
    if error == AppError::Unauthenticated {
        let here = use_location().pathname.get_untracked();
        return view! { <Redirect path=format!("/login?next={here}")/> }.into_any();
    }
    mizan::response::set_status(error.status());
    let (heading, detail) = if error == AppError::Forbidden {
        (
            "You do not have access to this page",
            "Your account does not have the rights this page needs. If you should have \
             them, ask an administrator."
                .to_owned(),
        )
    } else {
        ("This page cannot be shown", capitalized(&error.to_string()))
    };
    view! {
        <Title text=heading/>
        <section class="denied">
            <h1>{heading}</h1>
            <p>{detail}</p>
            <p><A href="/">"Back to the home page"</A></p>
        </section>
    }
    .into_any()
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
