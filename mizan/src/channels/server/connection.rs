//! One connection, in one task: frames from the client go through the channel's
//! `on_message` and out to the group; the group's frames go to the client; pings keep it
//! alive; limits keep it honest. A signed-in connection lasts as long as its session:
//! it closes when the session signs out (told through the hub) or is found gone (expired)
//! when it checks, every `MIZAN_SESSION_CHECK_MS`.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until, timeout};

use tower_sessions::SessionStore;
use tower_sessions::session::Id;

use super::hub::{Frame, Hub, Membership, Slot};
use super::{ChannelHandler, Joined, Limits, UserChange, encode};
use crate::auth::{user_sessions, users};
use crate::error::AppError;

/// The close code of a connection whose user may no longer be there (policy violation).
const RIGHTS_CHANGED: u16 = 1008;

/// An accepted connection, before its socket is open.
pub(super) struct Connection<C: ChannelHandler> {
    /// Who, with which params, in which group.
    pub joined: Joined<C>,
    /// Its place in the group.
    pub membership: Membership,
    /// The hub, for what it sends.
    pub hub: Hub,
    /// The session it was opened with, when signed in: its id and its handle.
    pub session_id: Option<(Id, String)>,
    /// Its place among its user's connections, given back when it ends.
    pub _slot: Slot,
}

/// Serves `socket` until the client leaves, goes silent, cannot keep up, or loses the
/// right to be there.
pub(super) async fn serve<C: ChannelHandler>(socket: WebSocket, connection: Connection<C>) {
    let Connection {
        mut joined,
        mut membership,
        hub,
        session_id,
        _slot,
    } = connection;
    let limits = C::LIMITS;
    let limiter = rate_limiter(&limits);
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval(limits.ping_every);
    ping.reset();
    let mut last_heard = Instant::now();
    // Changes to the user's rights, from any server process.
    let mut changes = joined
        .user
        .as_ref()
        .map(|user| hub.join(&super::user_group(&user.id)));
    // The end of its session, from any server process, and a look at the store now and
    // then (an expired session ends without a word).
    let mut session_end = session_id
        .as_ref()
        .map(|(_, handle)| hub.join(&super::session_group(handle)));
    let mut session_check = tokio::time::interval(joined.state.config.session_check);
    session_check.reset();
    // Subscribed first, then looked at: a sign-out between the handshake and now (whose
    // message this connection missed) has deleted the session already.
    if session_gone(&joined, session_id.as_ref()).await {
        close(&mut sink, &limits, "your session ended").await;
        return;
    }

    // What the connection missed before it joined, to it alone.
    let backlog = match C::backlog(&joined).await {
        Ok(messages) => messages
            .iter()
            .map(|m| encode(m).map(Message::Text))
            .collect(),
        Err(error) => Err(error),
    };
    let backlog = backlog.unwrap_or_else(|error| vec![error_frame(error)]);
    for message in backlog {
        if !matches!(
            timeout(limits.write_timeout, sink.send(message)).await,
            Ok(Ok(()))
        ) {
            return;
        }
    }

    loop {
        let outgoing = tokio::select! {
            _ = next_change(&mut session_end) => {
                close(&mut sink, &limits, "your session ended").await;
                break;
            }
            _ = session_check.tick(), if session_id.is_some() => {
                if session_gone(&joined, session_id.as_ref()).await {
                    close(&mut sink, &limits, "your session ended").await;
                    break;
                }
                None
            }
            change = next_change(&mut changes) => {
                if may_stay(&mut joined, &change).await {
                    None
                } else {
                    tracing::debug!(group = %joined.group, "rights changed: connection closed");
                    close(&mut sink, &limits, "your access to this channel changed").await;
                    break;
                }
            }
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                match message {
                    Message::Text(text) => handle::<C>(&joined, &hub, &limiter, &limits, text.as_str())
                        .await
                        .map(error_frame),
                    Message::Binary(_) => Some(error_frame(AppError::BadRequest {
                        message: "send JSON text frames".into(),
                    })),
                    Message::Close(_) => break,
                    // Pongs only show the client is there; axum answers pings itself.
                    Message::Ping(_) | Message::Pong(_) => None,
                }
            }
            frame = membership.frames.recv() => match frame {
                Ok(frame) => Some(Message::Text(frame)),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(group = %joined.group, skipped, "slow connection skipped frames");
                    None
                }
                Err(RecvError::Closed) => break,
            },
            _ = ping.tick() => Some(Message::Ping(Default::default())),
            () = sleep_until(last_heard + limits.idle_timeout) => {
                tracing::debug!(group = %joined.group, "idle connection closed");
                break;
            }
        };
        if let Some(message) = outgoing {
            match timeout(limits.write_timeout, sink.send(message)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => break,
                Err(_) => {
                    tracing::debug!(group = %joined.group, "connection too slow to write to: dropped");
                    break;
                }
            }
        }
    }
    let _ = timeout(Duration::from_secs(1), sink.close()).await;
}

