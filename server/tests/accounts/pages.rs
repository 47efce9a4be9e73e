//! The app's own pages and accounts, against a real server: the home page, sign-up,
//! log-in and log-out, the account page, email verification, and the guards of the
//! account, staff and admin pages.

use app::project::{NAME, TITLE};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

use crate::helpers::{SignUp, TEST_PASSWORD, TestApp, spawn_app, token_mailed};

/// Whether `client` is signed in, as the app's `current_user` function says.
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let (_, user) = app.call_json(client, "current_user", &[]).await;
    !user.is_null()
}

#[tokio::test]
async fn the_home_page_carries_the_project_title_and_its_bundle() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains(&format!("<title>{TITLE}</title>")), "{html}");
    assert!(html.contains(&format!("<h1>{TITLE}</h1>")), "{html}");
    assert!(
        html.contains(&format!("/pkg/{NAME}.js")),
        "the hydration script is linked: {html}"
    );
    assert!(html.contains(r#"href="/signup""#), "a sign-up link: {html}");
}

#[tokio::test]
async fn signing_up_signs_in_with_the_project_cookie_and_shows_the_account() {
    let app = spawn_app().await;
    let (visitor, jar) = app.visitor_with_jar();
    let response = app
        .call(
            &visitor,
            "signup.submit",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", TEST_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<&str> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().expect("ascii"))
        .collect();
    for name in ["session", "browser"] {
        let prefix = format!("{NAME}_{name}=");
        assert!(
            cookies.iter().any(|cookie| cookie.starts_with(&prefix)),
            "{cookies:?}"
        );
    }
    assert!(app.cookie_header(&jar).is_some());

    let page = app.page(&visitor, "/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains("Ada"), "{html}");
    assert!(html.contains("ada@example.com"), "{html}");
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn a_short_password_is_refused_at_sign_up_and_no_account_is_made() {
    let app = spawn_app().await;
    let (status, body) = app
        .call_json(
            &app.visitor(),
            "signup.submit",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("password"), "{body}");
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn logging_out_and_back_in_with_the_password() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    assert!(signed_in(&app, &ada).await);

    assert_eq!(app.call(&ada, "logout", &[]).await.status(), StatusCode::OK);
    assert!(!signed_in(&app, &ada).await);

    let wrong = [
        ("email", "ada@example.com"),
        ("password", "not the password"),
    ];
    let (status, _) = app.call_json(&ada, "login.submit", &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!signed_in(&app, &ada).await);

    let right = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    let (status, _) = app.call_json(&ada, "login.submit", &right).await;
    assert_eq!(status, StatusCode::OK);
    assert!(signed_in(&app, &ada).await);
}

#[tokio::test]
async fn the_mailed_link_verifies_the_email() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let token = token_mailed(&app, "ada@example.com", "/verify-email").await;
    let path = format!("/verify-email?token={token}");
    let (status, html) = app
        .post_page(&ada, &path, "verify_email", &[("token", token.clone())])
        .await;
    assert_eq!(status, 200, "{html}");
    let (_, user) = app.call_json(&ada, "current_user", &[]).await;
    assert_eq!(user["email_verified"], true, "{user}");
}

// The same guards on the SSR path: protected pages rendered on the server never carry
// protected data to someone who may not see it.

#[tokio::test]
async fn anonymous_visitors_are_redirected_to_login() {
    let app = spawn_app().await;
    for page in ["/account", "/staff", "/admin"] {
        let response = app.get(page).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{page}");
        assert_eq!(
            response.headers()["location"],
            format!("/login?next={page}").as_str()
        );
    }
}

#[tokio::test]
async fn users_without_the_rights_get_a_403_page_without_the_data() {
    let app = spawn_app().await;
    let _secret_holder = app.signed_up("hidden-staff@example.com").await;
    let user = app.signed_up("plain@example.com").await;

    for page in ["/staff", "/admin"] {
        let response = app.page(&user, page).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{page}");
        let html = response.text().await.expect("body");
        assert!(
            html.contains("You do not have access to this page"),
            "{page}: {html}"
        );
        assert!(
            !html.contains("hidden-staff@example.com"),
            "{page} leaks: {html}"
        );
    }
}

#[tokio::test]
async fn the_right_role_sees_the_page_and_the_nav_knows_the_user() {
    let app = spawn_app().await;
    let staff = app.signed_up("staff@example.com").await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'staff@example.com'")
        .await;
    app.signed_up("other@example.com").await;

    let response = app.page(&staff, "/staff").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains("other@example.com"), "{html}");
    assert!(
        html.contains(r#"href="/staff""#),
        "the nav shows the staff link: {html}"
    );

    let account = app.page(&staff, "/account").await;
    assert_eq!(account.status(), StatusCode::OK);
    let html = account.text().await.expect("body");
    assert!(html.contains("staff@example.com"), "{html}");
}

#[tokio::test]
async fn a_superuser_sees_the_admin_page() {
    let app = spawn_app().await;
    let user = app.signed_up("plain@example.com").await;
    app.sql("UPDATE users SET is_superuser = TRUE WHERE email = 'plain@example.com'")
        .await;
    let admin = app.page(&user, "/admin").await;
    assert_eq!(admin.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_password_pages_render_for_anonymous_visitors() {
    let app = spawn_app().await;
    for page in ["/login", "/signup", "/forgot-password"] {
        let response = app.get(page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
    }
}
