//! Auth levels over HTTP: who may call what, and the typed error everyone else gets.

use crate::helpers::SignUp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app, spawn_app_with};

/// The five kinds of caller.
struct Callers {
    anonymous: reqwest::Client,
    user: reqwest::Client,
    staff: reqwest::Client,
    superuser: reqwest::Client,
    inactive: reqwest::Client,
    user_id: String,
    staff_id: String,
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
        staff_id: app.user_id("staff@example.com").await,
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
    let own = [("user_id", c.user_id.as_str())];
    let other = [("user_id", c.staff_id.as_str())];
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
            ("echo", &[("text", "hi")], &[200, 200, 200, 200, 200]),
            ("account_summary", &[], &[401, 200, 200, 200, 401]),
            ("list_users", &[], &[401, 403, 200, 200, 401]),
            ("set_staff", &own_staff, &[401, 403, 403, 200, 401]),
            ("user_detail", &own, &[401, 200, 200, 200, 401]),
            ("user_detail", &other, &[401, 403, 200, 200, 401]),
        ],
    )
    .await;
}

#[tokio::test]
async fn public_and_protected_functions_answer_json() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let (status, body) =
        status_and_body(app.call(&visitor, "echo", &[("text", "héllo")]).await).await;
    assert_eq!((status, body), (200, json!({ "message": "héllo" })));

    let user = app.signed_up("me@example.com").await;
    let (status, body) = status_and_body(app.call(&user, "account_summary", &[]).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "name": "Test", "email": "me@example.com", "role": "user" })
    );
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
async fn login_attempts_are_rate_limited_per_account() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let visitor = app.visitor();
    for _ in 0..5 {
        let r = app
            .call(
                &visitor,
                "login.submit",
                &[
                    ("email", "ada@example.com"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = app
        .call(
            &visitor,
            "login.submit",
            &[("email", "ada@example.com"), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=61).contains(&retry_after), "{retry_after}");
    let (_, body) = status_and_body(limited).await;
    assert_eq!(body["error"], "rate_limited");
}

#[tokio::test]
async fn behind_a_proxy_each_forwarded_client_has_its_own_login_limit() {
    let app = spawn_app_with(&[("MIZAN_BEHIND_PROXY", "true".to_owned())]).await;
    let attempt = async |client_ip: &str, n: usize| {
        app.visitor()
            .post(app.url("/api/login.submit"))
            .header("x-forwarded-for", format!("6.6.6.6, {client_ip}"))
            .form(&[
                ("email", format!("nobody{n}@example.com")),
                ("password", "wrong".into()),
            ])
            .send()
            .await
            .expect("request")
            .status()
    };
    // 20 a minute per client, whatever the accounts.
    for n in 0..20 {
        assert_eq!(
            attempt("203.0.113.1", n).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        attempt("203.0.113.1", 20).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back by the first.
    assert_eq!(
        attempt("203.0.113.2", 21).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let visitor = app.visitor();
    // An anonymous session first (the attacker's planted id, in a fixation attack).
    let planted = app.call(&visitor, "echo", &[("text", "x")]).await;
    let before = session_cookie(&planted);

    let login = app
        .call(
            &visitor,
            "login.submit",
            &[("email", "ada@example.com"), ("password", TEST_PASSWORD)],
        )
        .await;
    let after = session_cookie(&login).expect("sign-in sets the session cookie");
    assert_ne!(before, Some(after.clone()));
    assert!(
        after.contains("HttpOnly") && after.contains("SameSite=Lax"),
        "{after}"
    );
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mizan_session="))
        .map(str::to_owned)
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

#[tokio::test]
async fn malformed_calls_are_a_4xx_not_a_500() {
    let app = spawn_app().await;
    let visitor = app.visitor();

    // A server function's missing argument is an unreadable call; a form's missing field
    // is a field error.
    let missing = app.call(&visitor, "echo", &[]).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let missing = app
        .call(&visitor, "login.submit", &[("email", "a@example.com")])
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = missing.json().await.expect("JSON");
    assert_eq!(body["fields"]["password"][0], "this field is required");

    let huge = "x".repeat(200 * 1024);
    let too_big = app.call(&visitor, "echo", &[("text", &huge)]).await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let invalid_utf8 = visitor
        .post(app.url("/api/echo"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"text=\xFF\xFE".to_vec())
        .send()
        .await
        .expect("request");
    assert_eq!(invalid_utf8.status(), StatusCode::BAD_REQUEST);
}

/// Calls `echo` with extra headers, as a browser page somewhere would.
async fn echo_with(app: &TestApp, headers: &[(&str, String)]) -> StatusCode {
    let mut request = app
        .visitor()
        .post(app.url("/api/echo"))
        .form(&[("text", "x")]);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("request").status()
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let evil = "https://evil.example".to_owned();
    assert_eq!(
        echo_with(&app, &[("origin", evil)]).await,
        StatusCode::FORBIDDEN
    );
    let cross_site = ("sec-fetch-site", "cross-site".to_owned());
    assert_eq!(echo_with(&app, &[cross_site]).await, StatusCode::FORBIDDEN);

    let same_origin = [
        ("origin", app.url("")),
        ("sec-fetch-site", "same-origin".to_owned()),
    ];
    assert_eq!(echo_with(&app, &same_origin).await, StatusCode::OK);
    // Not from a browser page at all (curl, a server): no CSRF risk, allowed.
    assert_eq!(echo_with(&app, &[]).await, StatusCode::OK);
}
