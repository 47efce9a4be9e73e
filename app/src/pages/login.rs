//! `/login`: sign in, then go where the visitor was headed (`?next=`); for an account
//! with two-factor sign-in, by way of `/login/code`, its second step.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_query_map;
use mizan::auth::{SignIn, local_path};
use mizan::forms::MizanForm;
use mizan::url::encode_query_value;

use crate::api::accounts::{sign_in_providers, use_current_user};
use crate::forms::{use_login_form, use_second_factor_form};
use crate::root::ACCOUNT_PAGES;

/// Where the visitor was headed (`?next=`, a path on this site), or their account.
fn next_path() -> String {
    let query = use_query_map();
    local_path(
        query.with_untracked(|q| q.get("next")).as_deref(),
        ACCOUNT_PAGES.account,
    )
}

/// The sign-in form, rendered from its declaration (`crate::forms::LoginForm`). Without
/// JavaScript it posts to this page, which signs in and redirects.
#[component]
pub fn LoginPage() -> impl IntoView {
    let form = use_login_form();
    let user = use_current_user();
    let next = next_path();
    let second_step = format!(
        "{}?next={}",
        ACCOUNT_PAGES.second_factor,
        encode_query_value(&next)
    );
    let after = {
        let next = next.clone();
        move || match form.result() {
            Some(Ok(SignIn::SignedIn { .. })) => Some(next.clone()),
            Some(Ok(SignIn::SecondFactor)) => Some(second_step.clone()),
            _ => None,
        }
    };
    // Signed in now: the nav must learn it without a reload.
    Effect::new(move |_| {
        if matches!(form.result(), Some(Ok(SignIn::SignedIn { .. }))) {
            user.refetch();
        }
    });

    view! {
        <Title text="Log in"/>
        <section class="card">
            <h1>"Log in"</h1>
            <MizanForm form=form submit_label="Log in"/>
            <Transition fallback=|| ()>
                {move || after().map(|path| view! { <Redirect path/> })}
            </Transition>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <ProviderLinks next=next.clone()/>
            <p>"No account yet? " <A href="/signup">"Sign up"</A></p>
        </section>
    }
}

/// The second step of a sign-in on an account with two-factor sign-in: a code from the
/// app, or a recovery code. Then on to where the visitor was headed.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let form = use_second_factor_form();
    let user = use_current_user();
    let next = next_path();
    let signed_in = move || form.succeeded();
    Effect::new(move |_| {
        if signed_in() {
            user.refetch();
        }
    });
    view! {
        <Title text="Two-factor sign-in"/>
        <section class="card">
            <h1>"Two-factor sign-in"</h1>
            <p>"Enter the code your authenticator app shows for this site. Lost your phone? Enter one of your recovery codes."</p>
            <MizanForm form=form submit_label="Sign in"/>
            <Transition fallback=|| ()>
                {move || signed_in().then(|| view! { <Redirect path=next.clone()/> })}
            </Transition>
            <p><A href=ACCOUNT_PAGES.login>"Start again"</A></p>
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
