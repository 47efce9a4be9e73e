//! `/login`: sign in, then go where the visitor was headed (`?next=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::accounts::{Login, sign_in_providers, use_current_user};
use mizan::auth::local_path;

use crate::components::form::{encode_query_value, error_for};

/// The sign-in form.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let user = use_current_user();
    let query = use_query_map();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            user.refetch();
            let next = local_path(
                query.with_untracked(|q| q.get("next")).as_deref(),
                "/account",
            );
            navigate(&next, Default::default());
        }
    });

    view! {
        <Title text="Log in"/>
        <section class="card">
            <h1>"Log in"</h1>
            <ActionForm action=login>
                <p class="form-error" role="alert">{error_for(login.value(), "form")}</p>
                <label>
                    "Email"
                    <input type="email" name="email" required autocomplete="email"/>
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" required autocomplete="current-password"/>
                </label>
                <button type="submit" disabled=move || login.pending().get()>"Log in"</button>
            </ActionForm>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <ProviderLinks next=local_path(query.with_untracked(|q| q.get("next")).as_deref(), "/account")/>
            <p>"No account yet? " <A href="/signup">"Sign up"</A></p>
        </section>
    }
}

/// "Log in with …" for each configured provider: full page loads, not router links.
#[component]
fn ProviderLinks(next: String) -> impl IntoView {
    let providers = Resource::new_blocking(|| (), |()| sign_in_providers());
    let next = encode_query_value(&next);
    view! {
        <Transition fallback=|| ()>
            {move || providers.get().and_then(Result::ok).filter(|p| !p.is_empty()).map(|providers| {
                let next = next.clone();
                view! {
                    <ul class="providers">
                        {providers.into_iter().map(|p| view! {
                            <li>
                                <a rel="external" class="button"
                                    href=format!("/auth/{}/start?next={}", p.id, next)>
                                    "Log in with "{p.label}
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })}
        </Transition>
    }
}
