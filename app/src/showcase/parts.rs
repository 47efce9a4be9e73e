//! The showcase's parts on the app's own pages: the cached report on the home page, the
//! cached count on the account page, the contact messages on the staff page.

use leptos::prelude::*;
use mizan::auth::Role;
use mizan::forms::ActionButton;

use super::contact::list_contact_messages;
use super::stats::{RefreshSiteStats, clock, my_message_count, site_stats};
use crate::api::accounts::use_current_user;
use crate::components::Guarded;

/// The cached report: computed at most every 30 seconds, whoever asks. Staff may throw
/// it away to see it computed again.
#[component]
pub fn SiteStatsPanel() -> impl IntoView {
    let refresh = ServerAction::<RefreshSiteStats>::new();
    let stats = Resource::new_blocking(move || refresh.version().get(), |_| site_stats());
    let user = use_current_user();
    let is_staff = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.role() >= Role::Staff)
    };
    view! {
        <section class="card stats" aria-label="Site statistics">
            <Transition fallback=|| view! { <p>"Counting…"</p> }>
                {move || stats.get().map(|stats| match stats {
                    Ok(stats) => view! {
                        <p>
                            <strong data-testid="stats-users">{stats.users}</strong>
                            {plural(stats.users, " account", " accounts")}" · "
                            <strong>{stats.messages}</strong>
                            {plural(stats.messages, " message", " messages")}
                        </p>
                        <p class="help" data-testid="stats-computed">
                            "Computed at "{clock(stats.computed_at)}" in "{stats.took_ms}
                            " ms; cached for 30 seconds."
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                })}
                <Show when=is_staff>
                    <ActionButton action=refresh args=RefreshSiteStats {} class="inline">
                        "Recompute now"
                    </ActionButton>
                </Show>
            </Transition>
        </section>
    }
}

/// `one` for 1, `many` otherwise.
fn plural(n: impl Into<i64>, one: &'static str, many: &'static str) -> &'static str {
    if n.into() == 1 { one } else { many }
}

/// The caller's count of contact messages, cached per user for a minute (an entry of the
/// account page's list).
#[component]
pub fn MessageCount() -> impl IntoView {
    let sent = Resource::new_blocking(|| (), |()| my_message_count());
    view! {
        <dt>"Messages sent"</dt>
        <dd data-testid="account-messages">
            // Under its own transition: a resource read outside one differs between the
            // server's HTML and hydration.
            <Transition fallback=|| ()>
                {move || sent.get().and_then(Result::ok).map(|count| {
                    format!("{} (counted at {}, cached for a minute)", count.sent, clock(count.counted_at))
                })}
            </Transition>
        </dd>
    }
}

/// The latest messages sent through `/contact` (staff only).
#[component]
pub fn ContactMessages() -> impl IntoView {
    let messages = Resource::new_blocking(|| (), |()| list_contact_messages());
    view! {
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
    }
}
