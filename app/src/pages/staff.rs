//! `/staff` (staff only): every account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::demo::list_users;
use crate::components::Guarded;

/// The list of accounts.
#[component]
pub fn StaffPage() -> impl IntoView {
    let users = Resource::new_blocking(|| (), |()| list_users());
    view! {
        <Guarded resource=users render=move |users| view! {
            <Title text="Users"/>
            <section class="card wide">
                <h1>"Users"</h1>
                <table>
                    <thead><tr><th>"Name"</th><th>"Email"</th><th>"Staff"</th><th>"Superuser"</th></tr></thead>
                    <tbody>
                        {users.into_iter().map(|u| view! {
                            <tr>
                                <td>{u.name}</td>
                                <td>{u.email}</td>
                                <td>{if u.is_staff { "yes" } else { "no" }}</td>
                                <td>{if u.is_superuser { "yes" } else { "no" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }/>
    }
}
