//! `/contact`: write to the site's staff. The form is declared once
//! (`crate::forms::ContactForm`) and checked in the browser and on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use mizan::forms::MizanForm;

use crate::forms::use_contact_form;

/// The contact form, and a thank-you once it was sent.
#[component]
pub fn ContactPage() -> impl IntoView {
    let form = use_contact_form();
    let sent = move || matches!(form.result(), Some(Ok(_)));
    view! {
        <Title text="Contact"/>
        <section class="card">
            <h1>"Contact us"</h1>
            <Transition fallback=|| ()>
                <Show when=sent>
                    <div class="success" role="status">
                        <p>"Thank you: your message was sent."</p>
                        <a href="/contact" on:click=move |ev| {
                            ev.prevent_default();
                            form.reset();
                        }>"Write another message"</a>
                    </div>
                </Show>
                <div hidden=sent>
                    <MizanForm form=form submit_label="Send"/>
                </div>
            </Transition>
        </section>
    }
}
