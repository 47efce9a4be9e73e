//! The checks that `#[mizan::server(auth = …)]` puts at the top of every function body,
//! so they hold on the HTTP path and during SSR alike, and the request's current user that
//! they hand to the body.
//!
//! The user is resolved at most once per request: the framework's middleware puts an
//! empty [`RequestUser`] into every request, the first lookup fills it, and every later
//! one (the guard, the body, the cache scope, a form, a second resource of the same page)
//! reads it. A request without the session cookie never touches the session store.

use std::sync::Arc;

use axum::http::request::Parts;
use tokio::sync::Mutex;
use tower_sessions::Session;

use super::signed_in_cache::SignedInCache;
use super::user_sessions;
use super::{CurrentUser, Level, session, users};
use crate::error::AppError;
use crate::runtime::{AppState, state};
use crate::server::db::now;

/// The current user of one request, once resolved. Clones share the value: the copy in
/// the request's extensions, and the copies Leptos makes of them for a page render.
#[derive(Debug, Clone, Default)]
pub struct RequestUser(Arc<Mutex<Option<Option<CurrentUser>>>>);

impl RequestUser {
    /// The user, resolved with `resolve` on the first call and remembered after it.
    async fn get_or_resolve<F>(&self, resolve: F) -> Result<Option<CurrentUser>, AppError>
    where
        F: Future<Output = Result<Option<CurrentUser>, AppError>>,
    {
        // Held across the lookup: two resources of one page asking at once make one lookup.
        let mut slot = self.0.lock().await;
        if let Some(user) = &*slot {
            return Ok(user.clone());
        }
        let user = resolve.await?;
        *slot = Some(user.clone());
        Ok(user)
    }

    /// Forgets the resolved user (after a sign-in or sign-out within the request).
    async fn forget(&self) {
        *self.0.lock().await = None;
    }
}

/// The request's session and user slot, from the Leptos context of a server function or
/// a page render (no copy of the request).
fn request_handles() -> Result<(Session, Option<RequestUser>), AppError> {
    leptos_request_handles()
        .ok_or_else(|| AppError::internal("no session in this request (is the session layer on?)"))
}

/// [`request_handles`], `None` outside a Leptos request (an axum handler).
fn leptos_request_handles() -> Option<(Session, Option<RequestUser>)> {
    leptos::prelude::with_context::<Parts, _>(|parts| {
        let session = parts.extensions.get::<Session>().cloned();
        let slot = parts.extensions.get::<RequestUser>().cloned();
        session.map(|session| (session, slot))
    })
    .flatten()
}

/// The user signed in on this request's session, if any (inactive users count as
/// signed out). Resolved once per request.
///
/// # Errors
/// [`AppError::Internal`] when the session or the database fails.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    crate::cache::reading_the_caller();
    let (session, slot) = request_handles()?;
    let state = state()?;
    match slot {
        Some(slot) => slot.get_or_resolve(user_of_session(&session, &state)).await,
        None => user_of_session(&session, &state).await,
    }
}

/// The handle of this request's signed-in session on its account's sessions list
/// ([`super::user_sessions`]), if someone is signed in on it.
///
/// # Errors
/// [`AppError::Internal`] outside a request, or when the session store fails.
pub async fn current_session_handle() -> Result<Option<String>, AppError> {
    let (session, _) = request_handles()?;
    session_handle(&session, &state()?).await
}

/// The handle of `session` on its account's sessions list, if someone is signed in on
/// it: from the signed-in cache when it has the session, from the session otherwise.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn session_handle(
    session: &Session,
    state: &AppState,
) -> Result<Option<String>, AppError> {
    if let (Some(cache), Some(id)) = (state.signed_in.as_deref(), session.id())
        && let Some(remembered) = cache.get(id)
    {
        return Ok(Some(remembered.handle.to_string()));
    }
    Ok(session::signed_in(session).await?.map(|s| s.handle))
}

