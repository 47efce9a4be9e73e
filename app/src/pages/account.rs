//! `/account` (signed-in users): the caller's own account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::demo::account_summary;
use crate::components::Guarded;

/// The signed-in user's name, email and role.
#[component]
pub fn AccountPage() -> impl IntoView {
    let summary = Resource::new_blocking(|| (), |()| account_summary());
    view! {
        <Guarded resource=summary render=move |info| view! {
            <Title text="Your account"/>
            <section class="card">
                <h1>"Your account"</h1>
                <dl>
                    <dt>"Name"</dt><dd data-testid="account-name">{info.name}</dd>
                    <dt>"Email"</dt><dd>{info.email}</dd>
                    <dt>"Role"</dt><dd data-testid="account-role">{info.role}</dd>
                </dl>
            </section>
        }/>
    }
}
