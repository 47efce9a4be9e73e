//! The contact form: anyone may write; staff read the messages on `/staff`.

use mizan::FieldErrors;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::contact_message::ContactMessage;

/// A message to the site's staff.
#[derive(Debug, Clone, mizan::Form)]
#[form(
    name = "contact",
    auth = public,
    output = ContactReceipt,
    check = subject_differs_from_message,
    errors(rate_limited)
)]
pub struct ContactForm {
    /// Who writes.
    #[field(label = "Your name", length(max = 100))]
    pub name: String,
    /// Where to answer.
    #[field(label = "Email", email, help = "We answer to this address.")]
    pub email: String,
    /// What it is about.
    #[field(label = "Subject", length(min = 3, max = 120))]
    pub subject: String,
    /// The message itself.
    #[field(label = "Message", widget = "textarea", length(min = 10, max = 5000))]
    pub message: String,
    /// How urgent, from 1 to 5; empty when it can wait.
    #[field(
        label = "Urgency (1 to 5)",
        range(min = 1, max = 5),
        help = "Leave it empty if it can wait."
    )]
    pub urgency: Option<u8>,
}

/// What the sender gets back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContactReceipt {
    /// The stored message's id.
    pub id: String,
}

/// A message that only repeats its subject says nothing: a check across two fields.
fn subject_differs_from_message(form: &ContactForm) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if form
        .message
        .trim()
        .eq_ignore_ascii_case(form.subject.trim())
    {
        errors.insert("message".into(), vec!["say more than the subject".into()]);
    }
    errors
}

/// Staff: the latest contact messages, newest first.
#[mizan::server(auth = staff)]
pub async fn list_contact_messages() -> Result<Vec<ContactMessage>, mizan::AppError> {
    /// How many messages `/staff` shows.
    const LATEST: i64 = 50;
    Ok(ContactMessage::latest(&mizan::runtime::state()?.db, LATEST).await?)
}

#[cfg(feature = "ssr")]
mod handler {
    use mizan::AppError;
    use mizan::forms::{FormHandler, Submission};
    use mizan::server::rate_limit::{self, Rate};

    use super::{ContactForm, ContactReceipt};
    use crate::models::contact_message::NewContactMessage;
    use crate::showcase::jobs::{NOTIFY_STAFF_AFTER, NotifyStaff};

    /// Messages one client may send an hour: each is a row and, within a minute, mail to
    /// staff.
    const MESSAGES_PER_CLIENT: Rate = Rate::per_hour("contact-messages", 10);

    impl FormHandler for ContactForm {
        async fn on_submit(self, submission: Submission) -> Result<ContactReceipt, AppError> {
            rate_limit::per_client(&MESSAGES_PER_CLIENT).await?;
            let state = mizan::runtime::state()?;
            // The message and the job that tells staff of it are stored together.
            let mut tx = state.db.begin().await?;
            let id = NewContactMessage {
                name: &self.name,
                email: &self.email,
                subject: &self.subject,
                message: &self.message,
                urgency: self.urgency.map(i64::from),
                user_id: submission.user.as_ref().map(|user| user.id.as_str()),
            }
            .insert(&mut *tx)
            .await?;
            // Staff hear of it within a minute, with whatever else came meanwhile.
            mizan::jobs::enqueue_once_after(&mut *tx, &NotifyStaff, NOTIFY_STAFF_AFTER).await?;
            tx.commit().await?;
            state.jobs.wake();
            // The sender's cached count is out of date now. The message is stored: a cache
            // that cannot be purged (Redis down; the failure is logged) must not make the
            // sender think it was not, and the count expires within its minute anyway.
            if let Some(user) = &submission.user {
                let _ = crate::showcase::stats::my_message_count::purge(&user.id).await;
            }
            Ok(ContactReceipt { id })
        }
    }
}

#[cfg(test)]
mod tests {
    use mizan::forms::{Form, FormValues, validate};
    use serde_json::json;

    use super::*;

    fn good() -> FormValues {
        FormValues::from([
            ("name".to_owned(), "Ada".to_owned()),
            ("email".to_owned(), "ada@example.com".to_owned()),
            ("subject".to_owned(), "Engines".to_owned()),
            (
                "message".to_owned(),
                "About the analytical engine.".to_owned(),
            ),
        ])
    }

    #[test]
    fn a_good_message_passes_and_urgency_is_optional() {
        let form = validate::<ContactForm>(&good()).expect("valid");
        assert_eq!(form.urgency, None);
        let mut urgent = good();
        urgent.insert("urgency".into(), "5".into());
        assert_eq!(
            validate::<ContactForm>(&urgent).expect("valid").urgency,
            Some(5)
        );
    }

    #[test]
    fn wrong_types_and_ranges_are_field_errors() {
        for (value, message) in [
            ("high", "enter a whole number"),
            ("9", "enter a number from 1 to 5"),
            ("300", "enter a number from 1 to 5"),
            ("2.5", "enter a whole number"),
        ] {
            let mut values = good();
            values.insert("urgency".into(), value.into());
            let errors = validate::<ContactForm>(&values).expect_err(value);
            assert_eq!(errors["urgency"], [message], "{value}");
        }
    }

    #[test]
    fn a_message_that_repeats_the_subject_is_refused() {
        let mut values = good();
        values.insert("subject".into(), "Just saying hello".into());
        values.insert("message".into(), " just saying hello ".into());
        let errors = validate::<ContactForm>(&values).expect_err("repeats");
        assert_eq!(errors["message"], ["say more than the subject"]);
    }

    #[test]
    fn the_schema_describes_every_field_and_rule() {
        let schema = serde_json::to_value(ContactForm::schema()).expect("encode");
        assert_eq!(
            schema,
            json!({
                "name": "contact",
                "fields": [
                    {"name": "name", "type": "text", "label": "Your name", "required": true,
                     "rules": [{"rule": "length", "max": 100}]},
                    {"name": "email", "type": "email", "label": "Email",
                     "help": "We answer to this address.", "required": true,
                     "rules": [{"rule": "email"}]},
                    {"name": "subject", "type": "text", "label": "Subject", "required": true,
                     "rules": [{"rule": "length", "min": 3, "max": 120}]},
                    {"name": "message", "type": "textarea", "label": "Message", "required": true,
                     "rules": [{"rule": "length", "min": 10, "max": 5000}]},
                    {"name": "urgency", "type": "integer", "label": "Urgency (1 to 5)",
                     "help": "Leave it empty if it can wait.", "required": false,
                     "rules": [{"rule": "range", "min": 1, "max": 5}]}
                ]
            })
        );
    }
}
