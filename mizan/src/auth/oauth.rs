//! Sign-in with OAuth 2 providers (GitHub, Google, any OpenID Connect provider): the
//! authorization-code flow with PKCE and a checked `state`, then the account found by the
//! provider's id, or linked by verified email, or made.
//!
//! - `GET /auth/<provider>/start?next=/path[&connect=true]` keeps the flow's `state` and
//!   PKCE verifier in the session and sends the browser to the provider.
//! - `GET /auth/<provider>/callback?code=…&state=…` checks the `state` (constant time),
//!   trades the code (with the verifier) for a token, reads who the person is, and signs
//!   them in (or, with `connect`, links the provider to the signed-in account).

use axum::Router;
use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use tower_sessions::Session;

use super::user_sessions::Origin;
use super::{
    CurrentUser, LoginMethods, ProviderInfo, ProviderLink, local_path, second_factor, session,
    user_of_session, users,
};
use crate::config::{OAuthProvider, ProviderKind};
use crate::error::AppError;
use crate::runtime::AppState;
use crate::server::client::ClientKey;
use crate::server::db::now;
use crate::server::same_secret;

/// The session key of a sign-in under way.
const PENDING: &str = "mizan.oauth";

/// Why a provider cannot be linked to, or sign in to, an account whose address nobody
/// proved: whoever made it may not own the address.
const UNPROVEN: &str =
    "First confirm your email address with the link we mailed you, then connect a provider.";

/// Why a sign-in found its account taken back by the address's owner as it ran.
const TAKEN_BACK: &str = "This provider account no longer signs in here.";

/// A sign-in under way, between start and callback.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    provider: String,
    state: String,
    verifier: String,
    next: String,
    connect: bool,
}

/// Who the provider says the person is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Their stable id at the provider.
    pub subject: String,
    /// Their email, if the provider shares one.
    pub email: Option<String>,
    /// Whether the provider verified that email.
    pub email_verified: bool,
    /// Their name.
    pub name: String,
}

/// The two routes of the flow.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(crate::routes::OAUTH_START, get(start))
        .route(crate::routes::OAUTH_CALLBACK, get(callback))
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
    #[serde(default)]
    connect: bool,
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn provider<'a>(state: &'a AppState, id: &str) -> Option<&'a OAuthProvider> {
    state.config.oauth.iter().find(|p| p.id == id)
}

fn redirect_uri(state: &AppState, provider: &OAuthProvider) -> String {
    format!(
        "{}{}",
        state.config.site_url,
        crate::routes::oauth_callback(&provider.id)
    )
}

async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(provider) = provider(&state, &id) else {
        return refused(
            &state,
            StatusCode::NOT_FOUND,
            "There is no such sign-in provider.",
        );
    };
    let client_key = client_key(&state, &headers, peer);
    if state
        .account_limits
        .oauth_per_client
        .check(&client_key)
        .await
        .is_err()
    {
        return refused(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-ins from here: try again later.",
        );
    }
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let Ok(client) = client(&state, provider) else {
        return refused(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "This provider is misconfigured.",
        );
    };
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(provider.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        provider: provider.id.clone(),
        state: csrf.secret().clone(),
        verifier: verifier.secret().clone(),
        next: local_path(
            query.next.as_deref(),
            state.account_pages.map_or("/", |pages| pages.account),
        ),
        connect: query.connect,
    };
    if session::put(&session, PENDING, &pending).await.is_err() {
        return refused(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in could not start.",
        );
    }
    Redirect::to(url.as_str()).into_response()
}

/// The key of the per-client limit ([`crate::server::client`]).
fn client_key(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    ClientKey::of(state.config.trusted_proxies.client_of(headers, peer.ip())).to_string()
}

