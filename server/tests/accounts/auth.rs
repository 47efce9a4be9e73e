//! The app's functions over HTTP: who may call what and the typed error everyone else
//! gets, rights that change, log-in and log-out, wrong passwords, and sign-ups that write
//! nothing.

use crate::helpers::SignUp;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app};

/// The five kinds of caller.
struct Callers {
    anonymous: reqwest::Client,
    user: reqwest::Client,
    staff: reqwest::Client,
    superuser: reqwest::Client,
    inactive: reqwest::Client,
    user_id: String,
}

async fn callers(app: &TestApp) -> Callers {
    let user = app.signed_up("user@example.com").await;
    let staff = app.signed_up("staff@example.com").await;
    let superuser = app.signed_up("root@example.com").await;
    let inactive = app.signed_up("gone@example.com").await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'staff@example.com'")
        .await;
    app.sql("UPDATE users SET is_superuser = TRUE WHERE email = 'root@example.com'")
        .await;
    app.sql("UPDATE users SET is_active = FALSE WHERE email = 'gone@example.com'")
        .await;
    Callers {
        anonymous: app.visitor(),
        user,
        staff,
        superuser,
        inactive,
        user_id: app.user_id("user@example.com").await,
    }
}

async fn status_and_body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn every_level_admits_exactly_its_callers() {
    let app = spawn_app().await;
    let c = callers(&app).await;
    let own_staff = [("user_id", c.user_id.as_str()), ("is_staff", "false")];
    let callers = [
        ("anonymous", &c.anonymous),
        ("user", &c.user),
        ("staff", &c.staff),
        ("superuser", &c.superuser),
        ("inactive", &c.inactive),
    ];
    app.assert_statuses(
        &callers,
        &[
            ("sign_in_providers", &[], &[200, 200, 200, 200, 200]),
            ("account_summary", &[], &[401, 200, 200, 200, 401]),
            ("list_users", &[], &[401, 403, 200, 200, 401]),
            ("set_staff", &own_staff, &[401, 403, 403, 200, 401]),
        ],
    )
    .await;
}

#[tokio::test]
async fn superuser_changes_take_effect() {
    let app = spawn_app().await;
    let c = callers(&app).await;
    assert_eq!(
        app.call(&c.user, "list_users", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let promoted = app
        .call(
            &c.superuser,
            "set_staff",
            &[("user_id", &c.user_id), ("is_staff", "true")],
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    assert_eq!(
        app.call(&c.user, "list_users", &[]).await.status(),
        StatusCode::OK
    );

    let unknown = app
        .call(
            &c.superuser,
            "set_staff",
            &[("user_id", "nobody"), ("is_staff", "true")],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn login_logout_and_the_current_user() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;

    let visitor = app.visitor();
    let (_, body) = status_and_body(app.call(&visitor, "current_user", &[]).await).await;
    assert_eq!(body, Value::Null, "anonymous visitors have no current user");

    let login = app
        .call(
            &visitor,
            "login.submit",
            &[("email", "ADA@example.com"), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(
        login.status(),
        StatusCode::OK,
        "emails match whatever their case"
    );
    let (_, body) = status_and_body(app.call(&visitor, "current_user", &[]).await).await;
    assert_eq!(body["email"], "ada@example.com");

    assert_eq!(
        app.call(&visitor, "logout", &[]).await.status(),
        StatusCode::OK
    );
    let (_, body) = status_and_body(app.call(&visitor, "current_user", &[]).await).await;
    assert_eq!(body, Value::Null);
    assert_eq!(
        app.call(&visitor, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let visitor = app.visitor();
    let wrong = status_and_body(
        app.call(
            &visitor,
            "login.submit",
            &[
                ("email", "ada@example.com"),
                ("password", "not the password"),
            ],
        )
        .await,
    )
    .await;
    let unknown = status_and_body(
        app.call(
            &visitor,
            "login.submit",
            &[
                ("email", "bob@example.com"),
                ("password", "not the password"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(wrong.0, 422);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.1["error"], "validation");
}

#[tokio::test]
async fn duplicate_and_invalid_signups_write_nothing() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let visitor = app.visitor();

    let duplicate = app
        .call(
            &visitor,
            "signup.submit",
            &[
                ("email", "Ada@Example.com"),
                ("password", TEST_PASSWORD),
                ("name", "Ada"),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, body) = status_and_body(duplicate).await;
    assert!(body["fields"]["email"].is_array(), "{body}");

    let invalid = app
        .call(
            &visitor,
            "signup.submit",
            &[("email", "nope"), ("password", "short"), ("name", "")],
        )
        .await;
    let (status, body) = status_and_body(invalid).await;
    assert_eq!(status, 422);
    for field in ["email", "password", "name"] {
        assert!(body["fields"][field].is_array(), "{field}: {body}");
    }

    let count = app.user_count().await;
    assert_eq!(count, 1);
}
