//! Sign-up, sign-in and sign-out: the flows behind the app's account server functions.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use tower_sessions::Session;

use super::{CurrentUser, password, session, users};
use crate::error::AppError;
use crate::server::state;

/// The one answer to a failed sign-in, whichever part was wrong (no account enumeration).
fn wrong_credentials() -> AppError {
    AppError::field("form", "the email or the password is wrong")
}

async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract().await.map_err(AppError::internal)
}

/// Creates an account from a valid sign-up form and signs it in.
///
/// # Errors
/// [`AppError::Validation`] for a taken email; [`AppError::Internal`].
pub async fn sign_up(email: &str, password: String, name: &str) -> Result<CurrentUser, AppError> {
    let state = state()?;
    let password_hash = password::hash(password).await?;
    let user = users::create(
        &state.db,
        users::NewUser {
            email: email.trim(),
            name: name.trim(),
            password_hash: &password_hash,
            is_staff: false,
            is_superuser: false,
        },
    )
    .await?;
    session::log_in(&request_session().await?, &user.id).await?;
    Ok(user)
}

/// Signs in with email and password, under a new session id.
///
/// Unknown emails, wrong passwords and deactivated accounts get the same answer after
/// the same work. Attempts are limited per client address and per account.
///
/// # Errors
/// [`AppError::RateLimited`], [`AppError::Validation`] (wrong credentials), or
/// [`AppError::Internal`].
pub async fn log_in(email: &str, password: String) -> Result<CurrentUser, AppError> {
    let state = state()?;
    let client = client_ip(state.config.behind_proxy).await;
    state.login_limiter.check(client, email)?;

    let record = users::find_for_login(&state.db, email.trim()).await?;
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    let matches = password::verify(password, hash).await;
    let user = match record {
        Some(record) if matches && record.is_active => record.user,
        _ => return Err(wrong_credentials()),
    };
    users::touch_last_login(&state.db, &user.id).await?;
    session::log_in(&request_session().await?, &user.id).await?;
    Ok(user)
}

/// The address of the client: the peer of the connection, or behind a proxy
/// (`MIZAN_BEHIND_PROXY`), the address the proxy appended last to `X-Forwarded-For`.
async fn client_ip(behind_proxy: bool) -> Option<IpAddr> {
    if behind_proxy {
        let headers = leptos_axum::extract::<HeaderMap>().await.ok()?;
        return forwarded_for(&headers);
    }
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip())
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
    session::log_out(&request_session().await?).await
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
