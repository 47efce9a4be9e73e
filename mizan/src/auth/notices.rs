//! The mails that tell an account's owner of a change to its security: a sign-in from a
//! browser it never used, a new password. Each is a job (stored before the request
//! answers, tried again while the mail server refuses). A notice never fails the change
//! it reports: one that cannot be queued is logged.

use time::OffsetDateTime;

use super::user_sessions::Origin;
use super::{AccountPages, CurrentUser};
use crate::error::AppError;
use crate::runtime::AppState;
use crate::server::mail::Email;

/// Mails `notice` to an address that has an account, at most a few times an hour per
/// address (past it, silently: the answer that led here must stay the same).
///
/// # Errors
/// [`AppError::Internal`] when the job cannot be stored.
pub async fn notify(state: &AppState, notice: Email) -> Result<(), AppError> {
    let address = notice.to.to_lowercase();
    if state
        .account_limits
        .notices_per_address
        .check(&address)
        .await
        .is_ok()
    {
        state.jobs.enqueue(&notice).await?;
    }
    Ok(())
}

/// The address of one of the app's account pages (`page`), or of the site when the app
/// gave none: a notice never fails for want of a link.
fn page_url(state: &AppState, page: impl FnOnce(AccountPages) -> &'static str) -> String {
    let path = state.account_pages().map_or("/", page);
    format!("{}{path}", state.config.site_url)
}

/// `at` as people read it in a mail: `2026-12-03 16:40 UTC`.
fn when(at: OffsetDateTime) -> String {
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Tells `user` their account was just signed in to from a browser it never used (at
/// most [`crate::server::rate_limit::AccountLimits::new_browser_notices`] an hour: past
/// it, someone holding the password is signing in in a loop, and the owner knows).
pub async fn new_browser(state: &AppState, user: &CurrentUser, origin: &Origin) {
    if state
        .account_limits
        .new_browser_notices
        .check(&user.id)
        .await
        .is_err()
    {
        return;
    }
    let device = super::device::describe(origin.user_agent.as_deref());
    let address = origin
        .address
        .map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string());
    let notice = Email {
        to: user.email.clone(),
        subject: "A new sign-in to your account".into(),
        body: format!(
            "Hello {},\n\nYour account was signed in to from a browser it had not used \
             before: {device}, from {address}, at {}.\n\nIf it was you, there is nothing \
             to do. If not, change your password now and end that session: {}\n",
            user.name,
            when(OffsetDateTime::now_utc()),
            page_url(state, |pages| pages.account)
        ),
    };
    queue(state, &notice).await;
}

/// Tells `user` their password was changed (or set, by a reset link). Never limited:
/// changing a password takes the old one or the mailbox.
pub async fn password_changed(state: &AppState, user: &CurrentUser) {
    let notice = Email {
        to: user.email.clone(),
        subject: "Your password was changed".into(),
        body: format!(
            "Hello {},\n\nThe password of your account was changed at {}, and its other \
             sessions have ended.\n\nIf it was not you, reset your password at once from \
             the login page: {}\n",
            user.name,
            when(OffsetDateTime::now_utc()),
            page_url(state, |pages| pages.login)
        ),
    };
    queue(state, &notice).await;
}

/// Queues `notice`; a failure is logged (the change it reports stands).
async fn queue(state: &AppState, notice: &Email) {
    if let Err(e) = state.jobs.enqueue(notice).await {
        tracing::warn!(error = %e, subject = %notice.subject, "cannot queue a security notice");
    }
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn times_read_as_utc_minutes() {
        let at = time::OffsetDateTime::from_unix_timestamp(1_796_316_607).expect("a time");
        assert_eq!(when(at), "2026-12-03 16:50 UTC");
    }
}
