//! Two-factor sign-in, the flows behind the app's functions and forms: turning it on
//! (a QR code, then a code from the app, then ten recovery codes), the second step of a
//! sign-in, new recovery codes, and turning it off.
//!
//! A sign-in whose password (or provider) was right, on an account with two-factor
//! sign-in, is not a sign-in yet: the session keeps who is half-way for
//! [`PENDING_SECONDS`], and [`complete`] signs them in once a code from their app or a
//! recovery code proves the second factor. A browser its owner asked to remember skips
//! the second step for [`REMEMBER_DAYS`] days, until two-factor sign-in or the password
//! changes, a session is ended or new recovery codes are made. Codes are single use and
//! limited per account ([`crate::server::rate_limit::AccountLimits::second_factor_codes`]:
//! codes at sign-in and codes from a signed-in session count apart, so that a stolen
//! session cannot use up the owner's sign-ins).

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::known_browsers;
use super::notices::{self, TwoFactorChange};
use super::totp;
use super::two_factor::{self, Factor};
use super::user_sessions::Origin;
use super::{CurrentUser, TwoFactorSetup, TwoFactorStatus, users};
use crate::error::AppError;
use crate::runtime::{AppState, state};
use crate::server::db::now;

/// The session key of a sign-in waiting for its second factor.
const PENDING: &str = "mizan.second_factor";

/// How long a sign-in waits for its second factor.
pub const PENDING_SECONDS: i64 = 10 * 60;

/// How long a remembered browser skips the second step.
pub const REMEMBER_DAYS: i64 = 30;

/// Wrong codes a sign-in may try before it ends (the next batch takes the password
/// again).
pub const WRONG_CODES_PER_SIGN_IN: u32 = 5;

/// What a sign-in waiting for its second factor got past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FirstStep {
    /// The account's password.
    Password,
    /// A sign-in provider.
    Provider,
}

/// A sign-in waiting for its second factor.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    user_id: String,
    auth_version: i64,
    started_at: i64,
    first_step: FirstStep,
    /// Wrong codes tried so far. (Counted in the session: requests sent at once may each
    /// read the same count; the per-account limit bounds them all the same.)
    wrong_codes: u32,
}

fn unix_now() -> u64 {
    u64::try_from(now()).unwrap_or(0)
}

/// Whether signing `user_id` in from `origin` takes a second step: two-factor sign-in is
/// on, and the browser is not one its owner asked to remember.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn needed(state: &AppState, user_id: &str, origin: &Origin) -> Result<bool, AppError> {
    if !two_factor::is_enabled(&state.db, user_id).await? {
        return Ok(false);
    }
    Ok(match &origin.browser {
        Some(browser) => !known_browsers::skips_second_factor(&state.db, user_id, browser).await?,
        None => true,
    })
}

/// Leaves `session` half-way into `user_id`'s account (at session version
/// `auth_version`), past `first_step`: [`complete`] finishes the sign-in.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn ask(
    session: &Session,
    user_id: &str,
    auth_version: i64,
    first_step: FirstStep,
) -> Result<(), AppError> {
    let pending = Pending {
        user_id: user_id.to_owned(),
        auth_version,
        started_at: now(),
        first_step,
        wrong_codes: 0,
    };
    super::session::put(session, PENDING, &pending).await
}

fn expired() -> AppError {
    AppError::field("form", "this sign-in has expired: sign in again")
}

/// Finishes the sign-in this request's session started, when `code` is a fresh code of
/// the account's app or one of its recovery codes (used up: its owner is mailed how many
/// are left). With `remember`, this browser skips the second step for [`REMEMBER_DAYS`]
/// days. A wrong code is counted: the first tells the owner that someone has their
/// password, and after [`WRONG_CODES_PER_SIGN_IN`] the sign-in ends.
///
/// # Errors
/// [`AppError::Validation`] for a wrong or used code, or no sign-in waiting (expired,
/// or its password changed since); [`AppError::RateLimited`]; [`AppError::Internal`].
pub async fn complete(code: &str, remember: bool) -> Result<CurrentUser, AppError> {
    let state = state()?;
    let session = super::accounts::request_session().await?;
    let pending: Option<Pending> = super::session::get(&session, PENDING).await?;
    let Some(pending) = pending.filter(|p| now() - p.started_at < PENDING_SECONDS) else {
        return Err(expired());
    };
    count_code(&state, &pending.user_id, Asker::SignIn).await?;
    let version = pending.auth_version;
    let user = users::find_active_at(&state.db, &pending.user_id, Some(version)).await?;
    let Some(user) = user else {
        // Reset or deactivated since the password was checked.
        super::session::take::<Pending>(&session, PENDING).await?;
        return Err(expired());
    };
    let mut origin = Origin::current();
    let accepted =
        two_factor::accept(&state.db, &state.two_factor_key, &user.id, code, unix_now()).await?;
    let Some(factor) = accepted else {
        return Err(wrong_code_at_sign_in(&state, &session, pending, &user, &origin).await?);
    };
    super::session::take::<Pending>(&session, PENDING).await?;
    if remember && origin.browser.is_none() {
        // Given its id by this sign-in, so that it can be remembered.
        origin.browser = Some(known_browsers::new_id());
    }
    users::touch_last_login(&state.db, &user.id).await?;
    super::accounts::sign_in_here(&state, &user.id, version, &origin).await?;
    if remember && let Some(browser) = &origin.browser {
        known_browsers::skip_second_factor(&state.db, &user.id, browser, REMEMBER_DAYS).await?;
    }
    if factor == Factor::RecoveryCode {
        let left = two_factor::recovery_codes_left(&state.db, &user.id).await?;
        notices::two_factor_changed(&state, &user, TwoFactorChange::RecoveryCodeUsed { left })
            .await;
    }
    Ok(user)
}

