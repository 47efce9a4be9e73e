//! Deleting an account (asked with a proof, kept from the mailed link or the account
//! page, removed by a job once its grace is over, with the app's rows) and exporting its
//! data.

use mizan::jobs::Job;
use mizan::jobs::housekeeping::Housekeeping;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{SignUp, TEST_PASSWORD, TestApp, spawn_app, token_mailed};
use crate::two_factor::enrol;

const DAY: i64 = 24 * 60 * 60;

async fn deletion(app: &TestApp, client: &reqwest::Client) -> Value {
    let (status, body) = app.call_json(client, "account_deletion", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    app.call(client, "account_summary", &[]).await.status() == StatusCode::OK
}

/// Asks for the deletion of the account signed in on `client`, with its password.
async fn ask(app: &TestApp, client: &reqwest::Client) -> Value {
    let (status, body) = app
        .call_json(client, "delete_account.submit", &[("proof", TEST_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Brings every scheduled deletion's time to now, then runs the hourly housekeeping.
async fn grace_over(app: &TestApp) {
    app.sql("UPDATE users SET deletes_at = 1 WHERE deletes_at IS NOT NULL")
        .await;
    Housekeeping
        .run(app.state.clone())
        .await
        .expect("housekeeping runs");
}

/// Posts the keep link's `token` as `client`: the status and the answer.
async fn keep_with(app: &TestApp, client: &reqwest::Client, token: &str) -> (StatusCode, Value) {
    app.call_json(client, "keep_account.submit", &[("token", token)])
        .await
}

/// The answer to a used, voided or made-up link.
fn is_invalid_link(answer: &(StatusCode, Value)) -> bool {
    answer.0 == StatusCode::BAD_REQUEST
        && answer
            .1
            .to_string()
            .contains("this link is invalid or has expired")
}

/// Rows of ada's and bob's in the showcase's tables.
async fn some_messages(app: &TestApp) {
    for who in ["ada", "bob"] {
        let id = app.user_id(&format!("{who}@example.com")).await;
        app.sql(&format!(
            "INSERT INTO contact_messages (id, name, email, subject, message, user_id, created_at) \
             VALUES ('c-{who}', '{who}', '{who}@example.com', 'Hello from {who}', 'A message', '{id}', 1)"
        ))
        .await;
        app.sql(&format!(
            "INSERT INTO chat_messages (id, room, user_id, user_name, text, created_at) \
             VALUES ('m-{who}', 'lobby', '{id}', '{who}', 'hi, {who} here', 1)"
        ))
        .await;
    }
}

#[tokio::test]
async fn deletion_takes_the_password_and_the_mailed_link_keeps_the_account() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let (status, body) = app
        .call_json(
            &ada,
            "delete_account.submit",
            &[("proof", "not the password")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["proof"].is_array(), "{body}");
    assert_eq!(deletion(&app, &ada).await, Value::Null);

    let scheduled = ask(&app, &ada).await;
    let deletes_at = scheduled["deletes_at"].as_i64().expect("a time");
    let in_14_days = mizan::server::db::now() + 14 * DAY;
    assert!(
        (in_14_days - 5..=in_14_days).contains(&deletes_at),
        "{scheduled}"
    );
    assert!(!scheduled["date"].as_str().expect("a date").is_empty());
    assert_eq!(deletion(&app, &ada).await, scheduled);
    // Asking again changes nothing; meanwhile the account works as before.
    assert_eq!(ask(&app, &ada).await, scheduled);
    assert!(signed_in(&app, &ada).await);

    // The link in the mail keeps it: not from another account, but from a browser that is
    // not signed in, once.
    let token = token_mailed(&app, "ada@example.com", "/keep-account").await;
    let bob = app.signed_up("bob@example.com").await;
    assert_eq!(keep_with(&app, &bob, &token).await.0, StatusCode::FORBIDDEN);
    let elsewhere = app.visitor();
    let (status, body) = keep_with(&app, &elsewhere, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(deletion(&app, &ada).await, Value::Null);
    assert!(is_invalid_link(&keep_with(&app, &elsewhere, &token).await));

    // The housekeeping comes, and finds an account its owner kept.
    grace_over(&app).await;
    assert!(signed_in(&app, &ada).await);
    assert_eq!(app.user_count().await, 2);
}

#[tokio::test]
async fn the_account_page_keeps_it_too_and_the_link_stops_working() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    ask(&app, &ada).await;
    let token = token_mailed(&app, "ada@example.com", "/keep-account").await;
    let (status, body) = app.call_json(&ada, "keep_my_account", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(deletion(&app, &ada).await, Value::Null);
    let (status, _) = app.call_json(&ada, "keep_my_account", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(is_invalid_link(
        &keep_with(&app, &app.visitor(), &token).await
    ));
}

#[tokio::test]
async fn a_new_password_does_not_void_the_warning_of_a_deletion() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    ask(&app, &ada).await;
    // Whoever asked changes the password: the owner still gets a link that works.
    let change = [
        ("current_password", TEST_PASSWORD),
        ("new_password", "another long password"),
    ];
    let (status, body) = app.call_json(&ada, "change_password.submit", &change).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = token_mailed(&app, "ada@example.com", "/keep-account").await;
    let (status, body) = keep_with(&app, &app.visitor(), &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(deletion(&app, &ada).await, Value::Null);
}

#[tokio::test]
async fn deletions_asked_are_limited_per_account() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    for _ in 0..3 {
        ask(&app, &ada).await;
        let (status, _) = app.call_json(&ada, "keep_my_account", &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = app
        .call_json(&ada, "delete_account.submit", &[("proof", TEST_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn once_its_grace_is_over_the_account_goes_with_everything_of_its_owner() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let laptop = app.visitor();
    let login = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    let (status, _) = app.call_json(&laptop, "login.submit", &login).await;
    assert_eq!(status, StatusCode::OK);
    some_messages(&app).await;
    let id = app.user_id("ada@example.com").await;
    ask(&app, &ada).await;
    token_mailed(&app, "ada@example.com", "/keep-account").await;

    grace_over(&app).await;
    // Gone, and signed out everywhere; bob and his rows stay.
    assert_eq!(app.user_count().await, 1);
    assert!(!signed_in(&app, &ada).await);
    assert!(!signed_in(&app, &laptop).await);
    assert!(signed_in(&app, &bob).await);
    for table in ["contact_messages", "chat_messages", "user_sessions"] {
        assert_eq!(app.rows(table).await, 1, "{table}");
    }
    let tokens = format!("account_tokens WHERE user_id = '{id}'");
    assert_eq!(app.rows(&tokens).await, 0);
    let (status, _) = app.call_json(&app.visitor(), "login.submit", &login).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The address is free again.
    app.signed_up("ada@example.com").await;
}

#[tokio::test]
async fn with_two_factor_sign_in_and_no_password_it_takes_a_code() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    app.sql("UPDATE users SET password_hash = ''").await;
    let (status, body) = app.call_json(&ada, "delete_account.submit", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let code = enrolled.next_code();
    let (status, body) = app
        .call_json(&ada, "delete_account.submit", &[("proof", code.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_account_without_a_password_or_codes_is_deleted_without_a_proof() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    // As an account made through a provider is.
    app.sql("UPDATE users SET password_hash = ''").await;
    let (status, body) = app.call_json(&ada, "delete_account.submit", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["deletes_at"].is_i64(), "{body}");
}

#[tokio::test]
async fn the_export_holds_the_account_and_the_apps_rows_of_it_only() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.signed_up("bob@example.com").await;
    some_messages(&app).await;
    let enrolled = enrol(&app, &ada).await;

    // A GET, so that a plain link downloads it.
    let response = ada
        .get(app.url("/api/my_data"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let data: Value = response.json().await.expect("JSON");
    assert_eq!(data["account"]["email"], "ada@example.com", "{data}");
    assert_eq!(data["account"]["has_password"], true);
    assert_eq!(data["account"]["deletes_at"], Value::Null);
    assert_eq!(data["providers"], serde_json::json!([]));
    assert_eq!(data["two_factor"]["enabled"], true);
    let sessions = data["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{data}");
    assert_eq!(sessions[0]["current"], true);
    let app_rows = &data["app"];
    assert_eq!(
        app_rows["contact_messages"][0]["subject"], "Hello from ada",
        "{data}"
    );
    assert_eq!(
        app_rows["contact_messages"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(app_rows["chat_messages"][0]["text"], "hi, ada here");
    assert_eq!(app_rows["chat_messages"].as_array().map(Vec::len), Some(1));
    // Nothing of bob's, and nothing secret.
    let text = data.to_string();
    assert!(!text.contains("bob"), "{text}");
    assert!(!text.contains("argon2"), "{text}");
    let secret = enrolled.secret.for_typing().replace(' ', "");
    assert!(!text.contains(&secret), "{text}");
    for code in &enrolled.recovery_codes {
        assert!(!text.contains(code.as_str()), "{text}");
    }

    let anonymous = app
        .visitor()
        .get(app.url("/api/my_data"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
