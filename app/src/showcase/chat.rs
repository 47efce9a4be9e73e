//! The chat: rooms at `/ws/chat?room=<room>`, for signed-in users; rooms named `staff-…`
//! are for staff. Messages are stored, and the last 50 of a room come with its page.

use leptos::prelude::*;
use mizan::AppError;
use mizan::auth::{CurrentUser, Role};
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
    pub room: RoomName,
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

/// A room's name: 1 to 40 lowercase letters, digits and dashes. Checked wherever one is
/// read (an address, a query string, a function's arguments), so a `RoomName` is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend("pattern" = "^[a-z0-9-]{1,40}$"))]
pub struct RoomName(String);

impl RoomName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the room is for staff (`staff-…`).
    pub fn is_for_staff(&self) -> bool {
        self.0.starts_with("staff-")
    }
}

impl TryFrom<String> for RoomName {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        let valid = (1..=40).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Self(name))
        } else {
            Err("a room name is 1 to 40 lowercase letters, digits and dashes")
        }
    }
}

impl From<RoomName> for String {
    fn from(room: RoomName) -> Self {
        room.0
    }
}

impl std::fmt::Display for RoomName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The chat of `room`, resuming after `last`, the last message the page shows when it
/// connects.
pub fn use_chat_channel(
    room: RoomName,
    last: Signal<Option<ChatMessage>>,
) -> ChannelHandle<ChatChannel> {
    use_channel::<ChatChannel>(Signal::derive(move || {
        // Read, not followed: a new message must not reconnect.
        let after = last
            .get_untracked()
            .filter(|message| message.room == room.as_str())
            .map(|message| message.id);
        ChatParams {
            room: room.clone(),
            after,
        }
    }))
}

/// Who may join `room`: signed-in users; `staff-…` rooms are for staff.
///
/// # Errors
/// [`AppError::Unauthenticated`], [`AppError::Forbidden`].
pub fn can_join_room(user: Option<&CurrentUser>, room: &RoomName) -> Result<(), AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    if room.is_for_staff() && user.role() < Role::Staff {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The last messages of `room`, oldest first (for its page, during SSR).
#[mizan::server(auth = custom(can_join_room))]
pub async fn chat_history(room: RoomName) -> Result<Vec<ChatMessage>, AppError> {
    Ok(ChatMessage::latest(&mizan::runtime::state()?.db, room.as_str(), HISTORY).await?)
}

/// Staff: posts `text` to `room` from the server, like any member's message: sending to
/// a group from a server function. (Staff may join every room.)
#[mizan::server(auth = staff, errors(validation))]
pub async fn announce(
    #[user] user: CurrentUser,
    room: RoomName,
    text: String,
) -> Result<ChatMessage, AppError> {
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

    use super::{
        ChatChannel, ChatMessage, ChatParams, ChatSend, HISTORY, MAX_TEXT, RoomName, can_join_room,
    };

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
                Some(after) => Ok(ChatMessage::after(
                    &joined.state.db,
                    joined.params.room.as_str(),
                    after,
                    HISTORY,
                )
                .await?),
                None => Ok(Vec::new()),
            }
        }
    }

    /// The hub group of a room.
    pub fn group(room: &RoomName) -> String {
        format!("chat:{room}")
    }

    /// Checks and stores a message.
    pub async fn store(
        pool: &AnyPool,
        room: &RoomName,
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
            room: room.to_string(),
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

    fn room(name: &str) -> RoomName {
        RoomName::try_from(name.to_owned()).expect("a valid room name")
    }

    #[test]
    fn rooms_are_for_signed_in_users_and_staff_rooms_for_staff() {
        let (lobby, ops) = (room("lobby"), room("staff-ops"));
        assert_eq!(can_join_room(None, &lobby), Err(AppError::Unauthenticated));
        assert_eq!(can_join_room(Some(&user(false)), &lobby), Ok(()));
        assert_eq!(
            can_join_room(Some(&user(false)), &ops),
            Err(AppError::Forbidden)
        );
        assert_eq!(can_join_room(Some(&user(true)), &ops), Ok(()));
    }

    #[test]
    fn room_names_are_short_lowercase_slugs_wherever_they_are_read() {
        for good in ["lobby", "team-2", "a", &"x".repeat(40)] {
            assert_eq!(room(good).as_str(), good);
        }
        for bad in ["", "Lobby", "two words", "é", &"x".repeat(41)] {
            assert!(RoomName::try_from(bad.to_owned()).is_err(), "{bad}");
            let json = serde_json::json!({ "room": bad });
            assert!(serde_json::from_value::<ChatParams>(json).is_err(), "{bad}");
        }
    }
}