async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
    Query(query): Query<CallbackQuery>,
    request: Parts,
) -> Response {
    let Some(provider) = provider(&state, &id) else {
        return refused(
            &state,
            StatusCode::NOT_FOUND,
            "There is no such sign-in provider.",
        );
    };
    let pending: Option<Pending> = session::take(&session, PENDING).await.ok().flatten();
    let Some(pending) = pending.filter(|p| p.provider == provider.id) else {
        return refused(
            &state,
            StatusCode::BAD_REQUEST,
            "This sign-in has expired or was not started here: start it again.",
        );
    };
    if let Some(error) = query.error {
        tracing::info!(provider = %provider.id, %error, "provider refused a sign-in");
        return refused(
            &state,
            StatusCode::BAD_REQUEST,
            &format!("{} did not sign you in ({error}).", provider.label),
        );
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return refused(
            &state,
            StatusCode::BAD_REQUEST,
            "The provider's answer is incomplete.",
        );
    };
    if !same_secret(returned_state.as_bytes(), pending.state.as_bytes()) {
        return refused(
            &state,
            StatusCode::BAD_REQUEST,
            "This sign-in answer is not the one we asked for: start again.",
        );
    }
    let identity = match identify(&state, provider, code, pending.verifier).await {
        Ok(identity) => identity,
        Err(problem) => return refused(&state, StatusCode::BAD_REQUEST, &problem),
    };
    let me = match pending.connect {
        true => match user_of_session(&session, &state).await {
            Ok(Some(me)) if me.email_verified => Some(me),
            Ok(Some(_)) => return refused(&state, StatusCode::FORBIDDEN, UNPROVEN),
            _ => {
                return refused(
                    &state,
                    StatusCode::UNAUTHORIZED,
                    "Sign in first to connect a provider.",
                );
            }
        },
        false => None,
    };
    match sign_in_with(&state, provider, &identity, me.as_ref()).await {
        Ok(_) if me.is_some() => Redirect::to(&pending.next).into_response(),
        Ok(user) => {
            let version = match version_to_sign_in(&state, provider, &identity, &user).await {
                Ok(Some(version)) => version,
                Ok(None) => return refused(&state, StatusCode::FORBIDDEN, TAKEN_BACK),
                Err(_) => {
                    return refused(&state, StatusCode::INTERNAL_SERVER_ERROR, "Sign-in failed.");
                }
            };
            let origin = Origin::of_request(&state.config, &request);
            match log_in_or_ask(&state, &session, &user.id, version, &origin, &pending.next).await {
                Ok(response) => response,
                Err(_) => refused(&state, StatusCode::INTERNAL_SERVER_ERROR, "Sign-in failed."),
            }
        }
        Err(AppError::Forbidden) => refused(
            &state,
            StatusCode::FORBIDDEN,
            "This account cannot be signed in to or linked now.",
        ),
        Err(AppError::Validation { fields }) => refused(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &fields
                .values()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(_) => refused(&state, StatusCode::INTERNAL_SERVER_ERROR, "Sign-in failed."),
    }
}

/// Signs `user_id` in on `session` and goes on to `next`; for an account with two-factor
/// sign-in (unless this browser is remembered), goes to the app's second-factor page
/// instead, which finishes the sign-in, then goes on to `next`.
async fn log_in_or_ask(
    state: &AppState,
    session: &Session,
    user_id: &str,
    version: i64,
    origin: &Origin,
    next: &str,
) -> Result<Response, AppError> {
    if second_factor::needed(state, user_id, origin).await? {
        second_factor::ask(
            session,
            user_id,
            version,
            second_factor::FirstStep::Provider,
        )
        .await?;
        let page = state.account_pages()?.second_factor;
        let to = format!("{page}?next={}", crate::url::encode_query_value(next));
        return Ok(Redirect::to(&to).into_response());
    }
    let cookie = session::log_in(session, state, user_id, version, origin).await?;
    let mut response = Redirect::to(next).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The session version to sign `user` in with, read before checking once more that the
/// identity still opens the account: an account taken back meanwhile (its providers
/// unlinked, then its version moved) gives this sign-in nothing, or a session that has
/// already ended.
async fn version_to_sign_in(
    state: &AppState,
    provider: &OAuthProvider,
    identity: &Identity,
    user: &CurrentUser,
) -> Result<Option<i64>, AppError> {
    let (_, version) = users::credentials(&state.db, &user.id).await?;
    let linked = linked_user(&state.db, &provider.id, &identity.subject).await?;
    Ok((linked.as_deref() == Some(user.id.as_str())).then_some(version))
}

/// The providers people may sign in with, in the order configured.
pub fn providers(state: &AppState) -> Vec<ProviderInfo> {
    state
        .config
        .oauth
        .iter()
        .map(|p| ProviderInfo {
            id: p.id.clone(),
            label: p.label.clone(),
        })
        .collect()
}

/// The HTTP client for providers, built once (TLS roots, connection pool).
fn http_client() -> Option<&'static reqwest::Client> {
    static CLIENT: OnceLock<Option<reqwest::Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                // The token endpoint must answer itself: following redirects there is a
                // known way to leak codes.
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .ok()
        })
        .as_ref()
}

type Client = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(state: &AppState, provider: &OAuthProvider) -> Result<Client, oauth2::url::ParseError> {
    Ok(BasicClient::new(ClientId::new(provider.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            provider.client_secret.expose().to_owned(),
        ))
        .set_auth_uri(AuthUrl::new(provider.authorize_url.clone())?)
        .set_token_uri(TokenUrl::new(provider.token_url.clone())?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri(state, provider))?))
}

