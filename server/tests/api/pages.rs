//! Pages rendered on the server.

use crate::helpers::SignUp;
use std::time::Duration;

use leptos::config::LeptosOptions;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use crate::helpers::{spawn_app, spawn_app_serving};

#[tokio::test]
async fn home_page_is_rendered_on_the_server() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[CONTENT_TYPE].to_str().expect("ascii");
    assert!(content_type.starts_with("text/html"), "{content_type}");

    let html = response.text().await.expect("body");
    assert!(html.contains("<h1>Mizan</h1>"), "{html}");
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
async fn every_kind_of_page_says_no_store() {
    let app = spawn_app().await;
    let user = app.signed_up("someone@example.com").await;
    let cases = [
        ("page", app.get("/").await),
        ("404 page", app.get("/no/such/page").await),
        ("redirect", app.get("/account").await),
        ("403 page", app.page(&user, "/staff").await),
    ];
    mizan::testing::assert_no_store(&cases);
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

/// A file the release build precompressed (`--precompress`) is sent as it was written:
/// the brotli copy to a browser that accepts brotli, the gzip copy to one that accepts
/// only gzip, the file itself otherwise; never compressed again per download.
#[tokio::test]
async fn precompressed_files_are_sent_as_the_browser_accepts() {
    let site = tempfile::tempdir().expect("temporary site");
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).expect("pkg directory");
    for (name, bytes) in [
        ("mizan.abc.wasm", "the wasm itself"),
        ("mizan.abc.wasm.br", "its brotli copy"),
        ("mizan.abc.wasm.gz", "its gzip copy"),
    ] {
        std::fs::write(pkg.join(name), bytes).expect("site file");
    }
    let leptos = LeptosOptions::builder()
        .output_name("mizan")
        .site_root(site.path().display().to_string())
        .build();
    let app = spawn_app_serving(crate::helpers::test_settings(&[]).await, leptos).await;

    for (accepts, body, encoding) in [
        ("gzip, deflate, br", "its brotli copy", Some("br")),
        ("gzip", "its gzip copy", Some("gzip")),
        ("identity", "the wasm itself", None),
    ] {
        let response = app
            .client
            .get(app.url("/pkg/mizan.abc.wasm"))
            .header("accept-encoding", accepts)
            .send()
            .await
            .expect("file");
        assert_eq!(response.status(), 200, "{accepts}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(header("content-encoding").as_deref(), encoding, "{accepts}");
        assert_eq!(header("content-type").as_deref(), Some("application/wasm"));
        assert_eq!(response.text().await.expect("body"), body, "{accepts}");
    }
}

/// Leptos lists an app's routes by rendering it with resource loading suspended for the
/// whole process: a server started while another renders a page would leave that page
/// waiting forever. The framework lists routes once per process, so starting servers (as
/// tests do, many at once) never stalls a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_another_server_never_stalls_a_page_being_rendered() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let starting = tokio::spawn(async {
        for _ in 0..8 {
            let other = spawn_app().await;
            other.shutdown().await.expect("the other server stops");
        }
    });
    let mut pages = 0;
    while !starting.is_finished() {
        let page = tokio::time::timeout(Duration::from_secs(10), app.page(&ada, "/account"))
            .await
            .expect("the page answers while other servers start");
        assert_eq!(page.status(), StatusCode::OK);
        pages += 1;
    }
    starting.await.expect("servers start and stop");
    assert!(pages > 0, "pages were rendered while servers started");
}
