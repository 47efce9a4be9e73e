//! `/greet`: a local context. `<GreetProvider name=…>` fetches `greet(name)` during SSR
//! (from `?name=`) and again in the browser as the name is typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use mizan::context::ContextState;

use crate::showcase::greet::{GreetProvider, use_greet};

/// A name input driving the greeting below it.
#[component]
pub fn GreetPage() -> impl IntoView {
    let query = use_query_map();
    let name = RwSignal::new(query.with_untracked(|q| q.get("name")).unwrap_or_default());
    view! {
        <Title text="Greetings"/>
        <section class="card">
            <h1>"Greetings"</h1>
            <form method="get">
                <label for="greet-name">"Your name"</label>
                <input
                    id="greet-name"
                    name="name"
                    autocomplete="off"
                    value=name.get_untracked()
                    prop:value=name
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <noscript><button type="submit">"Greet me"</button></noscript>
            </form>
            <GreetProvider name=name>
                <GreetingText/>
            </GreetProvider>
        </section>
    }
}

/// Reads the nearest greeting: any component below the provider can.
#[component]
fn GreetingText() -> impl IntoView {
    let greeting = use_greet();
    move || match greeting.state() {
        ContextState::Ready(greeting) => {
            view! { <p class="greeting" data-testid="greeting">{greeting.message}</p> }.into_any()
        }
        ContextState::Failed(error) => {
            view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
        }
        ContextState::Loading => view! { <p class="greeting">"…"</p> }.into_any(),
    }
}