/// Sends the close frame of a connection whose user may no longer be there.
async fn close(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    limits: &Limits,
    reason: &'static str,
) {
    let frame = CloseFrame {
        code: RIGHTS_CHANGED,
        reason: reason.into(),
    };
    let _ = timeout(limits.write_timeout, sink.send(Message::Close(Some(frame)))).await;
}

/// Whether the connection's session is gone from the store (expired or deleted) or from
/// its account's sessions list (ended from another). A store that cannot answer keeps
/// the connection: the next check asks again.
async fn session_gone<C: ChannelHandler>(
    joined: &Joined<C>,
    session: Option<&(Id, String)>,
) -> bool {
    let Some((id, handle)) = session else {
        return false;
    };
    let state = &joined.state;
    matches!(state.sessions.load(id).await, Ok(None))
        || matches!(user_sessions::is_open(&state.db, handle).await, Ok(false))
}

/// The next change to the user's rights (never, for an anonymous connection).
async fn next_change(changes: &mut Option<Membership>) -> UserChange {
    let Some(changes) = changes else {
        return std::future::pending().await;
    };
    match changes.frames.recv().await {
        Ok(frame) => serde_json::from_str(&frame).unwrap_or(UserChange { signed_out: true }),
        // Missed changes: check again as after the strictest one.
        Err(RecvError::Lagged(_)) => UserChange { signed_out: true },
        Err(RecvError::Closed) => std::future::pending().await,
    }
}

/// Whether the connection's user may stay after `change`: the user as the database has
/// them now, checked again by the channel. Updates the connection's user.
async fn may_stay<C: ChannelHandler>(joined: &mut Joined<C>, change: &UserChange) -> bool {
    if change.signed_out {
        return false;
    }
    let Some(id) = joined.user.as_ref().map(|user| user.id.clone()) else {
        return true;
    };
    match users::find_active(&joined.state.db, &id).await {
        Ok(Some(user)) if C::authorize(Some(&user), &joined.params).is_ok() => {
            joined.user = Some(user);
            true
        }
        Ok(_) => false,
        // Cannot tell now: keep the connection; the next change checks again.
        Err(_) => true,
    }
}

/// One text frame from the client: `Some(error)` to answer it with.
async fn handle<C: ChannelHandler>(
    joined: &Joined<C>,
    hub: &Hub,
    limiter: &DefaultDirectRateLimiter,
    limits: &Limits,
    text: &str,
) -> Option<AppError> {
    if text.len() > limits.max_message_bytes {
        return Some(AppError::BadRequest {
            message: format!("messages are at most {} bytes", limits.max_message_bytes),
        });
    }
    if let Err(not_until) = limiter.check() {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Some(AppError::RateLimited {
            retry_after: wait.as_secs() + 1,
        });
    }
    let message = match serde_json::from_str::<C::Incoming>(text) {
        Ok(message) => message,
        Err(e) => {
            return Some(AppError::BadRequest {
                message: format!("not a message of channel `{}`: {e}", C::NAME),
            });
        }
    };
    match C::on_message(joined, message).await {
        Ok(None) => None,
        Ok(Some(outgoing)) => match encode(&outgoing) {
            Ok(frame) => hub
                .publish(&joined.group, frame)
                .await
                .err()
                .map(AppError::internal),
            Err(error) => Some(error),
        },
        Err(error) => Some(error),
    }
}

fn error_frame(error: AppError) -> Message {
    Message::Text(Frame::from(
        serde_json::to_string(&error).unwrap_or_else(|_| r#"{"error":"internal"}"#.to_owned()),
    ))
}

/// `messages_per_window` per `rate_window`, all of them allowed at once.
fn rate_limiter(limits: &Limits) -> DefaultDirectRateLimiter {
    let burst = NonZeroU32::new(limits.messages_per_window).unwrap_or(NonZeroU32::MIN);
    let period = limits.rate_window / burst.get();
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst);
    RateLimiter::direct(quota)
}
