//! One connection, in one task: frames from the client go through the channel's
//! `on_message` and out to the group; the group's frames go to the client; pings keep it
//! alive; limits keep it honest.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until, timeout};

use super::hub::{Frame, Hub, Membership};
use super::{ChannelHandler, Joined, Limits, encode};
use crate::error::AppError;

/// Serves `socket` until the client leaves, goes silent, or cannot keep up.
pub(super) async fn serve<C: ChannelHandler>(
    socket: WebSocket,
    joined: Joined<C>,
    mut membership: Membership,
    hub: Hub,
) {
    let limits = C::LIMITS;
    let limiter = rate_limiter(&limits);
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval(limits.ping_every);
    ping.reset();
    let mut last_heard = Instant::now();

    loop {
        let outgoing = tokio::select! {
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
