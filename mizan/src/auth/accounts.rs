//! The account flows behind the app's server functions and forms: sign-up, sign-in and
//! sign-out; email verification; password reset and change; email change.
//!
//! Every link we mail carries a single-use token ([`super::tokens`]); every flow that
//! mails is rate-limited, per client address ([`crate::server::client`]) whatever the
//! request's headers. A password-reset request never says whether an email has an
//! account. Sign-up says an address is taken when it signs new accounts in at once
//! (people need to know), and every answer that could say so counts toward a per-client
//! limit; with `MIZAN_REQUIRE_VERIFIED_EMAIL` it answers alike for taken and new
//! addresses and tells the address's owner instead.

use axum::http::header::SET_COOKIE;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use super::tokens::{self, Purpose};
use super::user_sessions::{self, Origin};
use super::{
    CurrentUser, NewPassword, SessionInfo, SignIn, current_user, known_browsers, notices, password,
    second_factor, session, users,
};
use crate::error::AppError;
use crate::jobs::{Job, JobError};
use crate::runtime::{AppState, state};
use crate::server::client;
use crate::server::mail::Email;

/// The one answer to a failed sign-in, whichever part was wrong (no account enumeration).
fn wrong_credentials() -> AppError {
    AppError::field("form", "the email or the password is wrong")
}

/// This request's session.
pub(super) async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract().await.map_err(AppError::internal)
}

/// The answer to a sign-up with an address that has an account.
fn email_taken() -> AppError {
    AppError::field("email", "an account with this email already exists")
}

/// The sign-up form's server check of `email`: counted toward the per-client limit of
/// sign-up checks (it may say an address has an account), then refused when taken, unless
/// sign-ups wait for verification (`MIZAN_REQUIRE_VERIFIED_EMAIL`): then nothing is said.
///
/// # Errors
/// [`AppError::RateLimited`]; [`AppError::Validation`] for a taken address;
/// [`AppError::Internal`].
pub async fn check_sign_up_email(email: &str) -> Result<(), AppError> {
    let state = state()?;
    count_sign_up(&state).await?;
    if !state.config.require_verified_email && users::email_taken(&state.db, email.trim()).await? {
        return Err(email_taken());
    }
    Ok(())
}

async fn count_sign_up(state: &AppState) -> Result<(), AppError> {
    state
        .account_limits
        .sign_ups_per_client
        .check(&client::current()?.to_string())
        .await
}

/// Creates an account and mails it a link to verify its email. The new account is
/// signed in and returned, unless accounts must verify first
/// (`MIZAN_REQUIRE_VERIFIED_EMAIL`): then the answer is `None`, the same for an address
/// that has an account, whose owner is mailed instead.
///
/// # Errors
/// [`AppError::Validation`] for a taken email (when accounts need not verify first);
/// [`AppError::RateLimited`]; [`AppError::Internal`].
pub async fn sign_up(
    email: &str,
    password: NewPassword,
    name: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let state = state()?;
    count_sign_up(&state).await?;
    let email = email.trim();
    // Hashed whatever follows: a taken address answers after the same work.
    let password_hash = password::hash(password.into_inner()).await?;
    let created = users::create(
        &state.db,
        users::NewUser {
            email,
            name: name.trim(),
            password_hash: &password_hash,
            is_staff: false,
            is_superuser: false,
            email_verified: false,
        },
    )
    .await;
    let verify_first = state.config.require_verified_email;
    let user = match created {
        Ok(user) => user,
        Err(AppError::Validation { .. }) if verify_first => {
            notices::notify(&state, sign_up_attempt_notice(email)).await?;
            return Ok(None);
        }
        Err(AppError::Validation { .. }) => return Err(email_taken()),
        Err(other) => return Err(other),
    };
    mail_verification(&state, &user).await?;
    if verify_first {
        return Ok(None);
    }
    sign_in_here(&state, &user.id, 0, &Origin::current()).await?;
    Ok(Some(user))
}

/// Signs this request's session in as `user_id` from `origin` ([`session::log_in`]), and
/// gives the browser its id cookie (new, or renewed).
pub(super) async fn sign_in_here(
    state: &AppState,
    user_id: &str,
    version: i64,
    origin: &Origin,
) -> Result<(), AppError> {
    let session = request_session().await?;
    let cookie = session::log_in(&session, state, user_id, version, origin).await?;
    if let (Some(cookie), Some(response)) = (cookie, use_context::<ResponseOptions>()) {
        response.append_header(SET_COOKIE, cookie);
    }
    Ok(())
}

