//! `contact_messages`: what visitors send through the contact form, and whether staff
//! were told of it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A stored message, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ContactMessage {
    /// Its id.
    pub id: String,
    /// Sender's name.
    pub name: String,
    /// Sender's email.
    pub email: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub message: String,
    /// Urgency from 1 to 5, if given.
    pub urgency: Option<i64>,
    /// When it was sent, Unix seconds.
    pub created_at: i64,
}

#[cfg(feature = "ssr")]
pub use queries::{NewContactMessage, Untold};

#[cfg(feature = "ssr")]
mod queries {
    use mizan::server::db::{new_id, now};
    use sqlx::{Any, AnyPool, Executor};

    use super::ContactMessage;

    /// A message to store.
    #[derive(Debug)]
    pub struct NewContactMessage<'a> {
        /// Sender's name.
        pub name: &'a str,
        /// Sender's email.
        pub email: &'a str,
        /// Subject.
        pub subject: &'a str,
        /// Text.
        pub message: &'a str,
        /// Urgency from 1 to 5, if given.
        pub urgency: Option<i64>,
        /// The sender's account, when signed in.
        pub user_id: Option<&'a str>,
    }

    /// A message staff have not been told of yet.
    #[derive(Debug, sqlx::FromRow)]
    pub struct Untold {
        /// Its id.
        pub id: String,
        /// Its subject.
        pub subject: String,
    }

    impl NewContactMessage<'_> {
        /// Stores the message (in a transaction, with the job that tells staff of it);
        /// answers its id.
        pub async fn insert<'e, E>(&self, executor: E) -> Result<String, sqlx::Error>
        where
            E: Executor<'e, Database = Any>,
        {
            let id = new_id();
            sqlx::query(
                "INSERT INTO contact_messages \
                 (id, name, email, subject, message, urgency, user_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&id)
            .bind(self.name)
            .bind(self.email)
            .bind(self.subject)
            .bind(self.message)
            .bind(self.urgency)
            .bind(self.user_id)
            .bind(now())
            .execute(executor)
            .await?;
            Ok(id)
        }
    }

    impl ContactMessage {
        /// The latest `limit` messages, newest first.
        pub async fn latest(pool: &AnyPool, limit: i64) -> Result<Vec<Self>, sqlx::Error> {
            sqlx::query_as(
                "SELECT id, name, email, subject, message, urgency, created_at \
                 FROM contact_messages ORDER BY created_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        }

        /// How many messages there are.
        pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
            sqlx::query_scalar("SELECT COUNT(*) FROM contact_messages")
                .fetch_one(pool)
                .await
        }

        /// How many messages the account with id `user_id` sent while signed in.
        pub async fn count_sent_by(pool: &AnyPool, user_id: &str) -> Result<i64, sqlx::Error> {
            sqlx::query_scalar("SELECT COUNT(*) FROM contact_messages WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(pool)
                .await
        }

        /// The messages the account with id `user_id` sent while signed in, oldest first.
        pub async fn sent_by(pool: &AnyPool, user_id: &str) -> Result<Vec<Self>, sqlx::Error> {
            sqlx::query_as(
                "SELECT id, name, email, subject, message, urgency, created_at \
                 FROM contact_messages WHERE user_id = $1 ORDER BY created_at, id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        }

        /// Deletes the messages the account with id `user_id` sent while signed in.
        pub async fn delete_sent_by<'e, E>(executor: E, user_id: &str) -> Result<(), sqlx::Error>
        where
            E: Executor<'e, Database = Any>,
        {
            sqlx::query("DELETE FROM contact_messages WHERE user_id = $1")
                .bind(user_id)
                .execute(executor)
                .await?;
            Ok(())
        }

        /// The messages staff have not been told of, oldest first.
        pub async fn untold<'e, E>(executor: E) -> Result<Vec<Untold>, sqlx::Error>
        where
            E: Executor<'e, Database = Any>,
        {
            sqlx::query_as(
                "SELECT id, subject FROM contact_messages WHERE notified_at IS NULL \
                 ORDER BY created_at, id",
            )
            .fetch_all(executor)
            .await
        }

        /// Records that staff were told of the message with id `id`.
        pub async fn mark_told<'e, E>(executor: E, id: &str) -> Result<(), sqlx::Error>
        where
            E: Executor<'e, Database = Any>,
        {
            sqlx::query("UPDATE contact_messages SET notified_at = $1 WHERE id = $2")
                .bind(now())
                .bind(id)
                .execute(executor)
                .await?;
            Ok(())
        }
    }
}
