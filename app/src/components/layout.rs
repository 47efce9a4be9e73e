//! The frame of every page: a nav bar above the page's content.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use mizan::auth::Role;
use mizan::forms::ActionButton;

use crate::api::accounts::Logout;
use crate::api::accounts::use_current_user;
use crate::project::TITLE;

/// The nav bar and a `<main>` holding the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="nav">
            <nav aria-label="Main">
                <A href="/" attr:class="brand">{TITLE}</A>
                <ul>
                    <li><A href="/">"Home"</A></li>
                    // Pages for everyone.{% if showcase %}
                    <li><A href="/greet">"Greet"</A></li>
                    <li><A href="/contact">"Contact"</A></li> // The showcase's.{% endif %}
                    <Transition fallback=|| ()>
                        <UserLinks/>
                    </Transition>
                </ul>
            </nav>
        </header>
        <main>{children()}</main>
    }
}

/// Links for the visitor: sign-in links, or the account, staff pages and log-out.
#[component]
fn UserLinks() -> impl IntoView {
    let user = use_current_user();
    move || {
        Suspend::new(async move {
            match user.await {
                Ok(Some(user)) => view! {
                    // Pages for signed-in users.{% if showcase %}
                    <li><A href="/chat/lobby">"Chat"</A></li> // The showcase's.{% endif %}
                    {(user.role() >= Role::Staff).then(|| view! { <li><A href="/staff">"Staff"</A></li> })}
                    {(user.role() == Role::Superuser).then(|| view! { <li><A href="/admin">"Admin"</A></li> })}
                    <li><A href="/account" attr:data-testid="nav-user">{user.name}</A></li>
                    <li><LogoutButton/></li>
                }
                .into_any(),
                _ => view! {
                    <li><A href="/login">"Log in"</A></li>
                    <li><A href="/signup">"Sign up"</A></li>
                }
                .into_any(),
            }
        })
    }
}

/// Signs out, refreshes the current user and goes home, without a page reload.
#[component]
fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let user = use_current_user();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            user.refetch();
            navigate("/", Default::default());
        }
    });
    view! {
        <ActionButton action=logout args=Logout {} class="inline" button_class="link">
            "Log out"
        </ActionButton>
    }
}
