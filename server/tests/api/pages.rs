//! Pages rendered on the server.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use crate::helpers::spawn_app;

#[tokio::test]
async fn home_page_is_rendered_on_the_server() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[CONTENT_TYPE].to_str().expect("ascii");
    assert!(content_type.starts_with("text/html"), "{content_type}");

    let html = response.text().await.expect("body");
    assert!(html.contains("<h1>Mizan for Leptos</h1>"), "{html}");
    assert!(html.contains("<title>Mizan</title>"), "{html}");
    assert!(html.contains("Clicked"), "the counter is rendered: {html}");
    assert!(
        html.contains("/pkg/mizan.js"),
        "the hydration script is linked: {html}"
    );
    assert!(
        html.contains(r#"href="/pkg/mizan.css""#),
        "the stylesheet is linked: {html}"
    );
}

#[tokio::test]
async fn unknown_path_gets_the_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.expect("body");
    assert!(html.contains("Page not found"), "{html}");
    assert!(
        html.contains("<nav"),
        "the 404 page keeps the layout: {html}"
    );
}

#[tokio::test]
async fn pages_are_compressed_when_the_client_asks() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