/// The mail to the owner of an address someone tried to sign up with.
fn sign_up_attempt_notice(email: &str) -> Email {
    Email {
        to: email.to_owned(),
        subject: "Someone tried to sign up with your address".into(),
        body: "Hello,\n\nSomeone (we hope you) tried to sign up with this address, which \
               already has an account. If it was you, log in instead; if you forgot your \
               password, reset it from the login page. If it was not you, ignore this \
               message: nothing changed.\n"
            .into(),
    }
}

/// Signs in with email and password, under a new session id; for an account with
/// two-factor sign-in (unless this browser is remembered), only half-way: the answer
/// says so, and [`super::second_factor::complete`] finishes.
///
/// Unknown emails, wrong passwords and deactivated accounts get the same answer after
/// the same work. Attempts are limited per client address and per account. With
/// `MIZAN_REQUIRE_VERIFIED_EMAIL`, an unverified account is told to verify first.
///
/// # Errors
/// [`AppError::RateLimited`], [`AppError::Validation`] (wrong credentials, unverified
/// email), or [`AppError::Internal`].
pub async fn log_in(email: &str, password: String) -> Result<SignIn, AppError> {
    let state = state()?;
    state.login_limiter.check(client::current()?, email).await?;

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
        // No new link from here: whoever made the account knows its password, and must
        // not be able to mail the address's owner links to click. The owner, having lost
        // the link, resets the password: that proves the address too.
        return Err(AppError::field(
            "form",
            "confirm your email address first: use the link we mailed you, or reset your \
             password (that confirms it too)",
        ));
    }
    let origin = Origin::current();
    if second_factor::needed(&state, &record.user.id, &origin).await? {
        let session = request_session().await?;
        let first = second_factor::FirstStep::Password;
        second_factor::ask(&session, &record.user.id, record.auth_version, first).await?;
        return Ok(SignIn::SecondFactor);
    }
    users::touch_last_login(&state.db, &record.user.id).await?;
    sign_in_here(&state, &record.user.id, record.auth_version, &origin).await?;
    Ok(SignIn::SignedIn { user: record.user })
}

/// Signs out: the session is deleted and its cookie cleared.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn log_out() -> Result<(), AppError> {
    session::log_out(&request_session().await?, &state()?).await
}

/// The signed-in sessions of `user`, the most recently used first, this one marked.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn sessions(user: &CurrentUser) -> Result<Vec<SessionInfo>, AppError> {
    let current = current_handle().await?;
    user_sessions::list(&state()?.db, &user.id, &current).await
}

/// Ends one of `user`'s sessions (signed out wherever it is, its sockets closed). Ending
/// this one signs out.
///
/// # Errors
/// [`AppError::NotFound`] when `user` has no session `id`; [`AppError::Internal`].
pub async fn end_session(user: &CurrentUser, id: &str) -> Result<(), AppError> {
    if id == current_handle().await? {
        return log_out().await;
    }
    let state = state()?;
    user_sessions::end(&state.db, &user.id, id).await?;
    session::rows_ended(&[id.to_owned()], &state).await;
    // Its browser may have been remembered for two-factor sign-in: none is now.
    known_browsers::forget_skips(&state.db, &user.id).await?;
    Ok(())
}

/// Ends every session of `user` but this one; returns how many ended.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn end_other_sessions(user: &CurrentUser) -> Result<usize, AppError> {
    let state = state()?;
    let ended = user_sessions::end_others(&state.db, &user.id, &current_handle().await?).await?;
    session::rows_ended(&ended, &state).await;
    known_browsers::forget_skips(&state.db, &user.id).await?;
    Ok(ended.len())
}

