//! `/`: the welcome page.

use leptos::prelude::*;
use leptos_meta::Title;

/// The home page: rendered on the server, made interactive by hydration.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Mizan for Leptos"</h1>
            <p class="lead">
                "Typed server functions, auth levels, forms, channels and caching, "
                "in one language on both sides."
            </p>
            <Counter/>
        </section>
    }
}

/// A button that counts its clicks: it only responds once the page has hydrated, so it
/// shows at a glance that the WebAssembly bundle is running.
#[component]
fn Counter() -> impl IntoView {
    let (count, set_count) = signal(0u32);
    view! {
        <button class="counter" on:click=move |_| set_count.update(|n| *n += 1)>
            "Clicked " <span data-testid="count">{count}</span>
            {move || if count.get() == 1 { " time" } else { " times" }}
        </button>
    }
}
