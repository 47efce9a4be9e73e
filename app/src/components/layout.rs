//! The frame of every page: a nav bar above the page's content.

use leptos::prelude::*;
use leptos_router::components::A;

/// The nav bar and a `<main>` holding the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="nav">
            <nav aria-label="Main">
                <A href="/" attr:class="brand">"Mizan"</A>
                <ul>
                    <li><A href="/">"Home"</A></li>
                </ul>
            </nav>
        </header>
        <main>{children()}</main>
    }
}
