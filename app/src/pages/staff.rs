//! `/staff` (staff only): every account and the background jobs that failed.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::list_users;
use crate::api::jobs::troubled_jobs;
use crate::components::Guarded;

/// The list of accounts, then the jobs that failed.
#[component]
pub fn StaffPage() -> impl IntoView {
    let users = Resource::new_blocking(|| (), |()| list_users());
    let jobs = Resource::new_blocking(|| (), |()| troubled_jobs());
    view! {
        <Guarded resource=users render=move |users| view! {
            <Title text="Staff"/>
            <section class="card wide">
                <h1>"Users"</h1>
                <table>
                    <thead><tr><th>"Name"</th><th>"Email"</th><th>"Staff"</th><th>"Superuser"</th><th>"Active"</th></tr></thead>
                    <tbody>
                        {users.into_iter().map(|a| view! {
                            <tr>
                                <td>{a.user.name}</td>
                                <td>{a.user.email}</td>
                                <td>{if a.user.is_staff { "yes" } else { "no" }}</td>
                                <td>{if a.user.is_superuser { "yes" } else { "no" }}</td>
                                <td>{if a.is_active { "yes" } else { "no" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            // The app's own staff sections go here.{% if showcase %}
            <crate::showcase::ContactMessages/> // The showcase's contact messages.{% endif %}
            <Guarded resource=jobs render=move |jobs| view! {
                <section class="card wide">
                    <h2>"Jobs that failed"</h2>
                    {jobs.is_empty().then(|| view! { <p>"None: every background job ran."</p> })}
                    <table data-testid="failed-jobs">
                        <thead><tr><th>"Kind"</th><th>"State"</th><th>"Attempts"</th><th>"Last error"</th><th>"Id"</th></tr></thead>
                        <tbody>
                            {jobs.into_iter().map(|j| view! {
                                <tr>
                                    <td>{j.kind}</td>
                                    <td>{j.state.as_str()}</td>
                                    <td>{format!("{}/{}", j.attempts, j.max_attempts)}</td>
                                    <td class="message">{j.last_error.unwrap_or_default()}</td>
                                    <td><code>{j.id}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }/>
        }/>
    }
}
