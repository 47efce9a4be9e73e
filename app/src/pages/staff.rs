//! `/staff` (staff only): every account, the latest contact messages, and the background
//! jobs that failed.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::demo::list_users;
use crate::api::jobs::troubled_jobs;
use crate::components::Guarded;
use crate::forms::contact::list_contact_messages;

/// The list of accounts, then the messages sent through `/contact`.
#[component]
pub fn StaffPage() -> impl IntoView {
    let users = Resource::new_blocking(|| (), |()| list_users());
    let messages = Resource::new_blocking(|| (), |()| list_contact_messages());
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
            <Guarded resource=messages render=move |messages| view! {
                <section class="card wide">
                    <h2>"Contact messages"</h2>
                    <table data-testid="contact-messages">
                        <thead><tr><th>"From"</th><th>"Subject"</th><th>"Message"</th><th>"Urgency"</th></tr></thead>
                        <tbody>
                            {messages.into_iter().map(|m| view! {
                                <tr>
                                    <td>{m.name}" <"{m.email}">"</td>
                                    <td>{m.subject}</td>
                                    <td class="message">{m.message}</td>
                                    <td>{m.urgency.map(|u| u.to_string()).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }/>
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
