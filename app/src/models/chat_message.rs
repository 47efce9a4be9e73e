//! `chat_messages`: what was said in each chat room.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What everyone in the room receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ChatMessage {
    /// Its id (time-ordered).
    pub id: String,
    /// The room it was sent to.
    pub room: String,
    /// The sender's display name.
    #[cfg_attr(feature = "ssr", sqlx(rename = "user_name"))]
    pub user: String,
    /// The message.
    pub text: String,
    /// When it was sent, Unix seconds.
    #[cfg_attr(feature = "ssr", sqlx(rename = "created_at"))]
    pub at: i64,
}

#[cfg(feature = "ssr")]
mod queries {
    use sqlx::{Any, AnyPool, Executor};

    use super::ChatMessage;

    impl ChatMessage {
        /// Stores the message, sent by the account with id `user_id`.
        pub async fn insert(&self, pool: &AnyPool, user_id: &str) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO chat_messages (id, room, user_id, user_name, text, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&self.id)
            .bind(&self.room)
            .bind(user_id)
            .bind(&self.user)
            .bind(&self.text)
            .bind(self.at)
            .execute(pool)
            .await?;
            Ok(())
        }

        /// The last `limit` messages of `room`, oldest first.
        pub async fn latest(
            pool: &AnyPool,
            room: &str,
            limit: i64,
        ) -> Result<Vec<Self>, sqlx::Error> {
            let mut messages: Vec<Self> = sqlx::query_as(
                "SELECT id, room, user_name, text, created_at FROM chat_messages \
                 WHERE room = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(room)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            messages.reverse();
            Ok(messages)
        }

        /// At most `limit` messages of `room` after the one with id `after` (ids are
        /// time-ordered), oldest first.
        pub async fn after(
            pool: &AnyPool,
            room: &str,
            after: &str,
            limit: i64,
        ) -> Result<Vec<Self>, sqlx::Error> {
            sqlx::query_as(
                "SELECT id, room, user_name, text, created_at FROM chat_messages \
                 WHERE room = $1 AND id > $2 ORDER BY id ASC LIMIT $3",
            )
            .bind(room)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
        }

        /// Every message the account with id `user_id` sent, oldest first.
        pub async fn sent_by(pool: &AnyPool, user_id: &str) -> Result<Vec<Self>, sqlx::Error> {
            sqlx::query_as(
                "SELECT id, room, user_name, text, created_at FROM chat_messages \
                 WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        }

        /// Deletes every message the account with id `user_id` sent.
        pub async fn delete_sent_by<'e, E>(executor: E, user_id: &str) -> Result<(), sqlx::Error>
        where
            E: Executor<'e, Database = Any>,
        {
            sqlx::query("DELETE FROM chat_messages WHERE user_id = $1")
                .bind(user_id)
                .execute(executor)
                .await?;
            Ok(())
        }
    }
}
