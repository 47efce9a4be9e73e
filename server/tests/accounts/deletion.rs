//! Deleting an account (asked with a proof, kept from the mailed link or the account
//! page, removed by the housekeeping once its grace is over) and exporting its data.

use mizan::auth::accounts::MailLink;
use mizan::jobs::Job;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    SignUp, TEST_PASSWORD, TestApp, ask_deletion, deletion_grace_over, exported_data, spawn_app,
    spawn_app_with, token_mailed,
};
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

    let scheduled = ask_deletion(&app, &ada).await;
    let deletes_at = scheduled["deletes_at"].as_i64().expect("a time");
    let in_14_days = mizan::server::db::now() + 14 * DAY;
    assert!(
        (in_14_days - 5..=in_14_days).contains(&deletes_at),
        "{scheduled}"
    );
    assert!(!scheduled["date"].as_str().expect("a date").is_empty());
    assert_eq!(deletion(&app, &ada).await, scheduled);
    // Asking again changes nothing; meanwhile the account works as before.
    assert_eq!(ask_deletion(&app, &ada).await, scheduled);
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
    deletion_grace_over(&app).await;
    assert!(signed_in(&app, &ada).await);
    assert_eq!(app.user_count().await, 2);
}

#[tokio::test]
async fn the_account_page_keeps_it_too_and_the_link_stops_working() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    ask_deletion(&app, &ada).await;
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

/// Changes the password of the account signed in on `client`.
async fn change_password(app: &TestApp, client: &reqwest::Client) {
    let change = [
        ("current_password", TEST_PASSWORD),
        ("new_password", "another long password"),
    ];
    let (status, body) = app
        .call_json(client, "change_password.submit", &change)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_new_password_does_not_void_the_link_that_keeps_the_account() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    ask_deletion(&app, &ada).await;
    let token = token_mailed(&app, "ada@example.com", "/keep-account").await;
    // Whoever asked changes the password: the owner's link still works.
    change_password(&app, &ada).await;
    let (status, body) = keep_with(&app, &app.visitor(), &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(deletion(&app, &ada).await, Value::Null);
}

#[tokio::test]
async fn a_new_password_does_not_stop_the_mail_that_warns_of_a_deletion() {
    // No workers: the mail waits in the queue until the test sends it.
    let app = spawn_app_with(&[("MIZAN_JOB_WORKERS", "0".into())]).await;
    let ada = app.signed_up("ada@example.com").await;
    ask_deletion(&app, &ada).await;
    change_password(&app, &ada).await;
    let payload: String = sqlx::query_scalar(
        "SELECT payload FROM mizan_jobs WHERE kind = 'mizan.mail_link' AND payload LIKE '%keep_account%'",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("the mail is queued");
    let mail: MailLink = serde_json::from_str(&payload).expect("a link's mail");
    mail.run(app.state.clone()).await.expect("it is sent");
    let token = token_mailed(&app, "ada@example.com", "/keep-account").await;
    let (status, body) = keep_with(&app, &app.visitor(), &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn deletions_asked_are_limited_per_account() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    for _ in 0..3 {
        ask_deletion(&app, &ada).await;
        let (status, _) = app.call_json(&ada, "keep_my_account", &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = app
        .call_json(&ada, "delete_account.submit", &[("proof", TEST_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn once_its_grace_is_over_the_account_goes_and_its_sessions_end() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let laptop = app.visitor();
    let login = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    let (status, _) = app.call_json(&laptop, "login.submit", &login).await;
    assert_eq!(status, StatusCode::OK);
    let id = app.user_id("ada@example.com").await;
    ask_deletion(&app, &ada).await;
    token_mailed(&app, "ada@example.com", "/keep-account").await;

    deletion_grace_over(&app).await;
    // Gone, and signed out everywhere; bob stays.
    assert_eq!(app.user_count().await, 1);
    assert!(!signed_in(&app, &ada).await);
    assert!(!signed_in(&app, &laptop).await);
    assert!(signed_in(&app, &bob).await);
    assert_eq!(app.rows("user_sessions").await, 1);
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
async fn the_export_holds_the_account_and_nothing_secret() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.signed_up("bob@example.com").await;
    let enrolled = enrol(&app, &ada).await;

    // A GET, so that a plain link downloads it.
    let data = exported_data(&app, &ada).await;
    assert_eq!(data["account"]["email"], "ada@example.com", "{data}");
    assert_eq!(data["account"]["has_password"], true);
    assert_eq!(data["account"]["deletes_at"], Value::Null);
    assert_eq!(data["providers"], serde_json::json!([]));
    assert_eq!(data["two_factor"]["enabled"], true);
    let sessions = data["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{data}");
    assert_eq!(sessions[0]["current"], true);
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
