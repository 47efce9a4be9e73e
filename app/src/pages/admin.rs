//! `/admin` (superusers only): grant or remove staff rights, deactivate accounts.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::{SetActive, SetStaff, list_users};
use crate::components::Guarded;

/// Every account with buttons that toggle its staff flag and whether it is active.
#[component]
pub fn AdminPage() -> impl IntoView {
    let set_staff = ServerAction::<SetStaff>::new();
    let set_active = ServerAction::<SetActive>::new();
    // Reloads the list after each change.
    let users = Resource::new_blocking(
        move || (set_staff.version().get(), set_active.version().get()),
        |_| list_users(),
    );
    view! {
        <Guarded resource=users render=move |users| view! {
            <Title text="Admin"/>
            <section class="card wide">
                <h1>"Admin"</h1>
                <table>
                    <thead><tr><th>"Name"</th><th>"Email"</th><th>"Staff"</th><th></th><th>"Active"</th><th></th></tr></thead>
                    <tbody>
                        {users.into_iter().map(|a| {
                            let u = a.user;
                            let label = if u.is_staff { "Remove staff" } else { "Make staff" };
                            let activity = if a.is_active { "Deactivate" } else { "Reactivate" };
                            let staff_label = format!("{label}: {}", u.email);
                            let activity_label = format!("{activity}: {}", u.email);
                            let id = u.id.clone();
                            view! {
                                <tr>
                                    <td>{u.name.clone()}</td>
                                    <td>{u.email.clone()}</td>
                                    <td>{if u.is_staff { "yes" } else { "no" }}</td>
                                    <td>
                                        <ActionForm action=set_staff attr:class="inline">
                                            <input type="hidden" name="user_id" value=u.id.clone()/>
                                            <input type="hidden" name="is_staff" value=(!u.is_staff).to_string()/>
                                            <button type="submit" aria-label=staff_label>{label}</button>
                                        </ActionForm>
                                    </td>
                                    <td>{if a.is_active { "yes" } else { "no" }}</td>
                                    <td>
                                        <ActionForm action=set_active attr:class="inline">
                                            <input type="hidden" name="user_id" value=id/>
                                            <input type="hidden" name="is_active" value=(!a.is_active).to_string()/>
                                            <button type="submit" aria-label=activity_label>{activity}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }/>
    }
}
