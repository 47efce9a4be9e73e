//! `/`: the welcome page.

use leptos::prelude::*;
use leptos_meta::Title;
use mizan::forms::ActionButton;

use crate::api::accounts::use_current_user;
use crate::api::stats::{RefreshSiteStats, clock, site_stats};

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
        <SiteStatsPanel/>
    }
}

/// The cached report: computed at most every 30 seconds, whoever asks. Staff may throw
/// it away to see it computed again.
#[component]
fn SiteStatsPanel() -> impl IntoView {
    let refresh = ServerAction::<RefreshSiteStats>::new();
    let stats = Resource::new_blocking(move || refresh.version().get(), |_| site_stats());
    let user = use_current_user();
    let is_staff = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.is_staff || u.is_superuser)
    };
    view! {
        <section class="card stats" aria-label="Site statistics">
            <Transition fallback=|| view! { <p>"Counting…"</p> }>
                {move || stats.get().map(|stats| match stats {
                    Ok(stats) => view! {
                        <p>
                            <strong data-testid="stats-users">{stats.users}</strong>
                            {plural(stats.users, " account", " accounts")}" · "
                            <strong>{stats.messages}</strong>
                            {plural(stats.messages, " message", " messages")}
                        </p>
                        <p class="help" data-testid="stats-computed">
                            "Computed at "{clock(stats.computed_at)}" in "{stats.took_ms}
                            " ms; cached for 30 seconds."
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                })}
                <Show when=is_staff>
                    <ActionButton action=refresh args=RefreshSiteStats {} class="inline">
                        "Recompute now"
                    </ActionButton>
                </Show>
            </Transition>
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

/// `one` for 1, `many` otherwise.
fn plural(n: impl Into<i64>, one: &'static str, many: &'static str) -> &'static str {
    if n.into() == 1 { one } else { many }
}
