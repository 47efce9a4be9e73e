//! The signed-in cache, in a test binary of its own: the cache's generation is
//! process-wide (any user change makes every remembered sign-in stale), so the other
//! integration tests, running in parallel in one process, would make its exact counts of
//! reads flaky.

// Shared by the test binaries; each uses part of it.
#[allow(dead_code, unused_imports)]
mod support;

use reqwest::StatusCode;
use serde_json::json;

use support::{SignUp, spawn_app};

#[tokio::test]
async fn a_signed_in_request_reads_its_session_and_user_once_then_from_memory() {
    let app = spawn_app().await;
    let visitor = app.signed_up("reads@example.com").await;

    let before = app.reads();
    let (status, body) = app.call_json(&visitor, "account_summary", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "reads@example.com");
    assert_eq!(
        app.reads_since(before),
        (1, 1),
        "guard and body share one lookup"
    );

    // The signed-in cache answers the next requests: guard, body and per-user cache
    // scope, then a whole page (its global context and guarded resources).
    let before = app.reads();
    let (status, _) = app.call_json(&visitor, "my_message_count", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let page = app.page(&visitor, "/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("reads@example.com")
    );
    assert_eq!(app.reads_since(before), (0, 0));

    // A change to the user is seen at once: one lookup again, with the new name.
    let (status, _) = app
        .call_json(&visitor, "profile.submit", &[("name", "Renamed")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = app.reads();
    let (status, body) = app.call_json(&visitor, "account_summary", &[]).await;
    assert_eq!((status, &body["name"]), (StatusCode::OK, &json!("Renamed")));
    assert_eq!(app.reads_since(before), (1, 1));

    // So is a sign-out: the session is gone, and nothing answers for it.
    let (status, _) = app.call_json(&visitor, "logout", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call_json(&visitor, "account_summary", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
