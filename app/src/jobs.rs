//! The app's background jobs (server only). Each is a value stored in the queue and a
//! `run` that does the work; register it in `server/src/startup.rs` with `.job::<J>()`,
//! and enqueue it with the data it belongs to (see the contact form's handler).

use mizan::jobs::{Job, JobError};
use mizan::runtime::AppState;
use mizan::server::mail::Email;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Tells every active staff member that a contact message came in: one mail each (a
/// mail job per recipient, so a refused address does not resend the others).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotifyStaff {
    /// The stored message's id.
    pub message_id: String,
}

impl Job for NotifyStaff {
    const KIND: &'static str = "app.notify_staff";

    async fn run(self, state: AppState) -> Result<(), JobError> {
        let Some(message) = sqlx::query("SELECT name, subject FROM contact_messages WHERE id = $1")
            .bind(&self.message_id)
            .fetch_optional(&state.db)
            .await?
        else {
            // Deleted since: nothing to tell.
            return Ok(());
        };
        let (name, subject): (String, String) =
            (message.try_get("name")?, message.try_get("subject")?);
        let staff: Vec<String> = sqlx::query_scalar(
            "SELECT email FROM users WHERE is_staff = TRUE AND is_active = TRUE ORDER BY email",
        )
        .fetch_all(&state.db)
        .await?;
        let mut tx = state.db.begin().await?;
        for to in staff {
            let mail = Email {
                to,
                subject: format!("Contact message: {subject}"),
                body: format!(
                    "{name} wrote through the contact form about \"{subject}\".\n\nRead it on {}/staff\n",
                    state.config.site_url
                ),
            };
            mizan::jobs::enqueue(&mut *tx, &mail).await?;
        }
        tx.commit().await?;
        state.jobs.wake();
        Ok(())
    }
}
