//! The account flows behind the app's server functions and forms: sign-up, sign-in and
//! sign-out; email verification; password reset and change; email change.
//!
//! Every link we mail carries a single-use token ([`super::tokens`]); every flow that
//! mails is rate-limited. A password-reset request never says whether an email has an
//! account; sign-up does say an email is taken (people need to know), limited per client.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use tower_sessions::Session;

use super::tokens::{self, Purpose};
use super::{CurrentUser, current_user, password, session, users};
use crate::error::AppError;
use crate::jobs::{Job, JobError};
use crate::runtime::{AppState, state};
use crate::server::mail::Email;

/// The one answer to a failed sign-in, whichever part was wrong (no account enumeration).
fn wrong_credentials() -> AppError {
    AppError::field("form", "the email or the password is wrong")
}

async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract().await.map_err(AppError::internal)
}

/// Creates an account from a valid sign-up form, signs it in, and mails it a link to
/// verify its email.
///
/// # Errors
/// [`AppError::Validation`] for a taken email; [`AppError::Internal`].
pub async fn sign_up(email: &str, password: String, name: &str) -> Result<CurrentUser, AppError> {
    let state = state()?;
    if let Some(client) = client_ip(state.config.behind_proxy).await {
        state
            .account_limits
            .sign_ups_per_client
            .check(&client.to_string())
            .await?;
    }
    let password_hash = password::hash(password).await?;
    let user = users::create(
        &state.db,
        users::NewUser {
            email: email.trim(),
            name: name.trim(),
            password_hash: &password_hash,
            is_staff: false,
            is_superuser: false,
            email_verified: false,
        },
    )
    .await?;
    session::log_in(&request_session().await?, &state, &user.id, 0).await?;
    mail_verification(&state, &user).await?;
    Ok(user)
}

/// Signs in with email and password, under a new session id.
///
/// Unknown emails, wrong passwords and deactivated accounts get the same answer after
/// the same work. Attempts are limited per client address and per account. With
/// `MIZAN_REQUIRE_VERIFIED_EMAIL`, an unverified account is told to verify first.
///
/// # Errors
/// [`AppError::RateLimited`], [`AppError::Validation`] (wrong credentials, unverified
/// email), or [`AppError::Internal`].
pub async fn log_in(email: &str, password: String) -> Result<CurrentUser, AppError> {
    let state = state()?;
    let client = client_ip(state.config.behind_proxy).await;
    state.login_limiter.check(client, email).await?;

    let record = users::find_for_login(&state.db, email.trim()).await?;
    // Accounts without a password (made through a provider) never match one.
    let hash = record
        .as_ref()
        .map(|r| r.password_hash.clone())
        .filter(|hash| !hash.is_empty());
    let matches = password::verify(password, hash).await;
    let record = match record {
        Some(record) if matches && record.is_active => record,
        _ => return Err(wrong_credentials()),
    };
    if state.config.require_verified_email && !record.user.email_verified {
        return Err(AppError::field(
            "form",
            "confirm your email address first: use the link we mailed you",
        ));
    }
    users::touch_last_login(&state.db, &record.user.id).await?;
    session::log_in(
        &request_session().await?,
        &state,
        &record.user.id,
        record.auth_version,
    )
    .await?;
    Ok(record.user)
}

/// The address of the client of this server-function call (see [`client_addr`]).
async fn client_ip(behind_proxy: bool) -> Option<IpAddr> {
    let headers = if behind_proxy {
        leptos_axum::extract::<HeaderMap>().await.ok()?
    } else {
        HeaderMap::new()
    };
    let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr);
    client_addr(behind_proxy, &headers, peer)
}

/// The address of the client: the peer of the connection, or behind a proxy
/// (`MIZAN_BEHIND_PROXY`), the address the proxy appended last to `X-Forwarded-For`.
pub fn client_addr(
    behind_proxy: bool,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<IpAddr> {
    if behind_proxy {
        forwarded_for(headers)
    } else {
        peer.map(|addr| addr.ip())
    }
}

/// The last address of `X-Forwarded-For`: the one our proxy saw (earlier ones are the
/// client's to invent).
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .next_back()
        .and_then(|last| last.trim().parse().ok())
}