/// Counts a wrong code against the sign-in waiting on `session`: the first tells `user`
/// that their password was used, and the last ends the sign-in. Answers the error to
/// give.
async fn wrong_code_at_sign_in(
    state: &AppState,
    session: &Session,
    mut pending: Pending,
    user: &CurrentUser,
    origin: &Origin,
) -> Result<AppError, AppError> {
    pending.wrong_codes += 1;
    if pending.wrong_codes == 1 {
        notices::wrong_second_factor(state, user, origin, pending.first_step).await;
    }
    if pending.wrong_codes >= WRONG_CODES_PER_SIGN_IN {
        super::session::take::<Pending>(session, PENDING).await?;
        return Ok(AppError::field(
            "form",
            "too many wrong codes: sign in again",
        ));
    }
    super::session::put(session, PENDING, &pending).await?;
    Ok(two_factor::wrong_code())
}

/// Who is trying a code: a sign-in, or a signed-in session (turning two-factor sign-in
/// on or off, new recovery codes). Each has its own hourly count per account, so that
/// codes tried from a stolen session cannot hold the owner's sign-ins back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asker {
    SignIn,
    Session,
}

/// Counts one code tried on `user_id`'s account by `asker`. (Per client, codes at
/// sign-in are bound by the password attempts each batch of [`WRONG_CODES_PER_SIGN_IN`]
/// takes.)
async fn count_code(state: &AppState, user_id: &str, asker: Asker) -> Result<(), AppError> {
    let key = match asker {
        Asker::SignIn => format!("sign-in:{user_id}"),
        Asker::Session => format!("session:{user_id}"),
    };
    state.account_limits.second_factor_codes.check(&key).await
}

/// Whether `user` has two-factor sign-in on, and how many recovery codes are left.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn status(user: &CurrentUser) -> Result<TwoFactorStatus, AppError> {
    let state = state()?;
    Ok(TwoFactorStatus {
        enabled: two_factor::is_enabled(&state.db, &user.id).await?,
        recovery_codes_left: two_factor::recovery_codes_left(&state.db, &user.id).await?,
    })
}

/// Starts turning two-factor sign-in on for `user`: a new secret, as a QR code, a link
/// and text. Nothing changes for signing in until [`turn_on`] gets a code from it.
///
/// # Errors
/// [`AppError::BadRequest`] when it is on already; [`AppError::Internal`].
pub async fn start(user: &CurrentUser) -> Result<TwoFactorSetup, AppError> {
    let state = state()?;
    let secret = two_factor::begin(&state.db, &state.two_factor_key, &user.id).await?;
    let link = secret.link(&issuer(&state), &user.email);
    Ok(TwoFactorSetup {
        secret: secret.for_typing(),
        qr_svg: totp::qr_svg(&link)?,
        link,
    })
}

/// The name apps list the account under: the site's host.
fn issuer(state: &AppState) -> String {
    reqwest::Url::parse(&state.config.site_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| state.config.name.to_owned())
}