/// The handle of this request's signed-in session.
async fn current_handle() -> Result<String, AppError> {
    super::guard::current_session_handle()
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// The link of a `purpose` token: the app's page for it on this site.
fn link(state: &AppState, purpose: Purpose, token: &str) -> Result<String, AppError> {
    let pages = state.account_pages()?;
    let path = match purpose {
        Purpose::VerifyEmail => pages.verify_email,
        Purpose::ResetPassword => pages.reset_password,
        Purpose::ChangeEmail => pages.confirm_email,
        Purpose::KeepAccount => pages.keep_account,
    };
    Ok(format!("{}{path}?token={token}", state.config.site_url))
}

/// A mail that carries a single-use link: the page it opens, and the words around it.
struct LinkWords {
    subject: &'static str,
    before: String,
    after: &'static str,
}

/// The words of the mail that carries a `purpose` link.
fn link_words(state: &AppState, purpose: Purpose) -> LinkWords {
    match purpose {
        Purpose::VerifyEmail => LinkWords {
            subject: "Confirm your email address",
            before: "Confirm that this address is yours by opening this link (it works once, \
                     for 24 hours):"
                .into(),
            after: "If you did not sign up, ignore this message.",
        },
        Purpose::ResetPassword => LinkWords {
            subject: "Reset your password",
            before: "Someone (we hope you) asked to reset the password of your account. \
                     Choose a new one here (the link works once, for an hour):"
                .into(),
            after: "Setting it signs you out everywhere. If you did not ask, ignore this \
                    message: your password stays as it is.",
        },
        Purpose::ChangeEmail => LinkWords {
            subject: "Confirm your new email address",
            before: "Open this link to use this address for your account from now on (it \
                     works once, for 24 hours):"
                .into(),
            after: "If you did not ask for it, ignore this message.",
        },
        Purpose::KeepAccount => LinkWords {
            subject: "Your account will be deleted",
            before: format!(
                "Your account was asked to be deleted. In {} days it goes, with everything \
                 in it, and cannot come back. To keep it, open this link before then:",
                state.config.deletion_grace.as_secs() / (24 * 60 * 60)
            ),
            after: "If you did not ask for this, keep the account, then change your password: \
                    someone else knows it.",
        },
    }
}

/// The job that mails a single-use link. It carries no secret: the token is issued when
/// the mail is sent (each attempt issues a new one, which voids the one before), so the
/// queue never holds a working link.
///
/// Links are voided when the account's password or address changes
/// ([`users::set_password`], [`users::set_verified_email`]); the job carries both as they
/// were when it was queued, and a job that outlived them sends nothing.
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
    /// The account as it was when the mail was asked for (jobs queued before it was
    /// carried have none, and send nothing).
    #[serde(default)]
    pub issued_for: Option<LinkIssuedFor>,
}

/// What an account's links are valid for: its session version and its address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkIssuedFor {
    /// The account's session version (it moves with every password change).
    pub auth_version: i64,
    /// The account's address.
    pub email: String,
}

impl LinkIssuedFor {
    /// What `user_id`'s links are valid for now, read from the database (`None`: the
    /// account is gone or deactivated).
    async fn now(pool: &sqlx::AnyPool, user_id: &str) -> Result<Option<Self>, AppError> {
        let state = users::link_state(pool, user_id).await?;
        Ok(state.map(|(email, auth_version)| Self {
            auth_version,
            email,
        }))
    }
}

crate::job!(MailLink);

impl Job for MailLink {
    const KIND: &'static str = "mizan.mail_link";
    /// Links expire within a day: so do their mails' attempts.
    const MAX_ATTEMPTS: u32 = 16;

    async fn run(self, state: AppState) -> Result<(), JobError> {
        let Some(user) = users::find_active(&state.db, &self.user_id).await? else {
            // The account is gone or deactivated: nothing to send.
            return Ok(());
        };
        if self.voided(&state).await? {
            tracing::info!(purpose = ?self.purpose, "link voided while its mail waited: not sent");
            return Ok(());
        }
        let token = tokens::issue(
            &state.db,
            &state.tokens,
            &user.id,
            self.purpose,
            self.new_email.as_deref(),
        )
        .await?;
        // Checked again now that the token exists: links voided meanwhile took it with
        // them, or took nothing and are seen here.
        if self.voided(&state).await? {
            tokens::revoke(&state.db, &token).await?;
            return Ok(());
        }
        send_link(&state, &user, &self.to, self.purpose, &token).await
    }
}

impl MailLink {
    /// Whether the link must not go (any more). Links are voided by a new password or
    /// address, except the one that keeps an account its owner asked to delete: it warns
    /// of the deletion, which a changed password must not hide, and goes while the
    /// deletion stands.
    async fn voided(&self, state: &AppState) -> Result<bool, AppError> {
        if self.purpose == Purpose::KeepAccount {
            return Ok(!super::deletion::is_scheduled(&state.db, &self.user_id).await?);
        }
        let Some(issued_for) = &self.issued_for else {
            return Ok(true);
        };
        Ok(LinkIssuedFor::now(&state.db, &self.user_id).await?.as_ref() != Some(issued_for))
    }
}

