//! The showcase's forms over HTTP: the contact page answering its own post without
//! JavaScript, cross-site page posts refused, the contact form's limit per client, and
//! the greeting's local context (the form machinery is tested on the framework's
//! fixture; the account forms in `tests/accounts`).

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};

/// A contact message that passes every rule.
fn good_message() -> Vec<(&'static str, String)> {
    vec![
        ("name", "Ada".into()),
        ("email", "ada@example.com".into()),
        ("subject", "Engines".into()),
        ("message", "About the analytical engine.".into()),
    ]
}

/// `good_message()` with `field` set to `value` (or removed, for `None`).
fn with(field: &'static str, value: Option<&str>) -> Vec<(&'static str, String)> {
    let mut values: Vec<_> = good_message()
        .into_iter()
        .filter(|(name, _)| *name != field)
        .collect();
    if let Some(value) = value {
        values.push((field, value.to_owned()));
    }
    values
}

async fn stored_messages(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM contact_messages")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn without_javascript_the_page_answers_its_own_post() {
    let app = spawn_app().await;
    let visitor = app.visitor();

    let (status, html) = app
        .post_page(
            &visitor,
            "/contact",
            "contact",
            &with("email", Some("nope")),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("enter an email address like name@example.com"),
        "{html}"
    );
    assert!(
        html.contains(r#"value="Ada""#),
        "the typed values come back: {html}"
    );
    assert_eq!(stored_messages(&app).await, 0);

    let (status, html) = app
        .post_page(&visitor, "/contact", "contact", &good_message())
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Thank you: your message was sent."), "{html}");
    assert_eq!(stored_messages(&app).await, 1);
}

#[tokio::test]
async fn cross_site_page_posts_are_refused() {
    let app = spawn_app().await;
    let response = app
        .visitor()
        .post(app.url("/contact"))
        .header("origin", "https://evil.example")
        .form(&[("__form", "contact")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_local_context_is_resolved_on_the_server() {
    let app = spawn_app().await;
    let response = app.get("/greet?name=Ada").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains("Hello, Ada!"), "{html}");

    let (status, body) = app
        .post_form(&app.visitor(), "/api/greet", &[("name", "x".repeat(101))])
        .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn the_contact_form_is_limited_per_client() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let mut statuses = Vec::new();
    for n in 0..=CONTACT_MESSAGES_PER_CLIENT {
        let subject = format!("Question {n}");
        let (status, _) = app
            .call_json(
                &visitor,
                "contact.submit",
                &[
                    ("name", "Someone"),
                    ("email", "someone@example.com"),
                    ("subject", &subject),
                    ("message", "A message long enough to be sent."),
                ],
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_eq!(
        app.rows("contact_messages").await,
        i64::try_from(CONTACT_MESSAGES_PER_CLIENT).expect("small")
    );
}

/// Contact messages one client may send an hour.
const CONTACT_MESSAGES_PER_CLIENT: usize = 10;
