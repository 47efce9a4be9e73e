//! `/forgot-password` and `/reset-password?token=…`: a link by mail, then a new password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::form::{FormUntilDone, link_token};
use crate::forms::{use_forgot_password_form, use_reset_password_form};

/// Asks for a reset link; the answer is the same whether or not the address has an
/// account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let form = use_forgot_password_form();
    view! {
        <Title text="Forgot your password?"/>
        <section class="card">
            <h1>"Forgot your password?"</h1>
            <FormUntilDone
                form=form
                submit_label="Mail me a link"
                intro="We will mail you a link to choose a new one."
            >
                <p>"If an account uses this address, we mailed it a link to choose a new password. It works once, for an hour."</p>
            </FormUntilDone>
            <p><A href="/login">"Back to the login page"</A></p>
        </section>
    }
}

/// Sets a new password with the token of the link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let form = use_reset_password_form();
    form.set("token", link_token());
    view! {
        <Title text="Choose a new password"/>
        <section class="card">
            <h1>"Choose a new password"</h1>
            <FormUntilDone form=form submit_label="Set the new password">
                <p>"Your password is changed, and every session of your account has ended."</p>
                <p><a href="/login">"Log in with your new password"</a></p>
            </FormUntilDone>
        </section>
    }
}
