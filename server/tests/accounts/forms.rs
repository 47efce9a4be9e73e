//! The account forms over HTTP without JavaScript: sign-up's server-only check, sign-up
//! signing in without echoing the password, and log-in refusing then going on.

use reqwest::StatusCode;

use crate::helpers::{SignUp, spawn_app};

#[tokio::test]
async fn server_only_checks_run_on_validate_and_submit() {
    let app = spawn_app().await;
    app.signed_up("taken@example.com").await;
    let values = vec![
        ("name", "Someone".to_owned()),
        ("email", "TAKEN@example.com".to_owned()),
        ("password", "a long enough password".to_owned()),
    ];
    for endpoint in ["/api/signup.validate", "/api/signup.submit"] {
        let (status, body) = app.post_form(&app.visitor(), endpoint, &values).await;
        assert_eq!(status, 422, "{endpoint}: {body}");
        assert_eq!(
            body["fields"]["email"][0], "an account with this email already exists",
            "{endpoint}"
        );
    }
}

#[tokio::test]
async fn without_javascript_signup_signs_in_and_never_echoes_the_password() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let values = vec![
        ("name", "Ada".to_owned()),
        ("email", "nope".to_owned()),
        ("password", "a secret password".to_owned()),
    ];
    let (status, html) = app.post_page(&visitor, "/signup", "signup", &values).await;
    assert_eq!(status, 422);
    assert!(!html.contains("a secret password"), "{html}");

    let values = vec![
        ("name", "Ada".to_owned()),
        ("email", "ada@example.com".to_owned()),
        ("password", "a secret password".to_owned()),
    ];
    let (status, _) = app.post_page(&visitor, "/signup", "signup", &values).await;
    assert!(matches!(status, 302 | 303), "{status}");
    let account = app.page(&visitor, "/account").await;
    assert_eq!(account.status(), StatusCode::OK, "signed in by the post");
}

#[tokio::test]
async fn without_javascript_login_refuses_then_signs_in_and_goes_on() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let visitor = app.visitor();
    let wrong = vec![
        ("email", "ada@example.com".to_owned()),
        ("password", "not the password".to_owned()),
    ];
    let (status, html) = app
        .post_page(&visitor, "/login?next=/account", "login", &wrong)
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("the email or the password is wrong"),
        "{html}"
    );
    assert!(!html.contains("not the password"), "never echoed: {html}");
    // Password managers fill in the saved password here, and offer a new one on sign-up.
    assert!(
        html.contains(r#"autocomplete="current-password""#),
        "{html}"
    );
    let (_, signup) = app.post_page(&visitor, "/signup", "signup", &[]).await;
    assert!(
        signup.contains(r#"autocomplete="new-password""#),
        "{signup}"
    );

    let response = visitor
        .post(app.url("/login?next=/account"))
        .header("accept", "text/html")
        .form(&[
            ("__form", "login"),
            ("email", "ada@example.com"),
            ("password", crate::helpers::TEST_PASSWORD),
        ])
        .send()
        .await
        .expect("request reaches the server");
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/account");
    let account = app.page(&visitor, "/account").await;
    assert_eq!(account.status(), StatusCode::OK, "signed in by the post");
}