/// Signs out: the session is deleted and its cookie cleared.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn log_out() -> Result<(), AppError> {
    session::log_out(&request_session().await?, &state()?).await
}

/// A link to `path` on this site with `token`.
fn link(state: &AppState, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", state.config.site_url)
}

/// A mail that carries a single-use link: the page it opens, and the words around it.
struct LinkWords {
    path: &'static str,
    subject: &'static str,
    before: &'static str,
    after: &'static str,
}

/// The words of the mail that carries a `purpose` link.
fn link_words(purpose: Purpose) -> LinkWords {
    match purpose {
        Purpose::VerifyEmail => LinkWords {
            path: "/verify-email",
            subject: "Confirm your email address",
            before: "Confirm that this address is yours by opening this link (it works once, \
                     for 24 hours):",
            after: "If you did not sign up, ignore this message.",
        },
        Purpose::ResetPassword => LinkWords {
            path: "/reset-password",
            subject: "Reset your password",
            before: "Someone (we hope you) asked to reset the password of your account. \
                     Choose a new one here (the link works once, for an hour):",
            after: "Setting it signs you out everywhere. If you did not ask, ignore this \
                    message: your password stays as it is.",
        },
        Purpose::ChangeEmail => LinkWords {
            path: "/confirm-email",
            subject: "Confirm your new email address",
            before: "Open this link to use this address for your account from now on (it \
                     works once, for 24 hours):",
            after: "If you did not ask for it, ignore this message.",
        },
    }
}

/// The job that mails a single-use link. It carries no secret: the token is issued when
/// the mail is sent (each attempt issues a new one, which voids the one before), so the
/// queue never holds a working link.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MailLink {
    /// Whose account the link acts on.
    pub user_id: String,
    /// Where it goes (the account's address, or the new one of an email change).
    pub to: String,
    /// What the link does.
    pub purpose: Purpose,
    /// The address to move to, for an email change.
    pub new_email: Option<String>,
}

impl Job for MailLink {
    const KIND: &'static str = "mizan.mail_link";
    /// Links expire within a day: so do their mails' attempts.
    const MAX_ATTEMPTS: u32 = 16;

    async fn run(self, state: AppState) -> Result<(), JobError> {
        let Some(user) = users::find_active(&state.db, &self.user_id).await? else {
            // The account is gone or deactivated: nothing to send.
            return Ok(());
        };
        send_link(
            &state,
            &user,
            &self.to,
            self.purpose,
            self.new_email.as_deref(),
        )
        .await
    }
}

/// Issues a `purpose` token for `user` and sends `to` the mail that carries its link.
async fn send_link(
    state: &AppState,
    user: &CurrentUser,
    to: &str,
    purpose: Purpose,
    new_email: Option<&str>,
) -> Result<(), JobError> {
    let token = tokens::issue(&state.db, &state.tokens, &user.id, purpose, new_email).await?;
    let words = link_words(purpose);
    let email = Email {
        to: to.to_owned(),
        subject: words.subject.into(),
        body: format!(
            "Hello {},\n\n{}\n\n{}\n\n{}\n",
            user.name,
            words.before,
            link(state, words.path, &token),
            words.after
        ),
    };
    crate::server::mail::send_now(state, email).await
}

/// Enqueues the mail of a `purpose` link for `user`, to `to`.
async fn mail_link(
    state: &AppState,
    user: &CurrentUser,
    to: &str,
    purpose: Purpose,
    new_email: Option<&str>,
) -> Result<(), AppError> {
    let job = MailLink {
        user_id: user.id.clone(),
        to: to.to_owned(),
        purpose,
        new_email: new_email.map(str::to_owned),
    };
    state.jobs.enqueue(&job).await.map(|_| ())
}

async fn mail_verification(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    mail_link(state, user, &user.email, Purpose::VerifyEmail, None).await
}

