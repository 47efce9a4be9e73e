//! `/signup`: create an account and start signed in (or wait for the mailed link).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use mizan::forms::MizanForm;

use crate::api::accounts::use_current_user;
use crate::forms::use_signup_form;

/// The sign-up form, rendered from its declaration (`crate::forms::SignupForm`).
#[component]
pub fn SignupPage() -> impl IntoView {
    let form = use_signup_form();
    let user = use_current_user();
    // Signed in now: the nav must learn it without a reload.
    Effect::new(move |_| {
        if form.succeeded() {
            user.refetch();
        }
    });

    view! {
        <Title text="Sign up"/>
        <section class="card">
            <h1>"Sign up"</h1>
            <MizanForm form=form submit_label="Create account"/>
            <Transition fallback=|| ()>
                {move || match form.result() {
                    Some(Ok(Some(_))) => Some(view! { <Redirect path="/account"/> }.into_any()),
                    Some(Ok(None)) => Some(
                        view! {
                            <p role="status">
                                "Check your mail: open the link we sent to finish signing up."
                            </p>
                        }
                        .into_any(),
                    ),
                    _ => None,
                }}
            </Transition>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
