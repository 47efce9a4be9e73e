//! `/verify-email?token=…` and `/confirm-email?token=…`: the links we mail, opened.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::{confirm_email_change, use_current_user, verify_email};
use crate::components::Guarded;

/// Confirms the address of a new account.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default();
    let confirmed = Resource::new_blocking(move || token.clone(), verify_email);
    view! { <Confirmed resource=confirmed title="Email address verified" text="Your email address is verified: thank you."/> }
}

/// Moves an account to its new address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default();
    let confirmed = Resource::new_blocking(move || token.clone(), confirm_email_change);
    view! { <Confirmed resource=confirmed title="Email address changed" text="Your account uses its new email address from now on."/> }
}

/// What a confirmation link shows: done, or why not.
#[component]
fn Confirmed(
    resource: Resource<Result<(), mizan::AppError>>,
    title: &'static str,
    text: &'static str,
) -> impl IntoView {
    let user = use_current_user();
    // The account page and the nav show the new state.
    Effect::new(move |_| {
        if let Some(Ok(())) = resource.get() {
            user.refetch();
        }
    });
    view! {
        <Guarded resource=resource render=move |()| view! {
            <Title text=title/>
            <section class="card">
                <h1>{title}</h1>
                <p role="status">{text}</p>
                <p><A href="/account">"Go to your account"</A></p>
            </section>
        }/>
    }
}
