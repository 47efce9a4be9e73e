//! `/account` (signed-in users): the caller's own account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::demo::account_summary;
use crate::components::AccessDenied;

/// The signed-in user's name, email and role.
#[component]
pub fn AccountPage() -> impl IntoView {
    let summary = Resource::new_blocking(|| (), |()| account_summary());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(info) => view! {
                        <Title text="Your account"/>
                        <section class="card">
                            <h1>"Your account"</h1>
                            <dl>
                                <dt>"Name"</dt><dd data-testid="account-name">{info.name}</dd>
                                <dt>"Email"</dt><dd>{info.email}</dd>
                                <dt>"Role"</dt><dd data-testid="account-role">{info.role}</dd>
                            </dl>
                        </section>
                    }
                    .into_any(),
                    Err(error) => view! { <AccessDenied error=error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
