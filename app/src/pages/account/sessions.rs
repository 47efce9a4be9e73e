//! The account's signed-in sessions: which browser, from where, last used when; end any
//! other one, or all the others at once.

use leptos::prelude::*;
use mizan::auth::SessionInfo;

use crate::api::accounts::{EndOtherSessions, EndSession, my_sessions};
use crate::components::form::error_for;

/// The list of the account's sessions, with a way to end each other one.
#[component]
pub fn Sessions() -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new_blocking(
        move || (end.version().get(), end_others.version().get()),
        |_| my_sessions(),
    );
    view! {
        <h2>"Your sessions"</h2>
        <p class="form-error" role="alert">{error_for(end.value(), "form")}</p>
        <Transition fallback=|| ()>
            {move || sessions.get().and_then(Result::ok).map(|list| {
                let others = list.iter().filter(|s| !s.current).count();
                view! {
                    <ul class="sessions" data-testid="sessions">
                        {list.into_iter().map(|session| view! { <Session session end/> }).collect_view()}
                    </ul>
                    <Show when=move || { others > 0 }>
                        <ActionForm action=end_others attr:class="inline">
                            <button type="submit">"End all other sessions"</button>
                        </ActionForm>
                    </Show>
                }
            })}
        </Transition>
    }
}

/// One session of the list.
#[component]
fn Session(session: SessionInfo, end: ServerAction<EndSession>) -> impl IntoView {
    let address = session
        .address
        .unwrap_or_else(|| "an unknown address".to_owned());
    let used = if session.current {
        "this browser".to_owned()
    } else {
        format!("last used {}", ago(session.idle_seconds))
    };
    view! {
        <li data-testid="session">
            <strong>{session.device}</strong>" from "{address}", "{used}
            {(!session.current).then(|| view! {
                " "
                <ActionForm action=end attr:class="inline">
                    <input type="hidden" name="id" value=session.id/>
                    <button type="submit" class="link">"End"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// How long ago something happened, `seconds` ago, in words.
fn ago(seconds: i64) -> String {
    let (count, unit) = match seconds {
        ..120 => return "just now".to_owned(),
        120..7_200 => (seconds / 60, "minutes"),
        7_200..172_800 => (seconds / 3_600, "hours"),
        _ => (seconds / 86_400, "days"),
    };
    format!("{count} {unit} ago")
}

#[cfg(test)]
mod tests {
    use super::ago;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(600), "10 minutes ago");
        assert_eq!(ago(3 * 3_600 + 59), "3 hours ago");
        assert_eq!(ago(5 * 86_400), "5 days ago");
    }
}
