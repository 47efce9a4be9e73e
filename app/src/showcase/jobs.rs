//! The showcase's background job (server only): a value stored in the queue and a `run`
//! that does the work, registered where it is declared (`mizan::job!`) and enqueued with
//! the data it belongs to (see the contact form's handler).

use std::time::Duration;

use mizan::jobs::{Job, JobError};
use mizan::runtime::AppState;
use mizan::server::mail::Email;
use serde::{Deserialize, Serialize};

use crate::models::contact_message::ContactMessage;

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
        let untold = ContactMessage::untold(&mut *tx).await?;
        if untold.is_empty() {
            return Ok(());
        }
        let subjects = untold
            .iter()
            .take(SUBJECTS_LISTED)
            .map(|message| format!("- {}", message.subject))
            .collect::<Vec<_>>()
            .join("\n");
        let more = untold.len().saturating_sub(SUBJECTS_LISTED);
        for to in mizan::auth::users::staff_emails(&mut *tx).await? {
            let mail = Email {
                to,
                subject: format!("{} new contact message(s)", untold.len()),
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
        for message in &untold {
            ContactMessage::mark_told(&mut *tx, &message.id).await?;
        }
        tx.commit().await?;
        state.jobs.wake();
        Ok(())
    }
}
