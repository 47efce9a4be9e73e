//! The same guards on the SSR path: protected pages rendered on the server never carry
//! protected data to someone who may not see it.

use crate::helpers::SignUp;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn anonymous_visitors_are_redirected_to_login() {
    let app = spawn_app().await;
    for page in ["/account", "/staff", "/admin"] {
        let response = app.get(page).await;
        assert!(
            matches!(response.status().as_u16(), 302 | 303),
            "{page}: {}",
            response.status()
        );
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