/// Mails the signed-in user a new verification link (3 an hour).
///
/// # Errors
/// [`AppError::Unauthenticated`], [`AppError::BadRequest`] when the email is verified
/// already, [`AppError::RateLimited`], [`AppError::Internal`].
pub async fn resend_verification(user: &CurrentUser) -> Result<(), AppError> {
    let state = state()?;
    if user.email_verified {
        return Err(AppError::BadRequest {
            message: "your email address is verified already".into(),
        });
    }
    state
        .account_limits
        .verification_mails
        .check(&user.id)
        .await?;
    mail_verification(&state, user).await
}

/// Confirms an email address with the token of a verification link.
///
/// # Errors
/// [`tokens::invalid`] (400) for a bad, used or expired token; [`AppError::Forbidden`]
/// for another account's token while signed in; [`AppError::Internal`].
pub async fn verify_email(token: &str) -> Result<(), AppError> {
    let (state, redeemed, _) = redeem(token, Purpose::VerifyEmail).await?;
    users::mark_email_verified(&state.db, &redeemed.user_id).await?;
    super::forget_current_user().await;
    Ok(())
}

/// Redeems `token` for `purpose` on behalf of whoever is signed in (if anyone: it must be
/// theirs). Returns the state, the token's contents and the signed-in user.
async fn redeem(
    token: &str,
    purpose: Purpose,
) -> Result<(AppState, tokens::Redeemed, Option<CurrentUser>), AppError> {
    let state = state()?;
    let me = current_user().await?;
    let redeemed = tokens::redeem(
        &state.db,
        &state.tokens,
        token,
        purpose,
        me.as_ref().map(|u| u.id.as_str()),
    )
    .await?;
    Ok((state, redeemed, me))
}

/// Mails a password-reset link to `email` if an active account uses it. The answer is the
/// same either way, and as quick: the account is looked up, the token made and the mail
/// sent in the background. Limited per address and per client.
///
/// # Errors
/// [`AppError::RateLimited`]; [`AppError::Internal`].
pub async fn request_password_reset(email: &str) -> Result<(), AppError> {
    let state = state()?;
    let email = email.trim();
    if let Some(client) = client_ip(state.config.behind_proxy).await {
        state
            .account_limits
            .reset_requests_per_client
            .check(&client.to_string())
            .await?;
    }
    state
        .account_limits
        .reset_mails_per_email
        .check(&email.to_lowercase())
        .await?;
    // Stored before the answer, looked up later: the answer takes as long whether the
    // address has an account or not, and the link is mailed even if the server stops now.
    state
        .jobs
        .enqueue(&ResetLink {
            email: email.to_owned(),
        })
        .await?;
    Ok(())
}

/// The job behind a password-reset request: mails a link if the address has an account.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ResetLink {
    /// The address asked for.
    pub email: String,
}

impl Job for ResetLink {
    const KIND: &'static str = "mizan.reset_link";

    async fn run(self, state: AppState) -> Result<(), JobError> {
        let Some(user) = users::find_by_email(&state.db, &self.email).await? else {
            return Ok(());
        };
        send_link(&state, &user, &user.email, Purpose::ResetPassword, None).await
    }
}

/// Sets a new password with the token of a reset link. Every session of the account
/// ends; its email counts as verified (the link reached it).
///
/// # Errors
/// [`tokens::invalid`] (400); [`AppError::Forbidden`] for another account's token while
/// signed in; [`AppError::Internal`].
pub async fn reset_password(token: &str, password: String) -> Result<(), AppError> {
    let (state, redeemed, me) = redeem(token, Purpose::ResetPassword).await?;
    let hash = password::hash(password).await?;
    users::set_password(&state.db, &redeemed.user_id, &hash).await?;
    sessions_ended(&state, &redeemed.user_id).await;
    users::mark_email_verified(&state.db, &redeemed.user_id).await?;
    super::forget_current_user().await;
    if me.is_some() {
        session::log_out(&request_session().await?, &state).await?;
    }
    Ok(())
}

