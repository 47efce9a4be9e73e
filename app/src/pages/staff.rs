//! `/staff` (staff only): every account and the latest contact messages.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::demo::list_users;
use crate::components::Guarded;
use crate::forms::contact::list_contact_messages;

/// The list of accounts, then the messages sent through `/contact`.
#[component]
pub fn StaffPage() -> impl IntoView {
    let users = Resource::new_blocking(|| (), |()| list_users());
    let messages = Resource::new_blocking(|| (), |()| list_contact_messages());
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
        }/>
    }
}
