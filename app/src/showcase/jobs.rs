//! The showcase's background job (server only): a value stored in the queue and a `run`
//! that does the work, registered where it is declared (`mizan::job!`) and enqueued with
//! the data it belongs to (see the contact form's handler).

use std::time::Duration;

use mizan::jobs::{Job, JobError};
use mizan::runtime::AppState;
use mizan::server::db::now;
use mizan::server::mail::Email;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// How long messages gather before staff hear of them: at most one notice a minute,
/// however many messages arrive (the form is public).
pub const NOTIFY_STAFF_AFTER: Duration = Duration::from_secs(60);

/// At most this many subjects in one notice.
const SUBJECTS_LISTED: usize = 10;

/// Tells every active staff member, in one mail each, of the contact messages they have
/// not heard of yet. Enqueued with each message ([`mizan::jobs::enqueue_once_after`]:
/// one waits at a time); safe to repeat: it marks what it told, in the transaction that
/// enqueues the mails.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotifyStaff;

mizan::job!(NotifyStaff);

impl Job for NotifyStaff {
    const KIND: &'static str = "app.notify_staff";

    async fn run(self, state: AppState) -> Result<(), JobError> {
        let mut tx = state.db.begin().await?;
        let rows = sqlx::query(
            "SELECT id, subject FROM contact_messages WHERE notified_at IS NULL \
             ORDER BY created_at, id",
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let subjects = rows
            .iter()
            .take(SUBJECTS_LISTED)
            .map(|row| {
                row.try_get::<String, _>("subject")
                    .map(|s| format!("- {s}"))
            })
            .collect::<Result<Vec<_>, _>>()?
            .join("\n");
        let more = rows.len().saturating_sub(SUBJECTS_LISTED);
        let staff: Vec<String> = sqlx::query_scalar(
            "SELECT email FROM users WHERE is_staff = TRUE AND is_active = TRUE ORDER BY email",
        )
        .fetch_all(&mut *tx)
        .await?;
        for to in staff {
            let mail = Email {
                to,
                subject: format!("{} new contact message(s)", rows.len()),
                body: format!(
                    "{subjects}\n{}\nRead them on {}/staff\n",
                    if more > 0 {
                        format!("… and {more} more\n")
                    } else {
                        String::new()
                    },
                    state.config.site_url
                ),
            };
            mizan::jobs::enqueue(&mut *tx, &mail).await?;
        }
        for row in &rows {
            sqlx::query("UPDATE contact_messages SET notified_at = $1 WHERE id = $2")
                .bind(now())
                .bind(row.try_get::<String, _>("id")?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        state.jobs.wake();
        Ok(())
    }
}
