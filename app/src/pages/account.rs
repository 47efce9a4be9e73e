//! `/account` (signed-in users): the caller's own account, and a form to rename it.

use leptos::prelude::*;
use leptos_meta::Title;
use mizan::forms::MizanForm;

use crate::api::accounts::use_current_user;
use crate::api::demo::account_summary;
use crate::api::stats::{clock, my_message_count};
use crate::components::Guarded;
use crate::forms::use_profile_form;

/// The signed-in user's name, email and role.
#[component]
pub fn AccountPage() -> impl IntoView {
    let summary = Resource::new_blocking(|| (), |()| account_summary());
    let profile = use_profile_form();
    let sent = Resource::new_blocking(|| (), |()| my_message_count());
    let user = use_current_user();
    // A new name shows here and in the nav without a reload.
    Effect::new(move |_| {
        if let Some(Ok(_)) = profile.result() {
            summary.refetch();
            user.refetch();
        }
    });
    view! {
        <Guarded resource=summary render=move |info| view! {
            <Title text="Your account"/>
            <section class="card">
                <h1>"Your account"</h1>
                <dl>
                    <dt>"Name"</dt><dd data-testid="account-name">{info.name}</dd>
                    <dt>"Email"</dt><dd>{info.email}</dd>
                    <dt>"Role"</dt><dd data-testid="account-role">{info.role}</dd>
                    <dt>"Messages sent"</dt>
                    <dd data-testid="account-messages">
                        // Under its own transition: a resource read outside one differs
                        // between the server's HTML and hydration.
                        <Transition fallback=|| ()>
                            {move || sent.get().and_then(Result::ok).map(|count| {
                                format!("{} (counted at {}, cached for a minute)", count.sent, clock(count.counted_at))
                            })}
                        </Transition>
                    </dd>
                </dl>
                <h2>"Change your name"</h2>
                <MizanForm form=profile submit_label="Save"/>
            </section>
        }/>
    }
}
