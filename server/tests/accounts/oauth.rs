//! Sign-in with an OAuth provider, against a small fake provider on loopback: a real HTTP
//! server with the authorize, token and userinfo endpoints, checking PKCE as a real one
//! does.

use crate::helpers::SignUp;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app_with};

const CLIENT_ID: &str = "mizan-test-client";
const CLIENT_SECRET: &str = "mizan-test-secret";

/// What the fake provider knows and will answer.
#[derive(Default)]
struct Fake {
    /// Who signs in next: the userinfo answer.
    person: Value,
    /// Refuse the next authorization (`error=access_denied`).
    deny: bool,
    /// Codes issued, with their PKCE challenge.
    codes: HashMap<String, String>,
    /// Access tokens issued.
    tokens: Vec<String>,
}

type Shared = Arc<Mutex<Fake>>;

#[derive(Deserialize)]
struct Authorize {
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

async fn authorize(State(fake): State<Shared>, Query(q): Query<Authorize>) -> Response {
    if q.client_id != CLIENT_ID || q.code_challenge_method != "S256" {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let mut fake = fake.lock().expect("lock");
    if std::mem::take(&mut fake.deny) {
        return Redirect::to(&format!(
            "{}?error=access_denied&state={}",
            q.redirect_uri, q.state
        ))
        .into_response();
    }
    let code = format!("code-{}", fake.codes.len());
    fake.codes.insert(code.clone(), q.code_challenge);
    Redirect::to(&format!("{}?code={code}&state={}", q.redirect_uri, q.state)).into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    code: String,
    code_verifier: String,
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

async fn token(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Form(request): Form<TokenRequest>,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64_standard(&format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let mut fake = fake.lock().expect("lock");
    let challenge = base64url(&Sha256::digest(request.code_verifier.as_bytes()));
    match fake.codes.remove(&request.code) {
        Some(expected) if expected == challenge => {
            let access = format!("token-{}", fake.tokens.len());
            fake.tokens.push(access.clone());
            Json(json!({"access_token": access, "token_type": "bearer"})).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response(),
    }
}

fn base64_standard(text: &str) -> String {
    let url = base64url(text.as_bytes())
        .replace('-', "+")
        .replace('_', "/");
    let pad = (4 - url.len() % 4) % 4;
    url + &"=".repeat(pad)
}

async fn userinfo(State(fake): State<Shared>, headers: HeaderMap) -> Response {
    let fake = fake.lock().expect("lock");
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    match bearer {
        Some(token) if fake.tokens.contains(&token) => Json(fake.person.clone()).into_response(),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The fake provider, and an app configured to sign in with it as `fake`.
async fn provider_and_app() -> (Shared, TestApp) {
    provider_and_app_with(&[]).await
}

/// [`provider_and_app`] with `extra` settings.
async fn provider_and_app_with(extra: &[(&'static str, String)]) -> (Shared, TestApp) {
    let fake: Shared = Arc::default();
    let router = Router::new()
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr: SocketAddr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    let base = format!("http://{addr}");
    let mut settings = vec![
        ("OAUTH_PROVIDERS", "fake".into()),
        ("OAUTH_FAKE_CLIENT_ID", CLIENT_ID.into()),
        ("OAUTH_FAKE_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("OAUTH_FAKE_AUTHORIZE_URL", format!("{base}/authorize")),
        ("OAUTH_FAKE_TOKEN_URL", format!("{base}/token")),
        ("OAUTH_FAKE_USERINFO_URL", format!("{base}/userinfo")),
        ("OAUTH_FAKE_LABEL", "Fake ID".into()),
    ];
    settings.extend_from_slice(extra);
    let app = spawn_app_with(&settings).await;
    (fake, app)
}

fn person(fake: &Shared, subject: &str, email: &str, verified: bool) {
    fake.lock().expect("lock").person =
        json!({"sub": subject, "email": email, "email_verified": verified, "name": "Ada Provider"});
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// Starts a sign-in as `browser`, lets the provider answer, and returns the callback URL
/// the provider sent the browser to.
async fn to_callback(app: &TestApp, browser: &reqwest::Client, start: &str) -> Url {
    let started = browser.get(app.url(start)).send().await.expect("start");
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let at_provider = browser
        .get(location(&started))
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        at_provider.status(),
        StatusCode::SEE_OTHER,
        "the provider answers with a redirect"
    );
    location(&at_provider).parse().expect("callback URL")
}

async fn follow(browser: &reqwest::Client, url: Url) -> reqwest::Response {
    browser.get(url).send().await.expect("callback")
}

async fn who(app: &TestApp, browser: &reqwest::Client) -> Value {
    app.call_json(browser, "account_summary", &[]).await.1
}

#[tokio::test]
async fn a_new_person_gets_an_account_and_comes_back_to_it() {
    let (fake, app) = provider_and_app().await;
    person(&fake, "p-1", "ada@provider.example", true);
    let browser = app.visitor();
    let callback = to_callback(&app, &browser, "/auth/fake/start?next=/account").await;
    let done = follow(&browser, callback).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/account");
    let me = who(&app, &browser).await;
    assert_eq!(
        (me["name"].as_str(), me["email"].as_str()),
        (Some("Ada Provider"), Some("ada@provider.example"))
    );

    // The next time, the same account, by the provider's id.
    let again = app.visitor();
    let callback = to_callback(&app, &again, "/auth/fake/start").await;
    assert_eq!(location(&follow(&again, callback).await), "/account");
    let users = app.user_count().await;
    assert_eq!(users, 1);
}

#[tokio::test]
async fn a_verified_email_links_the_provider_to_the_existing_account() {
    let (fake, app) = provider_and_app().await;
    app.signed_up("ada@example.com").await;
    let id = app.user_id("ada@example.com").await;
    person(&fake, "p-2", "ADA@example.com", true);
    let browser = app.visitor();
    let callback = to_callback(&app, &browser, "/auth/fake/start").await;
    assert_eq!(
        follow(&browser, callback).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(who(&app, &browser).await["email"], "ada@example.com");
    let linked: String =
        sqlx::query_scalar("SELECT user_id FROM social_accounts WHERE subject = 'p-2'")
            .fetch_one(&app.state.db)
            .await
            .expect("linked");
    assert_eq!(linked, id);
}

#[tokio::test]
async fn an_unverified_email_neither_links_nor_makes_an_account() {
    let (fake, app) = provider_and_app().await;
    app.signed_up("ada@example.com").await;
    person(&fake, "p-3", "ada@example.com", false);
    let browser = app.visitor();
    let callback = to_callback(&app, &browser, "/auth/fake/start").await;
    let refused = follow(&browser, callback).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("no verified email")
    );
    assert_eq!(
        app.call(&browser, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_wrong_state_a_bad_code_or_a_refusal_signs_nobody_in() {
    let (fake, app) = provider_and_app().await;
    person(&fake, "p-4", "ada@provider.example", true);

    let browser = app.visitor();
    let mut callback = to_callback(&app, &browser, "/auth/fake/start").await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    callback.set_query(Some(&format!("code={code}&state=forged")));
    let forged = follow(&browser, callback).await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(
        forged
            .text()
            .await
            .expect("body")
            .contains("not the one we asked for")
    );

    let browser = app.visitor();
    let mut callback = to_callback(&app, &browser, "/auth/fake/start").await;
    let state = callback
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    callback.set_query(Some(&format!("code=not-a-code&state={state}")));
    let bad_code = follow(&browser, callback).await;
    assert_eq!(bad_code.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad_code
            .text()
            .await
            .expect("body")
            .contains("did not accept this sign-in")
    );

    fake.lock().expect("lock").deny = true;
    let browser = app.visitor();
    let callback = to_callback(&app, &browser, "/auth/fake/start").await;
    let denied = follow(&browser, callback).await;
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);
    assert!(denied.text().await.expect("body").contains("access_denied"));

    // A callback nobody started.
    let stray = app
        .visitor()
        .get(app.url("/auth/fake/callback?code=x&state=y"))
        .send()
        .await
        .expect("callback");
    assert_eq!(stray.status(), StatusCode::BAD_REQUEST);
    let users = app.user_count().await;
    assert_eq!(users, 0);
}

#[tokio::test]
async fn providers_connect_and_disconnect_but_never_the_last_way_in() {
    let (fake, app) = provider_and_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.sql("UPDATE users SET email_verified_at = 1").await;
    person(&fake, "p-5", "someone-else@provider.example", false);
    let callback = to_callback(&app, &ada, "/auth/fake/start?connect=true&next=/account").await;
    assert_eq!(location(&follow(&ada, callback).await), "/account");
    let methods: Value = app
        .call(&ada, "sign_in_methods", &[])
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(methods["providers"][0]["connected"], true, "{methods}");
    let (status, _) = app
        .call_json(&ada, "disconnect_provider", &[("provider", "fake")])
        .await;
    assert_eq!(status, StatusCode::OK, "Ada still has her password");

    // An account made through the provider has no other way in.
    person(&fake, "p-6", "bob@provider.example", true);
    let bob = app.visitor();
    let callback = to_callback(&app, &bob, "/auth/fake/start").await;
    follow(&bob, callback).await;
    let refused = app
        .call(&bob, "disconnect_provider", &[("provider", "fake")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Nor a password: no password, whatever is typed, opens an account that has none.
    let login = [
        ("email", "bob@provider.example"),
        ("password", TEST_PASSWORD),
    ];
    let (status, body) = app.call_json(&app.visitor(), "login.submit", &login).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["form"][0], "the email or the password is wrong",
        "{body}"
    );
}

#[tokio::test]
async fn an_unverified_account_with_the_email_is_taken_back_by_its_proven_owner() {
    let (fake, app) = provider_and_app().await;
    // Someone signs up with an address that is not theirs and never verifies it, and
    // asks for its deletion.
    let squatter = app.signed_up("owner@example.com").await;
    let ask = [("proof", TEST_PASSWORD)];
    let (status, _) = app
        .call_json(&squatter, "delete_account.submit", &ask)
        .await;
    assert_eq!(status, StatusCode::OK);
    person(&fake, "p-7", "owner@example.com", true);
    let owner = app.visitor();
    let callback = to_callback(&app, &owner, "/auth/fake/start").await;
    follow(&owner, callback).await;
    assert_eq!(who(&app, &owner).await["email"], "owner@example.com");
    let (_, deletion) = app.call_json(&owner, "account_deletion", &[]).await;
    assert_eq!(deletion, Value::Null, "nor its deletion");

    assert_eq!(
        app.call(&squatter, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED,
        "the squatter's session has ended"
    );
    let login = [("email", "owner@example.com"), ("password", TEST_PASSWORD)];
    assert_eq!(
        app.call(&app.visitor(), "login.submit", &login)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "and their password no longer opens the account"
    );
}

#[tokio::test]
async fn an_account_made_through_a_provider_sets_its_first_password_without_one() {
    let (fake, app) = provider_and_app().await;
    person(&fake, "p-7", "bob@provider.example", true);
    let bob = app.visitor();
    let callback = to_callback(&app, &bob, "/auth/fake/start").await;
    follow(&bob, callback).await;

    let new_password = "bob's first password";
    let (status, body) = app
        .call_json(
            &bob,
            "change_password.submit",
            &[("new_password", new_password)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let login = [
        ("email", "bob@provider.example"),
        ("password", new_password),
    ];
    let (status, body) = app.call_json(&app.visitor(), "login.submit", &login).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // From now on the current password is asked for.
    let (status, body) = app
        .call_json(
            &bob,
            "change_password.submit",
            &[("new_password", "another password 2")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["fields"]["current_password"][0], "this is not your current password",
        "{body}"
    );
}

#[tokio::test]
async fn the_login_page_offers_each_configured_provider() {
    let (_fake, app) = provider_and_app().await;
    let (status, providers) = app
        .call_json(&app.visitor(), "sign_in_providers", &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        providers,
        serde_json::json!([{"id": "fake", "label": "Fake ID"}])
    );
    let html = app
        .get("/login?next=/account")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains(r#"href="/auth/fake/start?next=%2Faccount""#),
        "the link goes on to where the visitor was headed: {html}"
    );
    assert!(html.contains("Fake ID</a>"), "{html}");
    assert!(html.contains("Log in with "), "{html}");
}

/// Links provider account `subject` to the account of `email` as the connect flow did
/// before it checked the account's address: the state a squatter could leave behind.
async fn linked_by_hand(app: &TestApp, subject: &str, email: &str) {
    let user_id = app.user_id(email).await;
    sqlx::query(
        "INSERT INTO social_accounts (provider, subject, user_id, email, created_at) \
         VALUES ('fake', $1, $2, 'squatter@provider.example', 0)",
    )
    .bind(subject)
    .bind(user_id)
    .execute(&app.state.db)
    .await
    .expect("linked");
}

/// Signs in through the provider as whoever it says next: the browser.
async fn provider_sign_in(app: &TestApp) -> (reqwest::Client, reqwest::Response) {
    let browser = app.visitor();
    let callback = to_callback(app, &browser, "/auth/fake/start").await;
    let done = follow(&browser, callback).await;
    (browser, done)
}

#[tokio::test]
async fn a_provider_cannot_be_linked_to_an_account_whose_address_is_unproven() {
    let (fake, app) = provider_and_app().await;
    let squatter = app.signed_up("owner@example.com").await;
    person(&fake, "p-evil", "squatter@provider.example", true);
    let callback = to_callback(&app, &squatter, "/auth/fake/start?connect=true").await;
    let refused = follow(&squatter, callback).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("confirm your email address")
    );
    assert_eq!(app.rows("social_accounts").await, 0);
}

#[tokio::test]
async fn the_owner_taking_an_account_back_removes_the_squatters_providers() {
    let (fake, app) = provider_and_app().await;
    let squatter = app.signed_up("owner@example.com").await;
    linked_by_hand(&app, "p-evil", "owner@example.com").await;
    person(&fake, "p-owner", "owner@example.com", true);
    let (owner, _) = provider_sign_in(&app).await;
    assert_eq!(who(&app, &owner).await["email"], "owner@example.com");
    assert_eq!(
        app.call(&squatter, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The squatter's provider no longer opens the owner's account.
    person(&fake, "p-evil", "squatter@provider.example", true);
    let (attacker, _) = provider_sign_in(&app).await;
    assert_ne!(who(&app, &attacker).await["email"], "owner@example.com");
}

#[tokio::test]
async fn a_password_reset_takes_an_unproven_account_back_from_its_providers() {
    let (fake, app) = provider_and_app().await;
    app.signed_up("owner@example.com").await;
    linked_by_hand(&app, "p-evil", "owner@example.com").await;
    let (status, _) = app
        .call_json(
            &app.visitor(),
            "forgot_password.submit",
            &[("email", "owner@example.com")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = crate::helpers::token_mailed(&app, "owner@example.com", "/reset-password").await;
    let (status, body) = app
        .call_json(
            &app.visitor(),
            "reset_password.submit",
            &[("token", &token), ("password", "the owner's own password")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    person(&fake, "p-evil", "squatter@provider.example", true);
    let (attacker, _) = provider_sign_in(&app).await;
    assert_ne!(who(&app, &attacker).await["email"], "owner@example.com");
}

#[tokio::test]
async fn when_verification_is_required_a_provider_does_not_open_an_unverified_account() {
    let (fake, app) =
        provider_and_app_with(&[("MIZAN_REQUIRE_VERIFIED_EMAIL", "true".into())]).await;
    app.call_json(
        &app.visitor(),
        "signup.submit",
        &[
            ("email", "ada@example.com"),
            ("password", TEST_PASSWORD),
            ("name", "Ada"),
        ],
    )
    .await;
    linked_by_hand(&app, "p-ada", "ada@example.com").await;
    person(&fake, "p-ada", "ada@provider.example", false);
    let (browser, _) = provider_sign_in(&app).await;
    assert_eq!(
        app.call(&browser, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_provider_sign_in_asks_for_the_second_factor_when_it_is_on() {
    let (fake, app) = provider_and_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = crate::two_factor::enrol(&app, &ada).await;

    person(&fake, "p-2fa", "ada@example.com", true);
    let browser = app.visitor();
    let callback = to_callback(&app, &browser, "/auth/fake/start?next=/account").await;
    let done = follow(&browser, callback).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/login/code?next=%2Faccount");
    assert_eq!(
        app.call(&browser, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED,
        "the provider alone signs no one in"
    );
    let next = enrolled.next_code();
    let (status, body) = app
        .call_json(
            &browser,
            "second_factor.submit",
            &[("code", next.as_str()), ("remember", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(who(&app, &browser).await["email"], "ada@example.com");
}

#[tokio::test]
async fn taking_an_account_back_removes_the_two_factor_sign_in_of_whoever_made_it() {
    let (fake, app) = provider_and_app().await;
    app.signed_up("owner@example.com").await;
    // Two-factor sign-in on the unproven account (as from before it took a proven
    // address), stored directly.
    let id = app.user_id("owner@example.com").await;
    let key = mizan::auth::totp::SealKey::new(b"any key");
    let secret = mizan::auth::two_factor::begin(&app.state.db, &key, &id)
        .await
        .expect("begin");
    let now = u64::try_from(mizan::server::db::now()).expect("now");
    let code = secret.code_at_step(now / mizan::auth::totp::STEP_SECONDS);
    mizan::auth::two_factor::enable(&app.state.db, &key, &id, &code, now)
        .await
        .expect("enabled");

    person(&fake, "p-8", "owner@example.com", true);
    let owner = app.visitor();
    let callback = to_callback(&app, &owner, "/auth/fake/start?next=/account").await;
    let done = follow(&owner, callback).await;
    assert_eq!(location(&done), "/account", "no second step for the owner");
    assert_eq!(who(&app, &owner).await["email"], "owner@example.com");
    assert_eq!(app.rows("two_factor").await, 0);
    assert_eq!(app.rows("recovery_codes").await, 0);
}