/// Trades `code` for a token and reads who the person is. The error is for people.
async fn identify(
    state: &AppState,
    provider: &OAuthProvider,
    code: String,
    verifier: String,
) -> Result<Identity, String> {
    let http = http_client().ok_or_else(|| "Sign-in failed.".to_owned())?;
    let client =
        client(state, provider).map_err(|_| "This provider is misconfigured.".to_owned())?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(http)
        .await
        .map_err(|e| {
            tracing::info!(provider = %provider.id, error = %e, "code exchange failed");
            format!(
                "{} did not accept this sign-in: start again.",
                provider.label
            )
        })?;
    fetch_identity(http, provider, token.access_token().secret())
        .await
        .map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "cannot read the account");
            format!("Your {} account could not be read.", provider.label)
        })
}

async fn fetch_identity(
    http: &reqwest::Client,
    provider: &OAuthProvider,
    access_token: &str,
) -> Result<Identity, reqwest::Error> {
    let get = |url: &str| {
        http.get(url)
            .bearer_auth(access_token)
            .header("user-agent", "mizan")
            .header("accept", "application/json")
    };
    let info: serde_json::Value = get(&provider.userinfo_url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let text = |key: &str| info.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match provider.kind {
        ProviderKind::OpenIdConnect => Ok(Identity {
            subject: text("sub").unwrap_or_default(),
            email: text("email"),
            email_verified: info
                .get("email_verified")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            name: text("name").unwrap_or_default(),
        }),
        ProviderKind::GitHub => {
            #[derive(Deserialize)]
            struct GitHubEmail {
                email: String,
                primary: bool,
                verified: bool,
            }
            let emails: Vec<GitHubEmail> = get(&format!("{}/emails", provider.userinfo_url))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let primary = emails.into_iter().find(|e| e.primary && e.verified);
            Ok(Identity {
                subject: info.get("id").map(ToString::to_string).unwrap_or_default(),
                email_verified: primary.is_some(),
                email: primary.map(|e| e.email),
                name: text("name").or_else(|| text("login")).unwrap_or_default(),
            })
        }
    }
}

/// The account for `identity`: the one linked to it; with `connect_to`, that account
/// (linked now); else the account with its verified email (linked now); else a new one.
///
/// Only accounts whose address was proven take a provider: an account made with an
/// address nobody proved may be a squatter's. When the address's owner signs in with a
/// provider that verified it, they take such an account back: its password, sessions,
/// pending links and every provider linked to it go, and its open connections close.
///
/// # Errors
/// [`AppError::Validation`] when the identity is linked to another account, has no
/// verified email to match or make an account with, or opens an account that must
/// verify its email first; [`AppError::Forbidden`] to link to an unproven account or sign
/// in to a deactivated one; [`AppError::Internal`].
pub async fn sign_in_with(
    state: &AppState,
    provider: &OAuthProvider,
    identity: &Identity,
    connect_to: Option<&CurrentUser>,
) -> Result<CurrentUser, AppError> {
    let pool = &state.db;
    if identity.subject.is_empty() {
        return Err(AppError::field("form", "the provider gave no account id"));
    }
    if let Some(owner) = linked_user(pool, &provider.id, &identity.subject).await? {
        return match connect_to {
            Some(me) if me.id != owner => Err(AppError::field(
                "form",
                format!(
                    "this {} account is linked to another account",
                    provider.label
                ),
            )),
            Some(me) => Ok(me.clone()),
            None => {
                let user = users::find_active(pool, &owner)
                    .await?
                    .ok_or(AppError::Forbidden)?;
                if state.config.require_verified_email && !user.email_verified {
                    return Err(AppError::field(
                        "form",
                        "confirm your email address first: use the link we mailed you",
                    ));
                }
                Ok(user)
            }
        };
    }
    if let Some(me) = connect_to {
        if !me.email_verified {
            return Err(AppError::Forbidden);
        }
        link(pool, &provider.id, identity, &me.id).await?;
        return Ok(me.clone());
    }
    let email = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified)
        .ok_or_else(|| {
            AppError::field(
                "form",
                format!(
                    "your {} account has no verified email address",
                    provider.label
                ),
            )
        })?;
    let user = match users::find_by_email(pool, email).await? {
        Some(user) => {
            if !user.email_verified {
                take_back(state, &user.id).await?;
            }
            users::mark_email_verified(pool, &user.id).await?;
            user
        }
        None => {
            let name = if identity.name.trim().is_empty() {
                email
            } else {
                identity.name.trim()
            };
            users::create(
                pool,
                users::NewUser {
                    email,
                    name,
                    password_hash: "",
                    is_staff: false,
                    is_superuser: false,
                    email_verified: true,
                },
            )
            .await?
        }
    };
    link(pool, &provider.id, identity, &user.id).await?;
    Ok(user)
}

