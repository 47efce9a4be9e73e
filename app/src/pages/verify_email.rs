//! `/verify-email?token=…`, `/confirm-email?token=…` and `/keep-account?token=…`: the
//! links we mail, opened. The
//! page asks for a click: the token is spent by the form's POST, not by the page load, so
//! a mail scanner that opens the link spends nothing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use mizan::forms::{Form, FormHandle};

use crate::api::accounts::use_current_user;
use crate::components::form::{FormUntilDone, link_token};
use crate::forms::{use_confirm_email_form, use_keep_account_form, use_verify_email_form};

/// Confirms the address of a new account.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    view! {
        <TokenPage
            form=use_verify_email_form()
            title="Confirm your email address"
            intro="One click shows that this address is yours, so that you can reset your password with it."
            button="Confirm my email address"
            done="Your email address is verified: thank you."
        />
    }
}

/// Moves an account to its new address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    view! {
        <TokenPage
            form=use_confirm_email_form()
            title="Confirm your new email address"
            intro="Your account will use this address from now on: to sign in, and for our mail. \
                   Sign in to the account that asked for it first."
            button="Use this address"
            done="Your account uses its new email address from now on."
        />
    }
}

/// Keeps an account whose owner asked to delete it.
#[component]
pub fn KeepAccountPage() -> impl IntoView {
    view! {
        <TokenPage
            form=use_keep_account_form()
            title="Keep your account"
            intro="Your account was asked to be deleted. One click keeps it, as it is."
            button="Keep my account"
            done="Your account is kept. If you did not ask to delete it, change your password now."
        />
    }
}

/// A page with one button that spends the link's token, then says it is done.
#[component]
fn TokenPage<F: Form<Output = ()>>(
    form: FormHandle<F>,
    title: &'static str,
    intro: &'static str,
    button: &'static str,
    done: &'static str,
) -> impl IntoView {
    form.set("token", link_token());
    let user = use_current_user();
    // The account page and the nav show the new state.
    Effect::new(move |_| {
        if form.succeeded() {
            user.refetch();
        }
    });
    view! {
        <Title text=title/>
        <section class="card">
            <h1>{title}</h1>
            <FormUntilDone form=form submit_label=button intro=intro>
                {done}
            </FormUntilDone>
            <Transition fallback=|| ()>
                <Show when=move || form.succeeded()>
                    <p><A href="/account">"Go to your account"</A></p>
                </Show>
            </Transition>
        </section>
    }
}
