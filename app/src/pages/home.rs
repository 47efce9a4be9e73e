//! `/`: the welcome page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::project::{TAGLINE, TITLE};

/// The home page: rendered on the server, made interactive by hydration.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>{TITLE}</h1>
            <p class="lead">{TAGLINE}</p>
            <Counter/>
        </section>
        // Below the welcome: what the site shows everyone.{% if showcase %}
        <crate::showcase::SiteStatsPanel/> // The showcase's cached report.{% endif %}
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