/// Sends `to` the mail that carries the link of `token`, a `purpose` token of `user`.
async fn send_link(
    state: &AppState,
    user: &CurrentUser,
    to: &str,
    purpose: Purpose,
    token: &str,
) -> Result<(), JobError> {
    let words = link_words(state, purpose);
    let email = Email {
        to: to.to_owned(),
        subject: words.subject.into(),
        body: format!(
            "Hello {},\n\n{}\n\n{}\n\n{}\n",
            user.name,
            words.before,
            link(state, purpose, token)?,
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
    let job = link_mail(state, user, to, purpose, new_email).await?;
    state.jobs.enqueue(&job).await.map(|_| ())
}

/// The job that mails a `purpose` link for `user` to `to`, to enqueue.
pub(crate) async fn link_mail(
    state: &AppState,
    user: &CurrentUser,
    to: &str,
    purpose: Purpose,
    new_email: Option<&str>,
) -> Result<MailLink, AppError> {
    Ok(MailLink {
        user_id: user.id.clone(),
        to: to.to_owned(),
        purpose,
        new_email: new_email.map(str::to_owned),
        issued_for: LinkIssuedFor::now(&state.db, &user.id).await?,
    })
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
    let (state, redeemed, me) = redeem(token, Purpose::VerifyEmail).await?;
    users::mark_email_verified(&state.db, &redeemed.user_id).await?;
    super::forget_current_user().await;
    // Confirmed from a browser that is not signed in to the account: the address's owner
    // may be confirming an account someone else made with it. They hear what it has.
    if me.is_none()
        && let Some(user) = users::find_active(&state.db, &redeemed.user_id).await?
    {
        let notice = confirmed_notice(&state, &user).await?;
        state.jobs.enqueue(&notice).await?;
    }
    Ok(())
}

/// The mail that tells an address's owner it now confirms `user`'s account, and what
/// that account already has: whoever made it keeps what they set up until the owner
/// acts.
async fn confirmed_notice(state: &AppState, user: &CurrentUser) -> Result<Email, AppError> {
    let (hash, _) = users::credentials(&state.db, &user.id).await?;
    let providers = super::oauth::login_methods(state, user)
        .await?
        .providers
        .into_iter()
        .filter(|p| p.connected)
        .map(|p| p.label)
        .collect::<Vec<_>>();
    let mut has = Vec::new();
    if !hash.is_empty() {
        has.push("has a password".to_owned());
    }
    if !providers.is_empty() {
        has.push(format!("signs in with {}", providers.join(", ")));
    }
    let has = if has.is_empty() {
        "has no way to sign in yet".to_owned()
    } else {
        has.join(" and ")
    };
    Ok(Email {
        to: user.email.clone(),
        subject: "Your email address was confirmed".into(),
        body: format!(
            "Hello {},\n\nThis address now confirms an account, which {has}.\n\n\
             If you did not create this account, someone else did with your address: reset \
             its password from the login page to set your own, which signs everyone else \
             out, then remove any sign-in provider you do not know on your account page.\n",
            user.name
        ),
    })
}

/// Redeems `token` for `purpose` on behalf of whoever is signed in (if anyone: it must be
/// theirs). Returns the state, the token's contents and the signed-in user.
pub(crate) async fn redeem(
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
    state
        .account_limits
        .reset_requests_per_client
        .check(&client::current()?.to_string())
        .await?;
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

crate::job!(ResetLink);

impl Job for ResetLink {
    const KIND: &'static str = "mizan.reset_link";

    async fn run(self, state: AppState) -> Result<(), JobError> {
        let Some(user) = users::find_by_email(&state.db, &self.email).await? else {
            return Ok(());
        };
        let token = tokens::issue(
            &state.db,
            &state.tokens,
            &user.id,
            Purpose::ResetPassword,
            None,
        )
        .await?;
        send_link(&state, &user, &user.email, Purpose::ResetPassword, &token).await
    }
}

/// Sets a new password with the token of a reset link. Every session of the account
/// ends; its email counts as verified (the link reached it).
///
/// # Errors
/// [`tokens::invalid`] (400); [`AppError::Forbidden`] for another account's token while
/// signed in; [`AppError::Internal`].
pub async fn reset_password(token: &str, password: NewPassword) -> Result<(), AppError> {
    let (state, redeemed, me) = redeem(token, Purpose::ResetPassword).await?;
    let hash = password::hash(password.into_inner()).await?;
    // The link proved the mailbox: whatever someone linked to the account before its
    // address was proven goes, with their password and sessions.
    super::oauth::unlink_unproven(&state.db, &redeemed.user_id).await?;
    users::set_password(&state.db, &redeemed.user_id, &hash).await?;
    known_browsers::forget_skips(&state.db, &redeemed.user_id).await?;
    sessions_ended(&state, &redeemed.user_id).await;
    users::mark_email_verified(&state.db, &redeemed.user_id).await?;
    super::forget_current_user().await;
    if me.is_some() {
        session::log_out(&request_session().await?, &state).await?;
    }
    if let Some(user) = users::find_active(&state.db, &redeemed.user_id).await? {
        notices::password_changed(&state, &user).await;
    }
    Ok(())
}

/// Checks `password` against the signed-in user's (accounts without one need none), under
/// the sign-in limits.
pub(super) async fn confirm_password(
    state: &AppState,
    user: &CurrentUser,
    password: Option<String>,
    field: &str,
) -> Result<(), AppError> {
    let (hash, _) = users::credentials(&state.db, &user.id).await?;
    if hash.is_empty() {
        return Ok(());
    }
    check_password(state, user, hash, password, field).await
}

/// Checks `password` against `hash`, the signed-in user's (never empty), under the
/// sign-in limits; a wrong one is refused on `field`.
pub(super) async fn check_password(
    state: &AppState,
    user: &CurrentUser,
    hash: String,
    password: Option<String>,
    field: &str,
) -> Result<(), AppError> {
    state
        .login_limiter
        .check(client::current()?, &user.email)
        .await?;
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
    new: NewPassword,
) -> Result<(), AppError> {
    let state = state()?;
    confirm_password(&state, user, current, "current_password").await?;
    let hash = password::hash(new.into_inner()).await?;
    let version = users::set_password(&state.db, &user.id, &hash).await?;
    known_browsers::forget_skips(&state.db, &user.id).await?;
    sessions_ended(&state, &user.id).await;
    let session = request_session().await?;
    session::renew(&session, &state, &user.id, version, &Origin::current()).await?;
    notices::password_changed(&state, user).await;
    Ok(())
}

/// Every session of `user_id` ended: their open channel connections close too, on every
/// server. (A hub that cannot publish is logged: the password change stands.)
pub(super) async fn sessions_ended(state: &AppState, user_id: &str) {
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
    // The limits come first: they also bound how often one may ask whether an address
    // is taken (per account, and per client like sign-up's checks).
    state
        .account_limits
        .email_change_mails
        .check(&user.id)
        .await?;
    count_sign_up(&state).await?;
    confirm_password(&state, user, password, "password").await?;
    let new_email = new_email.trim();
    if users::email_taken(&state.db, new_email).await? {
        if state.config.require_verified_email {
            // The same answer as for a free address; its owner hears of it.
            return notices::notify(&state, email_change_attempt_notice(new_email)).await;
        }
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

/// The mail to the owner of an address someone tried to move their account to.
fn email_change_attempt_notice(email: &str) -> Email {
    Email {
        to: email.to_owned(),
        subject: "Someone tried to use your address".into(),
        body: "Hello,\n\nSomeone asked to move their account to this address, which already \
               has an account: nothing changed. If it was you, sign in to that account \
               instead.\n"
            .into(),
    }
}

/// Moves `user`'s account to the new address of its email-change link.
///
/// # Errors
/// [`tokens::invalid`] (400); [`AppError::Forbidden`] for another account's token;
/// [`AppError::Validation`] if the address was taken since; [`AppError::Internal`].
pub async fn confirm_email_change(user: &CurrentUser, token: &str) -> Result<(), AppError> {
    // Only the account that asked confirms, signed in (`user`, from the form's guard):
    // otherwise whoever owns the new address, clicking, would prove it for someone else's
    // account, which would keep its password and providers, and take their provider
    // sign-ins later.
    let state = state()?;
    let redeemed = tokens::redeem(
        &state.db,
        &state.tokens,
        token,
        Purpose::ChangeEmail,
        Some(&user.id),
    )
    .await?;
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