/// Forgets this request's resolved user, so that what the request reads afterwards is
/// read again: after it signs in or out (done for you), or changes the signed-in user's
/// record (a name, a verified email).
pub async fn forget_current_user() {
    // Outside a Leptos request (an axum handler signing someone in) there is no slot.
    if let Some((_, Some(slot))) = leptos_request_handles() {
        slot.forget().await;
    }
}

/// The active user signed in on `session`, if any (for axum handlers outside Leptos too,
/// such as WebSocket upgrades). Answered from the signed-in cache when it has the session
/// ([`super::signed_in_cache`]), read from the store otherwise. Keeps a session alive
/// while it is used (see [`session::refresh_if_due`]). With
/// `MIZAN_REQUIRE_VERIFIED_EMAIL`, an account whose email is not verified is signed in on
/// no session, however it got one.
///
/// # Errors
/// [`AppError::Internal`] when the session or the database fails.
pub async fn user_of_session(
    session: &Session,
    state: &AppState,
) -> Result<Option<CurrentUser>, AppError> {
    crate::cache::reading_the_caller();
    let cache = state.signed_in.as_deref();
    if let (Some(cache), Some(id)) = (cache, session.id())
        && let Some(remembered) = cache.get(id)
        && !session::refresh_due(remembered.refreshed_at)
    {
        return Ok(Some(remembered.user));
    }
    // The read is boxed, so the future of a remembered session stays small.
    Box::pin(read_user_of_session(session, state)).await
}

/// [`user_of_session`] when the signed-in cache does not answer: the session, then the
/// account and the session's row in one query, remembered for the next request.
async fn read_user_of_session(
    session: &Session,
    state: &AppState,
) -> Result<Option<CurrentUser>, AppError> {
    let cache = state.signed_in.as_deref();
    let generation = SignedInCache::generation();
    let Some(signed_in) = session::signed_in(session).await? else {
        return Ok(None);
    };
    state.reads.count_user_read();
    // A session signed in before the sessions list (mizan 0.2) has no row: it is signed
    // out, so that no session escapes "end all other sessions".
    if signed_in.handle.is_empty() {
        return Ok(None);
    }
    let found = users::find_signed_in(
        &state.db,
        &signed_in.user_id,
        signed_in.auth_version,
        &signed_in.handle,
    )
    .await?;
    // Not signed in: the account is not active at this version, or the session's row
    // is gone (ended from another, or by a password change). Its record expires alone.
    let Some((user, last_seen)) = found else {
        return Ok(None);
    };
    if !user.email_verified && state.config.require_verified_email {
        return Ok(None);
    }
    if now() - last_seen >= user_sessions::SEEN_EVERY_SECONDS {
        user_sessions::seen(&state.db, &signed_in.handle).await?;
    }
    let handle = Arc::from(signed_in.handle.as_str());
    let refreshed_at = session::refresh_if_due(session, signed_in).await?;
    if let (Some(cache), Some(id)) = (cache, session.id()) {
        cache.insert(id, user.clone(), refreshed_at, handle, generation);
    }
    Ok(Some(user))
}

/// The current user if they meet `level`: what the guard of a function behind
/// `auth = authenticated` (or higher) hands to its body.
///
/// # Errors
/// [`AppError::Unauthenticated`] or [`AppError::Forbidden`]; [`AppError::Internal`]
/// when the user cannot be loaded.
pub async fn require(level: Level) -> Result<CurrentUser, AppError> {
    let user = current_user().await?;
    level.check(user.as_ref())?;
    user.ok_or(AppError::Unauthenticated)
}

/// The current user (`None`: anonymous) if `check` accepts them: the guard of
/// `auth = custom(check)`.
///
/// # Errors
/// Whatever `check` returns; [`AppError::Internal`] when the user cannot be loaded.
pub async fn authorize_with(
    check: impl FnOnce(Option<&CurrentUser>) -> Result<(), AppError>,
) -> Result<Option<CurrentUser>, AppError> {
    let user = current_user().await?;
    check(user.as_ref())?;
    Ok(user)
}