/// Turns two-factor sign-in on for `user` when `password` is theirs and `code` comes
/// from the secret [`start`] gave; answers the recovery codes, the one time they are
/// shown. Its owner is mailed. The password keeps someone holding only a session from
/// tying the account to their own phone; an account without one sets one first.
///
/// # Errors
/// [`AppError::Validation`] for a wrong password or code, no password, or when it was
/// not started or is on already; [`AppError::RateLimited`]; [`AppError::Internal`].
pub async fn turn_on(
    user: &CurrentUser,
    password: Option<String>,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let state = state()?;
    let (hash, _) = users::credentials(&state.db, &user.id).await?;
    if hash.is_empty() {
        return Err(AppError::field(
            "password",
            "set a password first: two-factor sign-in asks for it after the password",
        ));
    }
    if !user.email_verified {
        // Otherwise someone who signed up with another's address could keep them out of
        // it once they prove it.
        return Err(AppError::field(
            "form",
            "confirm your email address first: two-factor sign-in protects a proven address",
        ));
    }
    super::accounts::check_password(&state, user, hash, password, "password").await?;
    count_code(&state, &user.id, Asker::Session).await?;
    let codes =
        two_factor::enable(&state.db, &state.two_factor_key, &user.id, code, unix_now()).await?;
    known_browsers::forget_skips(&state.db, &user.id).await?;
    notices::two_factor_changed(&state, user, TwoFactorChange::TurnedOn).await;
    Ok(codes)
}

/// Gives `user` new recovery codes (the old ones stop working, and so does every
/// remembered browser), when `code` proves the second factor; its owner is mailed.
///
/// # Errors
/// [`AppError::Validation`] for a wrong code; [`AppError::BadRequest`] when two-factor
/// sign-in is off; [`AppError::RateLimited`]; [`AppError::Internal`].
pub async fn new_recovery_codes(user: &CurrentUser, code: &str) -> Result<Vec<String>, AppError> {
    let state = state()?;
    prove(&state, user, code).await?;
    let codes = two_factor::new_recovery_codes(&state.db, &user.id).await?;
    // Whoever used an old code may have asked to skip the step somewhere.
    known_browsers::forget_skips(&state.db, &user.id).await?;
    notices::two_factor_changed(&state, user, TwoFactorChange::NewRecoveryCodes).await;
    Ok(codes)
}

/// Turns two-factor sign-in off for `user`, when `proof` is a code of their app, their
/// password, or one of their recovery codes. Its owner is mailed.
///
/// # Errors
/// [`AppError::Validation`] (on `proof`) for anything else; [`AppError::RateLimited`];
/// [`AppError::Internal`].
pub async fn turn_off(user: &CurrentUser, proof: &str) -> Result<(), AppError> {
    let state = state()?;
    confirm_identity(&state, user, proof).await?;
    two_factor::disable(&state.db, &user.id).await?;
    known_browsers::forget_skips(&state.db, &user.id).await?;
    notices::two_factor_changed(&state, user, TwoFactorChange::TurnedOff).await;
    Ok(())
}

/// Checks that `proof` (field `proof` of a form) is `user`'s password, a fresh code of
/// their app, or one of their recovery codes (which it uses up): what a signed-in session
/// shows before a change that a stolen session must not make.
///
/// # Errors
/// [`AppError::Validation`] (on `proof`) for anything else; [`AppError::RateLimited`];
/// [`AppError::Internal`].
pub async fn confirm_identity(
    state: &AppState,
    user: &CurrentUser,
    proof: &str,
) -> Result<(), AppError> {
    // Six digits are a code of the app (no password is that short); anything else is
    // the password, or else a recovery code. Only a wrong proof is answered as one: a
    // limit or a failure passes as it is.
    let proven = if totp::normalise(proof).is_some() {
        proved(prove(state, user, proof).await)?
    } else {
        let (hash, _) = users::credentials(&state.db, &user.id).await?;
        let password = Some(proof.to_owned());
        (!hash.is_empty()
            && proved(super::accounts::check_password(state, user, hash, password, "proof").await)?)
            || (two_factor::is_recovery_code(proof) && proved(prove(state, user, proof).await)?)
    };
    if proven {
        Ok(())
    } else {
        Err(AppError::field(
            "proof",
            "this is neither your password nor a valid code",
        ))
    }
}

/// Whether a check proved what it checked: `false` for a wrong answer, the error itself
/// for anything else (a limit, a failure).
fn proved(checked: Result<(), AppError>) -> Result<bool, AppError> {
    match checked {
        Ok(()) => Ok(true),
        Err(AppError::Validation { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Checks that `code` is a fresh code of `user`'s app or one of their recovery codes
/// (which it uses up), under the limits.
async fn prove(state: &AppState, user: &CurrentUser, code: &str) -> Result<(), AppError> {
    count_code(state, &user.id, Asker::Session).await?;
    two_factor::accept(&state.db, &state.two_factor_key, &user.id, code, unix_now())
        .await?
        .map(|_| ())
        .ok_or_else(two_factor::wrong_code)
}
