//! `/chat/:room` (signed-in users; `staff-…` rooms for staff): the last messages, loaded
//! during SSR, then new ones live over the chat channel.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use mizan::channels::{ChannelHandle, ConnectionState};

use crate::components::{AccessDenied, Guarded};
use crate::showcase::chat::{
    ChatChannel, ChatMessage, ChatSend, RoomName, chat_history, use_chat_channel,
};

/// A chat room: the room the address names, or why it names none (a 400).
#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let room =
        Memo::new(move |_| RoomName::try_from(params.with(|p| p.get("room")).unwrap_or_default()));
    // Another room is another page: its own history and connection.
    move || match room.get() {
        Ok(room) => view! { <Room room=room/> }.into_any(),
        Err(problem) => view! {
            <AccessDenied error=mizan::AppError::BadRequest { message: problem.to_owned() }/>
        }
        .into_any(),
    }
}

/// One room: its last messages, then the live ones.
#[component]
fn Room(room: RoomName) -> impl IntoView {
    let history = Resource::new_blocking(
        {
            let room = room.clone();
            move || room.clone()
        },
        chat_history,
    );
    // Resume after the last message the page shows: nothing sent in between is lost.
    let last = Signal::derive(move || {
        history
            .get()
            .and_then(Result::ok)
            .and_then(|messages| messages.last().cloned())
    });
    let channel = use_chat_channel(room.clone(), last);
    view! {
        <Guarded resource=history render=move |history| view! {
            <Title text=format!("#{room}")/>
            <section class="card wide chat">
                <h1>"#"{room.to_string()}</h1>
                <ConnectionBadge channel=channel/>
                <Messages history=history channel=channel/>
                <Composer channel=channel/>
                <RoomSwitcher/>
            </section>
        }/>
    }
}

/// The room's messages: the history from the page, then what arrives live.
#[component]
fn Messages(history: Vec<ChatMessage>, channel: ChannelHandle<ChatChannel>) -> impl IntoView {
    let all = move || {
        let mut all = history.clone();
        for message in channel.messages().get() {
            if !all.iter().any(|seen| seen.id == message.id) {
                all.push(message);
            }
        }
        all
    };
    view! {
        <ol class="messages" data-testid="messages" aria-live="polite">
            <For each=all key=|message| message.id.clone() let:message>
                <li>
                    <strong>{message.user}</strong>": "
                    <span class="text">{message.text}</span>
                </li>
            </For>
        </ol>
    }
}

/// Where the connection stands, for people and for tests.
#[component]
fn ConnectionBadge(channel: ChannelHandle<ChatChannel>) -> impl IntoView {
    let text = move || match channel.state().get() {
        ConnectionState::Connecting => "connecting…".to_owned(),
        ConnectionState::Open => "connected".to_owned(),
        // Tenths of a second with integers: float formatting would add ~14 KB of wasm.
        ConnectionState::Reconnecting { in_ms, .. } => {
            format!("reconnecting in {}.{} s…", in_ms / 1000, in_ms % 1000 / 100)
        }
        ConnectionState::Refused(error) => format!("refused: {error}"),
    };
    let open = move || channel.state().get() == ConnectionState::Open;
    view! {
        <p class="connection" class:open=open data-testid="connection">{text}</p>
    }
}

/// The message box. Sending needs an open connection.
#[component]
fn Composer(channel: ChannelHandle<ChatChannel>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let open = move || channel.state().get() == ConnectionState::Open;
    let error = move || {
        channel.error().get().map(|error| match error {
            mizan::AppError::Validation { fields } => fields
                .values()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })
    };
    view! {
        <form class="composer" on:submit=move |ev| {
            ev.prevent_default();
            if channel.send(&ChatSend { text: text.get_untracked() }) {
                text.set(String::new());
            }
        }>
            <label for="chat-text">"Message"</label>
            <input id="chat-text" autocomplete="off" maxlength="1000"
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev))/>
            <button type="submit" disabled=move || !open()>"Send"</button>
            <p class="form-error" role="alert">{error}</p>
        </form>
    }
}

/// Goes to another room.
#[component]
fn RoomSwitcher() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let navigate = use_navigate();
    view! {
        <form class="inline room-switcher" on:submit=move |ev| {
            ev.prevent_default();
            let room = name.get_untracked();
            let room = room.trim();
            if !room.is_empty() {
                navigate(&format!("/chat/{room}"), Default::default());
            }
        }>
            <label for="room-name">"Another room"</label>
            <input id="room-name" placeholder="lobby" prop:value=name
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <button type="submit">"Go"</button>
        </form>
    }
}
