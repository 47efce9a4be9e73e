//! The page for any path no route matches, answered with HTTP 404.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// "Page not found", with status 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    mizan::response::set_status(404);

    view! {
        <Title text="Page not found"/>
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><A href="/">"Back to the home page"</A></p>
        </section>
    }
}
