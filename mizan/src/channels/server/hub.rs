//! The hub: which connections are in which group, and how a message reaches them all.
//!
//! Each group with members in this process has a `tokio::sync::broadcast` channel: one
//! encoded frame is shared by every member, and a member that falls behind by more than
//! its queue skips the oldest frames instead of holding memory. With Redis, a frame is
//! published to `mizan:channel:<group>` and every process (this one too) delivers it to
//! its own members from one pattern subscription, which reconnects by itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::broadcast;

use crate::server::redis_client::query;

/// A frame as it travels: encoded once, shared by every member (cloning it only counts a
/// reference).
pub type Frame = axum::extract::ws::Utf8Bytes;

/// Frames waiting for one member before it skips the oldest.
pub const QUEUE: usize = 64;

/// The Redis channel prefix of groups.
const PREFIX: &str = "mizan:channel:";

/// Why a message could not be sent to a group.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Redis refused or could not be reached.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Groups and their members. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    groups: Mutex<HashMap<String, broadcast::Sender<Frame>>>,
    queue: usize,
    redis: Option<ConnectionManager>,
    /// Open connections of this process, per holder (a channel and a user or client).
    holders: Mutex<HashMap<String, u32>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("redis", &self.inner.redis.is_some())
            .finish()
    }
}

/// A connection's membership of a group: its queue of frames. Leaving (dropping it)
/// removes the group once it is empty.
pub struct Membership {
    pub(super) frames: broadcast::Receiver<Frame>,
    group: String,
    hub: Weak<Inner>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        if let Some(inner) = self.hub.upgrade()
            && let Ok(mut groups) = inner.groups.lock()
            && groups
                .get(&self.group)
                // This membership's receiver is still counted while it drops.
                .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            groups.remove(&self.group);
        }
    }
}

impl Hub {
    /// A hub for this process alone; each member queues up to `queue` frames.
    pub fn in_process(queue: usize) -> Self {
        Self::new(queue, None)
    }

    /// A hub shared through Redis: `connection` publishes, and a subscription of its own
    /// (opened from `client`, reopened whenever it drops) delivers.
    pub fn with_redis(queue: usize, client: redis::Client, connection: ConnectionManager) -> Self {
        let hub = Self::new(queue, Some(connection));
        tokio::spawn(subscribe(client, Arc::downgrade(&hub.inner)));
        hub
    }

