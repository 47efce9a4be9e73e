//! Mail: the messages of account flows (verification, password reset), sent by SMTP
//! (`SMTP_URL`, with TLS) or, in development, written to the log and kept for the
//! `/dev/mailbox` page so that their links can be followed locally.
//!
//! Every message is a background job ([`Email`] is a [`Job`]): it is stored before the
//! request that asked for it answers, and sent by a worker, again and again while the
//! SMTP server refuses it (a backoff that doubles up to an hour, for about a day).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::jobs::{Job, JobError, Permanent};
use crate::runtime::AppState;

/// One message, and the job that sends it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// How many messages the development mailbox keeps (the oldest go first).
const MAILBOX_SIZE: usize = 50;

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server.
    Smtp {
        /// The connection pool to it.
        transport: Arc<AsyncSmtpTransport<Tokio1Executor>>,
        /// Our sender address.
        from: Mailbox,
    },
    /// Development: the log and the `/dev/mailbox` page.
    Mailbox(Arc<Mutex<VecDeque<Email>>>),
    /// Production without `SMTP_URL`: nothing is sent, and the log says so (without the
    /// message, which holds secret links).
    Disabled,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Smtp { .. } => "Mailer::Smtp",
            Self::Mailbox(_) => "Mailer::Mailbox",
            Self::Disabled => "Mailer::Disabled",
        })
    }
}

/// Why the mailer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// `SMTP_URL` could not be used.
    #[error("SMTP_URL: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// `MAIL_FROM` is not an address.
    #[error("MAIL_FROM is not an address like `Name <name@example.com>`: {0}")]
    From(#[from] lettre::address::AddressError),
}

impl Mailer {
    /// The mailer the settings ask for.
    ///
    /// # Errors
    /// [`MailerError`] for an unusable `SMTP_URL` or `MAIL_FROM`.
    pub fn from_config(config: &Config) -> Result<Self, MailerError> {
        match &config.smtp_url {
            Some(url) => Ok(Self::Smtp {
                transport: Arc::new(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())?.build(),
                ),
                from: config.mail_from.parse()?,
            }),
            None if config.environment.is_production() => Ok(Self::Disabled),
            None => Ok(Self::Mailbox(Arc::default())),
        }
    }

    /// Sends `email` now: hands it to the SMTP server, keeps it in the development
    /// mailbox, or (production without `SMTP_URL`) logs that it is not sent.
    ///
    /// # Errors
    /// [`SendError`] when the message cannot be made or the SMTP server cannot be
    /// reached or refuses it.
    pub async fn send(&self, email: Email) -> Result<(), SendError> {
        match self {
            Self::Smtp { transport, from } => smtp_send(transport, from.clone(), email).await,
            Self::Mailbox(mailbox) => {
                tracing::info!(
                    to = %email.to,
                    subject = %email.subject,
                    "mail (development: see /dev/mailbox)\n{}",
                    email.body
                );
                let mut mailbox = mailbox.lock().unwrap_or_else(|e| e.into_inner());
                mailbox.push_back(email);
                while mailbox.len() > MAILBOX_SIZE {
                    mailbox.pop_front();
                }
                Ok(())
            }
            Self::Disabled => {
                tracing::warn!(subject = %email.subject, "mail not sent: set SMTP_URL");
                Ok(())
            }
        }
    }

    /// The development mailbox's messages, newest first (empty for other mailers).
    pub fn messages(&self) -> Vec<Email> {
        match self {
            Self::Mailbox(mailbox) => mailbox
                .lock()
                .map(|m| m.iter().rev().cloned().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

crate::job!(Email);

impl Job for Email {
    const KIND: &'static str = "mizan.mail";
    /// With the backoff doubling up to an hour: tried for about a day.
    const MAX_ATTEMPTS: u32 = 36;

    async fn run(self, state: AppState) -> Result<(), JobError> {
        send_now(&state, self).await
    }
}

/// Sends `email` from a job: a refusal the SMTP server says is for good (5xx), or a
/// message that cannot be made, is [`Permanent`] (no retry can mend it).
///
/// # Errors
/// The [`SendError`], as a job error.
pub async fn send_now(state: &AppState, email: Email) -> Result<(), JobError> {
    match state.mailer.send(email).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_permanent() => Err(Box::new(Permanent(Box::new(e)))),
        Err(e) => Err(Box::new(e)),
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The recipient is not an address.
    #[error("the recipient is not an address: {0}")]
    Address(#[from] lettre::address::AddressError),
    /// The message could not be made.
    #[error("the message cannot be made: {0}")]
    Message(#[from] lettre::error::Error),
    /// The SMTP server could not be reached, or refused the message.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

impl SendError {
    /// Whether trying again cannot help: a bad address or message, or a permanent (5xx)
    /// refusal.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Address(_) | Self::Message(_) => true,
            Self::Smtp(e) => e.is_permanent(),
        }
    }
}

/// Hands `email` to the SMTP server.
async fn smtp_send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    email: Email,
) -> Result<(), SendError> {
    let to: Mailbox = email.to.parse()?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(&email.subject)
        .body(email.body)?;
    transport.send(message).await?;
    tracing::info!(subject = %email.subject, "mail sent");
    Ok(())
}

/// `GET /dev/mailbox` (development only): the messages sent, newest first, links live.
pub fn routes<S>() -> Router<S>
where
    Mailer: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(crate::routes::MAILBOX, get(mailbox))
}

async fn mailbox(State(mailer): State<Mailer>) -> Response {
    if !matches!(mailer, Mailer::Mailbox(_)) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\"><title>Mailbox · Mizan (development)</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}\
         article{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}\
         pre{white-space:pre-wrap}</style></head><body><h1>Mailbox</h1>\
         <p>Development only: every message the server sent, newest first.</p>",
    );
    let messages = mailer.messages();
    if messages.is_empty() {
        html.push_str("<p>No mail yet.</p>");
    }
    for email in messages {
        html.push_str(&format!(
            "<article><h2>{}</h2><p>To: {}</p><pre>{}</pre></article>",
            escape(&email.subject),
            escape(&email.to),
            linked(&escape(&email.body)),
        ));
    }
    html.push_str("</body></html>");
    Html(html).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escaped text with its `http…` words made into links.
fn linked(escaped: &str) -> String {
    escaped
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                format!(
                    "<a href=\"{trimmed}\">{trimmed}</a>{}",
                    &word[trimmed.len()..]
                )
            } else {
                word.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_a_body_become_anchors_and_markup_is_escaped() {
        let body = escape("Click http://a.example/x?token=1&b=2 now <b>");
        assert_eq!(
            linked(&body),
            "Click <a href=\"http://a.example/x?token=1&amp;b=2\">http://a.example/x?token=1&amp;b=2</a> now &lt;b&gt;"
        );
    }

    #[tokio::test]
    async fn the_mailbox_keeps_the_newest_messages() {
        let mailer = Mailer::Mailbox(Arc::default());
        for n in 0..(MAILBOX_SIZE + 5) {
            let email = Email {
                to: "a@example.com".into(),
                subject: format!("#{n}"),
                body: String::new(),
            };
            mailer.send(email).await.expect("the mailbox keeps it");
        }
        let messages = mailer.messages();
        assert_eq!(messages.len(), MAILBOX_SIZE);
        assert_eq!(messages[0].subject, format!("#{}", MAILBOX_SIZE + 4));
    }
}
