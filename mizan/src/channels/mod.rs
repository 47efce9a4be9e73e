//! Channels: typed WebSocket groups, declared once and used from both sides.
//!
//! A channel is a type that implements [`Channel`] (its name, params and messages, shared
//! by the browser and the server) and, on the server, [`ChannelHandler`] (who may join,
//! which group a connection joins, and what happens to a message before it is broadcast).
//!
//! - The server answers at `/ws/<name>?<params>`: it loads the user from the session,
//!   checks [`ChannelHandler::authorize`] and answers 401/403 over HTTP before any
//!   upgrade; then the connection joins [`ChannelHandler::group`].
//! - Clients send JSON text frames ([`Channel::Incoming`]); each goes through
//!   [`ChannelHandler::on_message`] (persist, transform or reject), and what it returns is
//!   broadcast to the group as JSON ([`Channel::Outgoing`]). A refused or malformed frame
//!   is answered, to its sender only, with an error frame: an [`AppError`](crate::AppError) as JSON
//!   (`{"error":"bad_request","message":"…"}`), and the connection stays open.
//! - Anything on the server may send to a group: [`group_send`] (like Django Channels'
//!   `group_send`).
//! - The hub is in-process, or Redis pub/sub when `REDIS_URL` is set, so several server
//!   processes share their groups.
//! - In the browser, [`use_channel`] gives a [`ChannelHandle`]: received messages, a typed
//!   `send`, the connection state, and reconnection with backoff to the same params.
//!   Nothing is opened during SSR.

mod client;

#[cfg(feature = "ssr")]
mod server;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use client::{ChannelHandle, ConnectionState, use_channel};

#[cfg(feature = "ssr")]
pub use server::{
    ChannelHandler, ChannelRoutes, Hub, HubError, Joined, Limits, QUEUE, RESERVED_PREFIX,
    RegisteredChannel, Slot, group_send, session_ended, user_changed,
};

/// Serves a channel in every app of the binary, at `/ws/<NAME>` and in the API document:
/// `mizan::channel!(RoomChannel);` beside its `ChannelHandler`, as a server function
/// registers itself where it is declared. Nothing on the browser side.
#[macro_export]
macro_rules! channel {
    ($channel:ty) => {
        #[cfg(feature = "ssr")]
        $crate::runtime::dispatch::inventory::submit! {
            $crate::channels::RegisteredChannel::of::<$channel>()
        }
    };
}

/// A channel's name and types, known to both sides.
pub trait Channel: Send + Sync + 'static {
    /// Its name: the channel is served at `/ws/<NAME>`.
    const NAME: &'static str;
    /// What a client connects with, as query parameters (`?room=lobby`).
    type Params: Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// What clients send.
    type Incoming: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// What the group receives.
    type Outgoing: Clone + Serialize + DeserializeOwned + Send + Sync + 'static;
}
