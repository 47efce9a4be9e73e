//! The request path: how many session and user reads a request costs, sliding sessions,
//! and the ways a server function may be called.

use crate::helpers::SignUp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn with_redis_every_signed_in_request_reads_its_session_once() {
    let redis = crate::redis_server::RedisServer::start();
    let app = crate::helpers::spawn_app_with(&[("REDIS_URL", redis.url())]).await;
    let visitor = app.signed_up("shared@example.com").await;
    for _ in 0..2 {
        let before = app.reads();
        let (status, _) = app.call_json(&visitor, "account_summary", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.reads_since(before), (1, 1), "no per-process memory");
    }
}

#[tokio::test]
async fn a_request_without_a_session_cookie_reads_nothing() {
    let app = spawn_app().await;
    let anonymous = app.visitor();
    let before = app.reads();

    let page = app.page(&anonymous, "/").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers().get("set-cookie").is_none(),
        "an anonymous page creates no session"
    );
    let (status, _) = app.call_json(&anonymous, "echo", &[("text", "hi")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call_json(&anonymous, "current_user", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call_json(&anonymous, "account_summary", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(app.reads_since(before), (0, 0));
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn a_session_idle_for_13_days_is_extended_by_a_visit() {
    let app = spawn_app().await;
    let visitor = app.signed_up("idle@example.com").await;
    let day = 24 * 60 * 60;
    let now = time_now();

    // As it would be after 13 days without a visit: one day left, last saved 13 days ago.
    let (id, data): (String, String) = sqlx::query_as("SELECT id, data FROM sessions")
        .fetch_one(&app.state.db)
        .await
        .expect("the session");
    // Edited as text: the record's id is a 128-bit number, which `serde_json::Value`
    // would round.
    let field = "\"refreshed_at\":";
    let start = data.find(field).expect("the sign-in time is kept") + field.len();
    let end = start
        + data[start..]
            .find(|c: char| !c.is_ascii_digit())
            .expect("a number");
    let edited = format!("{}{}{}", &data[..start], now - 13 * day, &data[end..]);
    sqlx::query("UPDATE sessions SET data = $1, expires_at = $2 WHERE id = $3")
        .bind(edited)
        .bind(now + day)
        .bind(&id)
        .execute(&app.state.db)
        .await
        .expect("update");

    let response = app.call(&visitor, "account_summary", &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "still signed in");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .expect("the cookie is sent again with a new lifetime")
        .to_owned();
    assert!(cookie.contains("Max-Age=1209600"), "{cookie}");

    let expires_at: i64 = sqlx::query_scalar("SELECT expires_at FROM sessions")
        .fetch_one(&app.state.db)
        .await
        .expect("the session");
    assert!(
        expires_at >= now + 14 * day - 60,
        "14 days from this visit, not from the sign-in: {} days left",
        (expires_at - now) / day
    );

    // A visit soon after writes nothing: no new cookie.
    let again = app.call(&visitor, "account_summary", &[]).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get("set-cookie").is_none());
}

fn time_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

#[tokio::test]
async fn server_functions_take_json_as_well_as_form_bodies() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let response = visitor
        .post(app.url("/api/echo"))
        .json(&json!({"text": "über JSON"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["message"], "über JSON");

    let broken = visitor
        .post(app.url("/api/echo"))
        .header("content-type", "application/json")
        .body("{\"text\":")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: Value = broken.json().await.expect("JSON");
    assert_eq!(body["error"], "bad_request");

    // A form's fields travel flat, in either encoding.
    let response = visitor
        .post(app.url("/api/contact.validate"))
        .json(&json!({"email": "not an email"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["fields"]["email"].is_array(), "{body}");
    assert!(body["fields"]["message"][0].is_string(), "{body}");
}

#[tokio::test]
async fn a_plain_html_form_posted_to_a_function_goes_back_to_its_page() {
    let app = spawn_app().await;
    let visitor = app.signed_up("plain@example.com").await;
    let referer = app.url("/account");
    let response = visitor
        .post(app.url("/api/logout"))
        .header("accept", "text/html")
        .header("referer", &referer)
        .form(&[("", "")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok()),
        Some(referer.as_str())
    );
    let (status, _) = app.call_json(&visitor, "account_summary", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the logout happened");
}

#[tokio::test]
async fn a_plain_html_form_with_unreadable_arguments_goes_back_with_the_error() {
    let app = spawn_app().await;
    let referer = app.url("/greet");
    let response = app
        .visitor()
        .post(app.url("/api/echo"))
        .header("accept", "text/html")
        .header("referer", &referer)
        .form(&[("not_text", "x")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a Location")
        .to_owned();
    assert!(location.starts_with(&referer), "{location}");
    assert!(location.contains("__err="), "{location}");
}

#[tokio::test]
async fn the_app_hands_its_own_typed_values_to_its_handlers() {
    #[derive(Debug, Clone, PartialEq)]
    struct Greeting(&'static str);

    let settings = crate::helpers::test_settings(&[]).await;
    let app =
        mizan::runtime::App::builder(settings.config(), crate::helpers::test_leptos_options())
            .with(Greeting("hello"))
            .build()
            .await
            .expect("the framework builds without pages");
    assert_eq!(app.state().get::<Greeting>(), Some(&Greeting("hello")));
    assert_eq!(app.state().get::<String>(), None);
}