/// Checks `password` against the signed-in user's (accounts without one need none), under
/// the sign-in limits.
async fn confirm_password(
    state: &AppState,
    user: &CurrentUser,
    password: Option<String>,
    field: &str,
) -> Result<(), AppError> {
    let (hash, _) = users::credentials(&state.db, &user.id).await?;
    if hash.is_empty() {
        return Ok(());
    }
    let client = client_ip(state.config.behind_proxy).await;
    state.login_limiter.check(client, &user.email).await?;
    if password::verify(password.unwrap_or_default(), Some(hash)).await {
        Ok(())
    } else {
        Err(AppError::field(field, "this is not your current password"))
    }
}

/// Changes the signed-in user's password after checking the current one. Every other
/// session of the account ends; this one stays signed in.
///
/// # Errors
/// [`AppError::Validation`] for a wrong current password; [`AppError::RateLimited`];
/// [`AppError::Unauthenticated`]; [`AppError::Internal`].
pub async fn change_password(
    user: &CurrentUser,
    current: Option<String>,
    new: String,
) -> Result<(), AppError> {
    let state = state()?;
    confirm_password(&state, user, current, "current_password").await?;
    let hash = password::hash(new).await?;
    let version = users::set_password(&state.db, &user.id, &hash).await?;
    sessions_ended(&state, &user.id).await;
    session::log_in(&request_session().await?, &state, &user.id, version).await
}

/// Every session of `user_id` ended: their open channel connections close too, on every
/// server. (A hub that cannot publish is logged: the password change stands.)
async fn sessions_ended(state: &AppState, user_id: &str) {
    if let Err(e) = crate::channels::user_changed(&state.channels, user_id, true).await {
        tracing::warn!(error = %e, "cannot close the channels of a signed-out user");
    }
}

/// Mails a confirmation link to `new_email`; the account moves to it once the link is
/// opened. Needs the current password (when the account has one).
///
/// # Errors
/// [`AppError::Validation`] (wrong password, address taken); [`AppError::RateLimited`];
/// [`AppError::Unauthenticated`]; [`AppError::Internal`].
pub async fn request_email_change(
    user: &CurrentUser,
    new_email: &str,
    password: Option<String>,
) -> Result<(), AppError> {
    let state = state()?;
    // The limit comes first: it also bounds how often one may ask whether an address
    // is taken.
    state
        .account_limits
        .email_change_mails
        .check(&user.id)
        .await?;
    confirm_password(&state, user, password, "password").await?;
    let new_email = new_email.trim();
    if users::email_taken(&state.db, new_email).await? {
        return Err(AppError::field(
            "new_email",
            "an account with this email already exists",
        ));
    }
    mail_link(
        &state,
        user,
        new_email,
        Purpose::ChangeEmail,
        Some(new_email),
    )
    .await
}

/// Moves the account to the new address of an email-change link.
///
/// # Errors
/// [`tokens::invalid`] (400); [`AppError::Forbidden`] for another account's token while
/// signed in; [`AppError::Validation`] if the address was taken since; [`AppError::Internal`].
pub async fn confirm_email_change(token: &str) -> Result<(), AppError> {
    let (state, redeemed, _) = redeem(token, Purpose::ChangeEmail).await?;
    let new_email = redeemed.new_email.ok_or_else(tokens::invalid)?;
    let old = users::find_active(&state.db, &redeemed.user_id).await?;
    users::set_verified_email(&state.db, &redeemed.user_id, &new_email).await?;
    super::forget_current_user().await;
    // The old address hears of it: if this was not its owner, they can act.
    if let Some(old) = old {
        let notice = Email {
            to: old.email,
            subject: "Your email address was changed".into(),
            body: format!(
                "Hello {},\n\nYour account now uses {new_email}. If you did not do this, \
                 reset your password from the login page at once.\n",
                old.name
            ),
        };
        state.jobs.enqueue(&notice).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_proxy_address_is_the_last_forwarded_one() {
        let mut headers = HeaderMap::new();
        assert_eq!(forwarded_for(&headers), None);
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.0.0.7"),
        );
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        assert_eq!(
            forwarded_for(&headers),
            Some(IpAddr::from([203, 0, 113, 9]))
        );
    }
}
