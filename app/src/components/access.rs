//! What a page shows when its server function refuses: anonymous visitors go to the
//! login page, signed-in ones without the rights get a 403 page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use mizan::AppError;

/// Redirects to `/login?next=…` on `Unauthenticated`; shows the error (with its HTTP
/// status on the server) otherwise.
#[component]
pub fn AccessDenied(error: AppError) -> impl IntoView {
    if error == AppError::Unauthenticated {
        let here = use_location().pathname.get_untracked();
        return view! { <Redirect path=format!("/login?next={here}")/> }.into_any();
    }
    mizan::response::set_status(error.status());
    let heading = if error == AppError::Forbidden {
        "You do not have access to this page"
    } else {
        "This page cannot be shown"
    };
    view! {
        <Title text=heading/>
        <section class="denied">
            <h1>{heading}</h1>
            <p>{error.to_string()}</p>
        </section>
    }
    .into_any()
}
