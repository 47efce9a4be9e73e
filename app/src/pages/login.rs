//! `/login`: sign in, then go where the visitor was headed (`?next=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::accounts::Login;
use crate::api::accounts::use_current_user;
use crate::components::form::{error_for, safe_next};

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
            let next = safe_next(query.with_untracked(|q| q.get("next")), "/account");
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
            <p>"No account yet? " <A href="/signup">"Sign up"</A></p>
        </section>
    }
}
