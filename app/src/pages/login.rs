//! `/login`: sign in, then go where the visitor was headed (`?next=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_query_map;
use mizan::auth::local_path;
use mizan::forms::MizanForm;

use crate::api::accounts::{sign_in_providers, use_current_user};

use crate::forms::use_login_form;

/// The sign-in form, rendered from its declaration (`crate::forms::LoginForm`). Without
/// JavaScript it posts to this page, which signs in and redirects.
#[component]
pub fn LoginPage() -> impl IntoView {
    let form = use_login_form();
    let user = use_current_user();
    let query = use_query_map();
    let next = local_path(
        query.with_untracked(|q| q.get("next")).as_deref(),
        "/account",
    );
    let after = next.clone();
    let signed_in = move || form.succeeded();
    // Signed in now: the nav must learn it without a reload.
    Effect::new(move |_| {
        if signed_in() {
            user.refetch();
        }
    });

    view! {
        <Title text="Log in"/>
        <section class="card">
            <h1>"Log in"</h1>
            <MizanForm form=form submit_label="Log in"/>
            <Transition fallback=|| ()>
                {move || signed_in().then(|| view! { <Redirect path=after.clone()/> })}
            </Transition>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <ProviderLinks next=next.clone()/>
            <p>"No account yet? " <A href="/signup">"Sign up"</A></p>
        </section>
    }
}

/// "Log in with …" for each configured provider: full page loads, not router links.
#[component]
fn ProviderLinks(next: String) -> impl IntoView {
    let providers = Resource::new_blocking(|| (), |()| sign_in_providers());
    view! {
        <Transition fallback=|| ()>
            {move || providers.get().and_then(Result::ok).filter(|p| !p.is_empty()).map(|providers| {
                let next = next.clone();
                view! {
                    <ul class="providers">
                        {providers.into_iter().map(|p| view! {
                            <li>
                                <a rel="external" class="button"
                                    href=mizan::routes::oauth_start(&p.id, &next)>
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