/// The proven owner of an address takes back the account someone made with it: every
/// provider linked to it goes, any two-factor sign-in set up on it and any deletion asked
/// of it, then its password (which ends its sessions and voids its links), and its open
/// connections close.
async fn take_back(state: &AppState, user_id: &str) -> Result<(), AppError> {
    unlink_all(&state.db, user_id).await?;
    super::two_factor::disable(&state.db, user_id).await?;
    super::deletion::forget(&state.db, user_id).await?;
    super::known_browsers::forget_skips(&state.db, user_id).await?;
    users::set_password(&state.db, user_id, "").await?;
    super::accounts::sessions_ended(state, user_id).await;
    Ok(())
}

async fn unlink_all(pool: &AnyPool, user_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM social_accounts WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Unlinks every provider of `user_id` if its address was never proven (a password reset
/// proves it: what was linked before may be a squatter's).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn unlink_unproven(pool: &AnyPool, user_id: &str) -> Result<(), AppError> {
    sqlx::query(
        "DELETE FROM social_accounts WHERE user_id = $1 AND EXISTS ( \
             SELECT 1 FROM users WHERE id = $1 AND email_verified_at IS NULL)",
    )
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(())
}

async fn linked_user(
    pool: &AnyPool,
    provider: &str,
    subject: &str,
) -> Result<Option<String>, AppError> {
    sqlx::query_scalar("SELECT user_id FROM social_accounts WHERE provider = $1 AND subject = $2")
        .bind(provider)
        .bind(subject)
        .fetch_optional(pool)
        .await
        .map_err(AppError::from)
}

async fn link(
    pool: &AnyPool,
    provider: &str,
    identity: &Identity,
    user_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO social_accounts (provider, subject, user_id, email, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(provider)
    .bind(&identity.subject)
    .bind(user_id)
    .bind(identity.email.as_deref())
    .bind(now())
    .execute(pool)
    .await?;
    Ok(())
}

/// How `user` may sign in: a password, and which providers.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn login_methods(state: &AppState, user: &CurrentUser) -> Result<LoginMethods, AppError> {
    let (hash, _) = users::credentials(&state.db, &user.id).await?;
    let rows = sqlx::query("SELECT provider FROM social_accounts WHERE user_id = $1")
        .bind(&user.id)
        .fetch_all(&state.db)
        .await?;
    let linked: Vec<String> = rows
        .iter()
        .filter_map(|row| row.try_get::<String, _>("provider").ok())
        .collect();
    Ok(LoginMethods {
        has_password: !hash.is_empty(),
        providers: state
            .config
            .oauth
            .iter()
            .map(|p| ProviderLink {
                id: p.id.clone(),
                label: p.label.clone(),
                connected: linked.contains(&p.id),
            })
            .collect(),
    })
}

/// Unlinks `provider` from `user`, unless it is their last way to sign in.
///
/// # Errors
/// [`AppError::Validation`] for the last way to sign in; [`AppError::NotFound`] when it is
/// not linked; [`AppError::Internal`].
pub async fn disconnect(
    state: &AppState,
    user: &CurrentUser,
    provider: &str,
) -> Result<(), AppError> {
    // One statement checks and deletes, so two disconnects at once cannot both pass the
    // check and leave the account without a way in.
    let deleted = sqlx::query(
        "DELETE FROM social_accounts WHERE user_id = $1 AND provider = $2 AND ( \
             (SELECT password_hash FROM users WHERE id = $1) <> '' \
             OR (SELECT COUNT(*) FROM social_accounts WHERE user_id = $1) > 1)",
    )
    .bind(&user.id)
    .bind(provider)
    .execute(&state.db)
    .await?;
    if deleted.rows_affected() == 1 {
        return Ok(());
    }
    let linked = login_methods(state, user)
        .await?
        .providers
        .iter()
        .any(|p| p.id == provider && p.connected);
    if linked {
        Err(AppError::field(
            "form",
            "this is your only way to sign in: set a password (reset it from the login page) \
             or connect another provider first",
        ))
    } else {
        Err(AppError::NotFound)
    }
}

/// A refusal, as a small page a person can act on, with a link to the app's login page
/// when it has one.
fn refused(state: &AppState, status: StatusCode, message: &str) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let back = state.account_pages.map_or_else(String::new, |pages| {
        format!(
            "<p><a href=\"{}\">Back to the login page</a></p>",
            escape(pages.login)
        )
    });
    (
        status,
        Html(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\"><title>Sign-in \
             failed</title></head><body><h1>Sign-in failed</h1><p>{}</p>{back}</body></html>",
            escape(message)
        )),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
