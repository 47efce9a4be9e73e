//! Security headers on every response: a page's script policy names its own nonce, and
//! every inline script of the page carries it.

use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_app_with};

/// The nonce a policy allows: `'nonce-<value>'`.
fn nonce_of(policy: &str) -> &str {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let end = policy[start..].find('\'').expect("closing quote") + start;
    &policy[start..end]
}

#[tokio::test]
async fn a_page_allows_only_its_own_scripts_with_a_nonce_per_render() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = app.page(&visitor, "/").await;
        assert_eq!(page.status(), StatusCode::OK);
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .expect("text")
            .to_owned();
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        let nonce = nonce_of(&policy).to_owned();
        let html = page.text().await.expect("body");
        // Every script element carries the nonce (inline ones would not run otherwise).
        let scripts = html.matches("<script").count();
        assert!(scripts >= 1, "{html}");
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{html}"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce for every render");
}

#[tokio::test]
async fn every_response_gets_the_security_headers() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let responses = [
        app.page(&visitor, "/").await,
        app.page(&visitor, "/no/such/page").await,
        app.call(&visitor, "echo", &[("text", "hi")]).await,
        app.call(&visitor, "list_users", &[]).await,
        app.get("/healthz").await,
        app.get("/favicon.svg").await,
    ];
    for response in responses {
        let url = response.url().clone();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(headers["x-frame-options"], "DENY", "{url}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{url}"
        );
        assert!(
            headers["permissions-policy"]
                .to_str()
                .is_ok_and(|p| p.contains("camera=()")),
            "{url}"
        );
        let policy = headers["content-security-policy"].to_str().expect("text");
        assert!(policy.contains("frame-ancestors 'none'"), "{url}: {policy}");
        assert!(!policy.contains("script-src 'unsafe-inline'"), "{url}");
        // Not in development: HSTS would pin `localhost` to HTTPS.
        assert!(headers.get("strict-transport-security").is_none(), "{url}");
    }
}

#[tokio::test]
async fn production_adds_hsts() {
    let app = spawn_app_with(&[
        ("MIZAN_ENV", "production".into()),
        ("SECRET_KEY", "a production secret key of 32+ chars".into()),
    ])
    .await;
    let response = app.get("/healthz").await;
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}