    fn new(queue: usize, redis: Option<ConnectionManager>) -> Self {
        Self {
            inner: Arc::new(Inner {
                groups: Mutex::new(HashMap::new()),
                queue: queue.max(1),
                redis,
                holders: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Joins `group`.
    pub fn join(&self, group: &str) -> Membership {
        let mut groups = self
            .inner
            .groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let frames = groups
            .entry(group.to_owned())
            .or_insert_with(|| broadcast::channel(self.inner.queue).0)
            .subscribe();
        Membership {
            frames,
            group: group.to_owned(),
            hub: Arc::downgrade(&self.inner),
        }
    }

    /// A place for one more connection of `holder`, if it holds fewer than `max` in this
    /// process: given back when the [`Slot`] drops.
    pub fn take_slot(&self, holder: String, max: u32) -> Option<Slot> {
        let mut holders = self
            .inner
            .holders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = holders.entry(holder.clone()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            holder,
            hub: Arc::downgrade(&self.inner),
        })
    }

    /// How many connections of this process are in `group`.
    pub fn members(&self, group: &str) -> usize {
        self.inner
            .groups
            .lock()
            .ok()
            .and_then(|groups| groups.get(group).map(broadcast::Sender::receiver_count))
            .unwrap_or(0)
    }

    /// Sends `frame` to every member of `group`, in every process sharing the hub.
    ///
    /// # Errors
    /// [`HubError::Redis`] when Redis cannot take it.
    pub async fn publish(&self, group: &str, frame: Frame) -> Result<(), HubError> {
        match &self.inner.redis {
            None => {
                self.inner.deliver(group, frame);
                Ok(())
            }
            Some(connection) => {
                let mut command = redis::cmd("PUBLISH");
                command.arg(format!("{PREFIX}{group}")).arg(frame.as_str());
                query::<()>(connection, &command).await?;
                Ok(())
            }
        }
    }
}

/// One open connection's place among its holder's ([`Hub::take_slot`]).
pub struct Slot {
    holder: String,
    hub: Weak<Inner>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(inner) = self.hub.upgrade()
            && let Ok(mut holders) = inner.holders.lock()
            && let Some(count) = holders.get_mut(&self.holder)
        {
            *count -= 1;
            if *count == 0 {
                holders.remove(&self.holder);
            }
        }
    }
}

impl Inner {
    /// Hands `frame` to this process's members of `group`.
    fn deliver(&self, group: &str, frame: Frame) {
        let sender = self
            .groups
            .lock()
            .ok()
            .and_then(|groups| groups.get(group).cloned());
        if let Some(sender) = sender {
            // No receiver left is fine: the last member just went.
            let _ = sender.send(frame);
        }
    }
}

/// How long to wait before subscribing again, at most.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Delivers what Redis publishes under `mizan:channel:*` until the hub is gone,
/// subscribing again (with backoff) whenever the subscription drops.
async fn subscribe(client: redis::Client, hub: Weak<Inner>) {
    let mut retry = Duration::from_millis(100);
    while hub.strong_count() > 0 {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.psubscribe(format!("{PREFIX}*")).await {
                Ok(()) => {
                    tracing::info!("channel hub subscribed to Redis");
                    retry = Duration::from_millis(100);
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let Some(inner) = hub.upgrade() else { return };
                        let channel = message.get_channel_name();
                        let (Some(group), Ok(payload)) = (
                            channel.strip_prefix(PREFIX),
                            message.get_payload::<String>(),
                        ) else {
                            continue;
                        };
                        inner.deliver(group, Frame::from(payload));
                    }
                    tracing::warn!("channel hub lost its Redis subscription; subscribing again");
                }
                Err(e) => tracing::warn!(error = %e, "channel hub cannot subscribe to Redis"),
            },
            Err(e) => tracing::warn!(error = %e, "channel hub cannot reach Redis"),
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(MAX_RETRY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_frame_reaches_every_member_of_its_group_and_no_one_else() {
        let hub = Hub::in_process(8);
        let mut a = hub.join("room:a");
        let mut b = hub.join("room:a");
        let mut other = hub.join("room:b");
        hub.publish("room:a", Frame::from("hello"))
            .await
            .expect("sent");
        assert_eq!(a.frames.recv().await.expect("a").as_str(), "hello");
        assert_eq!(b.frames.recv().await.expect("b").as_str(), "hello");
        assert!(other.frames.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_member_that_falls_behind_skips_the_oldest_frames() {
        let hub = Hub::in_process(2);
        let mut slow = hub.join("g");
        for n in 0..5 {
            hub.publish("g", Frame::from(n.to_string()))
                .await
                .expect("sent");
        }
        assert!(matches!(
            slow.frames.recv().await,
            Err(broadcast::error::RecvError::Lagged(3))
        ));
        assert_eq!(slow.frames.recv().await.expect("newest").as_str(), "3");
    }

    #[test]
    fn a_holder_has_at_most_its_slots_and_gets_them_back() {
        let hub = Hub::in_process(8);
        let first = hub.take_slot("ada".into(), 2).expect("first");
        let second = hub.take_slot("ada".into(), 2).expect("second");
        assert!(hub.take_slot("ada".into(), 2).is_none());
        assert!(
            hub.take_slot("bob".into(), 2).is_some(),
            "others are not held back"
        );
        drop(first);
        let third = hub.take_slot("ada".into(), 2).expect("a place came free");
        drop((second, third));
        assert!(hub.inner.holders.lock().expect("lock").is_empty());
    }

    #[test]
    fn an_empty_group_is_forgotten() {
        let hub = Hub::in_process(8);
        let first = hub.join("g");
        let second = hub.join("g");
        assert_eq!(hub.members("g"), 2);
        drop(first);
        assert_eq!(hub.members("g"), 1);
        drop(second);
        assert!(hub.inner.groups.lock().expect("lock").is_empty());
    }
}
