//! The chat: rooms at `/ws/chat?room=<room>`, for signed-in users; rooms named `staff-…`
//! are for staff. Messages are stored, and the last 50 of a room come with its page.

use leptos::prelude::*;
use mizan::AppError;
use mizan::auth::CurrentUser;
use mizan::channels::{Channel, ChannelHandle, use_channel};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::models::chat_message::ChatMessage;

/// The chat channel.
pub struct ChatChannel;

/// What a client connects with: `?room=lobby`, and `&after=<id>`, the last message its
/// page shows, to be sent what came after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChatParams {
    /// The room's name.
    pub room: String,
    /// The id of the last message the client has: the messages after it are sent first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// What a client sends: `{"text": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChatSend {
    /// The message.
    pub text: String,
}

impl Channel for ChatChannel {
    const NAME: &'static str = "chat";
    type Params = ChatParams;
    type Incoming = ChatSend;
    type Outgoing = ChatMessage;
}

/// The longest message, in characters.
pub const MAX_TEXT: usize = 1000;
/// How many past messages a room's page shows.
pub const HISTORY: i64 = 50;

/// The chat of `room` (reconnecting to the new room whenever it changes), resuming
/// after `last`, the last message the page shows when it connects.
pub fn use_chat_channel(
    room: Signal<String>,
    last: Signal<Option<ChatMessage>>,
) -> ChannelHandle<ChatChannel> {
    use_channel::<ChatChannel>(Signal::derive(move || {
        let room = room.get();
        // Read, not followed: a new message must not reconnect.
        let after = last
            .get_untracked()
            .filter(|message| message.room == room)
            .map(|message| message.id);
        ChatParams { room, after }
    }))
}

/// What is wrong with a room name, if anything: 1 to 40 lowercase letters, digits and
/// dashes.
pub fn room_problem(room: &str) -> Option<&'static str> {
    let valid = (1..=40).contains(&room.len())
        && room
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (!valid).then_some("a room name is 1 to 40 lowercase letters, digits and dashes")
}

/// Who may join `room`: signed-in users; `staff-…` rooms are for staff.
///
/// # Errors
/// [`AppError::BadRequest`] for a bad name, [`AppError::Unauthenticated`],
/// [`AppError::Forbidden`].
pub fn can_join_room(user: Option<&CurrentUser>, room: &str) -> Result<(), AppError> {
    if let Some(problem) = room_problem(room) {
        return Err(AppError::BadRequest {
            message: problem.to_owned(),
        });
    }
    let user = user.ok_or(AppError::Unauthenticated)?;
    if room.starts_with("staff-") && !(user.is_staff || user.is_superuser) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The last messages of `room`, oldest first (for its page, during SSR).
#[mizan::server(auth = custom(can_join_room))]
pub async fn chat_history(room: String) -> Result<Vec<ChatMessage>, AppError> {
    Ok(ChatMessage::latest(&mizan::runtime::state()?.db, &room, HISTORY).await?)
}

/// Staff: posts `text` to `room` from the server, like any member's message: sending to
/// a group from a server function.
#[mizan::server(auth = staff, errors(validation))]
pub async fn announce(
    #[user] user: CurrentUser,
    room: String,
    text: String,
) -> Result<ChatMessage, AppError> {
    can_join_room(Some(&user), &room)?;
    let state = mizan::runtime::state()?;
    let message = handler::store(&state.db, &room, &user, &text).await?;
    mizan::channels::group_send::<ChatChannel>(&state.channels, &handler::group(&room), &message)
        .await?;
    Ok(message)
}

#[cfg(feature = "ssr")]
mod handler {
    use mizan::AppError;
    use mizan::auth::CurrentUser;
    use mizan::channels::{ChannelHandler, Joined};
    use mizan::server::db::{new_id, now};
    use sqlx::AnyPool;

    use super::{ChatChannel, ChatMessage, ChatParams, ChatSend, HISTORY, MAX_TEXT, can_join_room};

    mizan::channel!(ChatChannel);

    impl ChannelHandler for ChatChannel {
        fn authorize(user: Option<&CurrentUser>, params: &ChatParams) -> Result<(), AppError> {
            can_join_room(user, &params.room)
        }

        fn group(params: &ChatParams) -> String {
            group(&params.room)
        }

        async fn on_message(
            joined: &Joined<Self>,
            message: ChatSend,
        ) -> Result<Option<ChatMessage>, AppError> {
            let user = joined.user.as_ref().ok_or(AppError::Unauthenticated)?;
            store(&joined.state.db, &joined.params.room, user, &message.text)
                .await
                .map(Some)
        }

        async fn backlog(joined: &Joined<Self>) -> Result<Vec<ChatMessage>, AppError> {
            match &joined.params.after {
                Some(after) => {
                    Ok(
                        ChatMessage::after(&joined.state.db, &joined.params.room, after, HISTORY)
                            .await?,
                    )
                }
                None => Ok(Vec::new()),
            }
        }
    }

    /// The hub group of a room.
    pub fn group(room: &str) -> String {
        format!("chat:{room}")
    }

    /// Checks and stores a message.
    pub async fn store(
        pool: &AnyPool,
        room: &str,
        user: &CurrentUser,
        text: &str,
    ) -> Result<ChatMessage, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::field("text", "write something first"));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(AppError::field(
                "text",
                format!("use at most {MAX_TEXT} characters"),
            ));
        }
        let message = ChatMessage {
            id: new_id(),
            room: room.to_owned(),
            user: user.name.clone(),
            text: text.to_owned(),
            at: now(),
        };
        message.insert(pool, &user.id).await?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(is_staff: bool) -> CurrentUser {
        CurrentUser {
            id: "u".into(),
            email: "u@example.com".into(),
            name: "U".into(),
            is_staff,
            is_superuser: false,
            email_verified: true,
        }
    }

    #[test]
    fn rooms_are_for_signed_in_users_and_staff_rooms_for_staff() {
        assert_eq!(can_join_room(None, "lobby"), Err(AppError::Unauthenticated));
        assert_eq!(can_join_room(Some(&user(false)), "lobby"), Ok(()));
        assert_eq!(
            can_join_room(Some(&user(false)), "staff-ops"),
            Err(AppError::Forbidden)
        );
        assert_eq!(can_join_room(Some(&user(true)), "staff-ops"), Ok(()));
    }

    #[test]
    fn room_names_are_short_lowercase_slugs() {
        for good in ["lobby", "team-2", "a"] {
            assert_eq!(room_problem(good), None, "{good}");
        }
        for bad in ["", "Lobby", "two words", "é", &"x".repeat(41)] {
            assert!(room_problem(bad).is_some(), "{bad}");
        }
    }
}
