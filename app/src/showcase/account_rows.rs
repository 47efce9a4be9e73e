//! The showcase's rows of an account: its owner's export lists them, and they go with the
//! account (`mizan::auth::account_data`). Your own tables with rows of an account belong
//! here too (or in a module like it, given to `AppBuilder::account_data`).

use mizan::AppError;
use mizan::auth::account_data::AccountData;
use serde::Serialize;
use sqlx::{AnyConnection, AnyPool};

use crate::models::chat_message::ChatMessage;
use crate::models::contact_message::ContactMessage;

/// The contact messages and chat messages an account sent.
#[derive(Debug, Clone, Copy)]
pub struct AccountRows;

/// What an account's export shows of them.
#[derive(Debug, Serialize)]
pub struct SentMessages {
    /// Sent through the contact form while signed in.
    pub contact_messages: Vec<ContactMessage>,
    /// Said in the chat rooms.
    pub chat_messages: Vec<ChatMessage>,
}

impl AccountData for AccountRows {
    type Export = SentMessages;

    async fn export(&self, db: &AnyPool, user_id: &str) -> Result<SentMessages, AppError> {
        Ok(SentMessages {
            contact_messages: ContactMessage::sent_by(db, user_id).await?,
            chat_messages: ChatMessage::sent_by(db, user_id).await?,
        })
    }

    async fn delete(&self, tx: &mut AnyConnection, user_id: &str) -> Result<(), AppError> {
        ContactMessage::delete_sent_by(&mut *tx, user_id).await?;
        ChatMessage::delete_sent_by(&mut *tx, user_id).await?;
        Ok(())
    }
}
