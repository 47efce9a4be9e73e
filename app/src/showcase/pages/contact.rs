//! `/contact`: write to the site's staff. The form is declared once
//! (`crate::showcase::contact::ContactForm`) and checked in the browser and on the server.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::FormUntilDone;
use crate::showcase::contact::use_contact_form;

/// The contact form, and a thank-you once it was sent.
#[component]
pub fn ContactPage() -> impl IntoView {
    let form = use_contact_form();
    view! {
        <Title text="Contact"/>
        <section class="card">
            <h1>"Contact us"</h1>
            <FormUntilDone form=form submit_label="Send">
                <p>"Thank you: your message was sent."</p>
                <a href="/contact" on:click=move |ev| {
                    ev.prevent_default();
                    form.reset();
                }>"Write another message"</a>
            </FormUntilDone>
        </section>
    }
}
