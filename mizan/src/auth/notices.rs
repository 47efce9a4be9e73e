//! The mails that tell an account's owner of a change to its security: a sign-in from a
//! browser it never used, a new password, a change to two-factor sign-in, a right
//! password with a wrong code. Each is a job (stored before the request answers, tried
//! again while the mail server refuses). A notice never fails the change it reports: one
//! that cannot be queued is logged.

use time::OffsetDateTime;

use super::second_factor::FirstStep;
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
    let limit = &state.account_limits.new_browser_notices;
    if limit.check(&user.id).await.is_err() {
        return;
    }
    let notice = Email {
        to: user.email.clone(),
        subject: "A new sign-in to your account".into(),
        body: format!(
            "Hello {},\n\nYour account was signed in to from a browser it had not used \
             before: {}.\n\nIf it was you, there is nothing to do. If not, change your \
             password now and end that session: {}\n",
            user.name,
            from_where(origin),
            page_url(state, |pages| pages.account)
        ),
    };
    queue(state, &notice).await;
}

/// Where and when a request from `origin` came, as a mail says it: `Firefox on Linux,
/// from 192.0.2.7, at 2026-12-03 16:40 UTC`.
fn from_where(origin: &Origin) -> String {
    let device = super::device::describe(origin.user_agent.as_deref());
    let address = origin
        .address
        .map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string());
    format!(
        "{device}, from {address}, at {}",
        when(OffsetDateTime::now_utc())
    )
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

/// Tells `user` that a sign-in from `origin` got past `first_step` (their password, or
/// a sign-in provider) and then gave a wrong code (at most
/// [`crate::server::rate_limit::AccountLimits::second_factor_notices`] an hour): someone
/// may have their password, or their provider account.
pub async fn wrong_second_factor(
    state: &AppState,
    user: &CurrentUser,
    origin: &Origin,
    first_step: FirstStep,
) {
    let limit = &state.account_limits.second_factor_notices;
    if limit.check(&user.id).await.is_err() {
        return;
    }
    let (subject, with, known) = match first_step {
        FirstStep::Password => (
            "Your password was used with a wrong code",
            "its password",
            "your password is known: change it now",
        ),
        FirstStep::Provider => (
            "A provider sign-in came with a wrong code",
            "a sign-in provider",
            "your account at that provider may be in other hands: secure it, and look at \
             your account",
        ),
    };
    let notice = Email {
        to: user.email.clone(),
        subject: subject.into(),
        body: format!(
            "Hello {},\n\nSomeone signed in to your account with {with}, then gave a wrong \
             two-factor code: {}.\n\nIf it was not you, {known}: {}\n",
            user.name,
            from_where(origin),
            page_url(state, |pages| pages.account)
        ),
    };
    queue(state, &notice).await;
}

/// A change to an account's two-factor sign-in, as its mail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoFactorChange {
    /// It was turned on.
    TurnedOn,
    /// It was turned off.
    TurnedOff,
    /// New recovery codes replaced the old ones.
    NewRecoveryCodes,
    /// A recovery code signed in (`left` remain).
    RecoveryCodeUsed {
        /// How many unused codes remain.
        left: u32,
    },
}

/// Tells `user` of a change to their two-factor sign-in. Never limited: each change takes
/// a signed-in session and a password or code.
pub async fn two_factor_changed(state: &AppState, user: &CurrentUser, change: TwoFactorChange) {
    let (subject, what) = match change {
        TwoFactorChange::TurnedOn => (
            "Two-factor sign-in is on",
            "Two-factor sign-in was turned on for your account".to_owned(),
        ),
        TwoFactorChange::TurnedOff => (
            "Two-factor sign-in is off",
            "Two-factor sign-in was turned off for your account".to_owned(),
        ),
        TwoFactorChange::NewRecoveryCodes => (
            "New recovery codes",
            "New recovery codes were made for your account (the old ones no longer work)"
                .to_owned(),
        ),
        TwoFactorChange::RecoveryCodeUsed { left } => (
            "A recovery code was used",
            format!("A recovery code signed in to your account ({left} left)"),
        ),
    };
    let notice = Email {
        to: user.email.clone(),
        subject: subject.into(),
        body: format!(
            "Hello {},\n\n{what} at {}.\n\nIf it was not you, reset your password at once \
             from the login page, then look at your account's sessions and two-factor \
             sign-in: {}\n",
            user.name,
            when(OffsetDateTime::now_utc()),
            page_url(state, |pages| pages.account)
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
