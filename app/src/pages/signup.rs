//! `/signup`: create an account and start signed in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api::accounts::Signup;
use crate::components::form::error_for;
use crate::current_user::use_current_user;

/// The sign-up form.
#[component]
pub fn SignupPage() -> impl IntoView {
    let signup = ServerAction::<Signup>::new();
    let user = use_current_user();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = signup.value().get() {
            user.refetch();
            navigate("/account", Default::default());
        }
    });
    let error = move |field| error_for(signup.value(), field);

    view! {
        <Title text="Sign up"/>
        <section class="card">
            <h1>"Sign up"</h1>
            <ActionForm action=signup>
                <p class="form-error" role="alert">{error("form")}</p>
                <label>
                    "Name"
                    <input type="text" name="name" required autocomplete="name"/>
                </label>
                <p class="field-error">{error("name")}</p>
                <label>
                    "Email"
                    <input type="email" name="email" required autocomplete="email"/>
                </label>
                <p class="field-error">{error("email")}</p>
                <label>
                    "Password"
                    <input type="password" name="password" required minlength="10" autocomplete="new-password"/>
                </label>
                <p class="field-error">{error("password")}</p>
                <button type="submit" disabled=move || signup.pending().get()>"Create account"</button>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
