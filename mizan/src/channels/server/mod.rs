//! The server side of channels: the handler trait, the route that authorizes and
//! upgrades, one task per connection, and the hub that fans messages out to groups.

mod connection;
mod hub;
mod route;

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

pub use hub::{Hub, HubError, QUEUE, Slot};
pub use route::{ChannelRoutes, RegisteredChannel};

use super::Channel;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::runtime::AppState;

/// Limits of one connection. The defaults fit a conversation between people.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest text frame handled; larger ones get an error frame back. Frames over
    /// four times this close the connection (WebSocket close code 1009).
    pub max_message_bytes: usize,
    /// Messages a connection may send per `rate_window`.
    pub messages_per_window: u32,
    /// The window of `messages_per_window`.
    pub rate_window: Duration,
    /// How often the server pings an idle connection.
    pub ping_every: Duration,
    /// A connection that sends nothing (not even a pong) for this long is closed.
    pub idle_timeout: Duration,
    /// A connection that takes longer than this to accept one frame is dropped.
    pub write_timeout: Duration,
}

impl Limits {
    /// 4 KiB messages, 10 per 10 seconds, ping every 25 s, closed after 60 s of silence,
    /// dropped after 10 s stuck on a write.
    pub const DEFAULT: Self = Self {
        max_message_bytes: 4 * 1024,
        messages_per_window: 10,
        rate_window: Duration::from_secs(10),
        ping_every: Duration::from_secs(25),
        idle_timeout: Duration::from_secs(60),
        write_timeout: Duration::from_secs(10),
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A connection that joined a group: who, with which params, and the server's state.
#[derive(Debug, Clone)]
pub struct Joined<C: Channel> {
    /// The signed-in user, if any.
    pub user: Option<CurrentUser>,
    /// The params it connected with.
    pub params: C::Params,
    /// The group it joined.
    pub group: String,
    /// The server's state (database, cache…).
    pub state: AppState,
}

/// What the server does with a channel.
pub trait ChannelHandler: Channel {
    /// Limits of each connection.
    const LIMITS: Limits = Limits::DEFAULT;

    /// Who may connect with these params, checked before the upgrade: an error is
    /// answered over HTTP with its status (401, 403, …).
    ///
    /// # Errors
    /// Usually [`AppError::Unauthenticated`] or [`AppError::Forbidden`].
    fn authorize(user: Option<&CurrentUser>, params: &Self::Params) -> Result<(), AppError>;

    /// The group a connection with these params joins. Names that start with
    /// [`RESERVED_PREFIX`] are the framework's: a connection asking for one is refused.
    fn group(params: &Self::Params) -> String;

    /// A message from a client, before it is broadcast: store it, transform it, or refuse
    /// it (the error goes back to its sender only). `Ok(None)` broadcasts nothing.
    ///
    /// # Errors
    /// Whatever the channel decides; the sender gets it as an error frame.
    fn on_message(
        joined: &Joined<Self>,
        message: Self::Incoming,
    ) -> impl Future<Output = Result<Option<Self::Outgoing>, AppError>> + Send
    where
        Self: Sized;

    /// What a connection missed before it joined (the messages after the last one its
    /// page showed, say), sent to it alone once it has joined: nothing is lost between a
    /// page's render and its connection. It may repeat what the group sends right after
    /// the join; clients tell messages apart by their ids. Nothing by default.
    ///
    /// # Errors
    /// Whatever the channel decides; the connection gets it as an error frame.
    fn backlog(
        joined: &Joined<Self>,
    ) -> impl Future<Output = Result<Vec<Self::Outgoing>, AppError>> + Send
    where
        Self: Sized,
    {
        let _ = joined;
        async { Ok(Vec::new()) }
    }
}

/// The start of the framework's own hub groups' names: a channel's
/// [`ChannelHandler::group`] that starts with it is refused (403).
pub const RESERVED_PREFIX: &str = "mizan:";

/// The hub group that tells a user's connections their rights changed.
fn user_group(user_id: &str) -> String {
    format!("{RESERVED_PREFIX}user:{user_id}")
}

/// The hub group that tells a session's connections the session ended. Named by its
/// handle on the account's sessions list, never by its id (as good as the session).
fn session_group(handle: &str) -> String {
    format!("{RESERVED_PREFIX}session:{handle}")
}

/// Closes every open connection of the session with handle `handle`
/// ([`crate::auth::session::SignedIn::handle`]), on every server process: it signed out,
/// signed in again, or was ended from another. (`mizan::auth`'s sign-in and sign-out
/// call it.)
///
/// # Errors
/// [`AppError::Internal`] when the hub cannot publish (Redis down).
pub async fn session_ended(hub: &Hub, handle: &str) -> Result<(), AppError> {
    publish(
        hub,
        &session_group(handle),
        &UserChange { signed_out: true },
    )
    .await
}

/// What changed about a user, for their open connections.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct UserChange {
    /// Every session of the user ended (password reset or changed): close them all.
    signed_out: bool,
}

/// Tells every open connection of `user_id`, on every server process, that the user
/// changed: each checks again whether the user may stay ([`ChannelHandler::authorize`]
/// with the user as the database has them now) and closes when not (close code 1008).
/// With `signed_out` (the user's sessions ended), they all close.
///
/// Call it after changing a user's rights; `mizan::auth`'s password flows call it.
///
/// # Errors
/// [`AppError::Internal`] when the hub cannot publish (Redis down).
pub async fn user_changed(hub: &Hub, user_id: &str, signed_out: bool) -> Result<(), AppError> {
    publish(hub, &user_group(user_id), &UserChange { signed_out }).await
}

/// Sends `message` to every connection of `group` of channel `C`, on every server
/// process sharing the hub: from a server function, a background task, anywhere with the
/// hub at hand.
///
/// # Errors
/// [`AppError::Internal`] when the message cannot be encoded or the hub cannot publish
/// it (Redis down).
pub async fn group_send<C: Channel>(
    hub: &Hub,
    group: &str,
    message: &C::Outgoing,
) -> Result<(), AppError> {
    publish(hub, group, message).await
}

/// Sends `message`, as JSON, to every member of `group` on every server process.
async fn publish<T: Serialize>(hub: &Hub, group: &str, message: &T) -> Result<(), AppError> {
    let frame = encode(message)?;
    hub.publish(group, frame).await.map_err(AppError::internal)
}

/// A message as the JSON text frame that carries it.
fn encode<T: Serialize>(message: &T) -> Result<hub::Frame, AppError> {
    serde_json::to_string(message)
        .map(hub::Frame::from)
        .map_err(AppError::from)
}
