//! The showcase's chat over real WebSockets: its history on the page and after a
//! reconnection, and the app's admin functions closing the connections of those whose
//! rights they change (the channel machinery is tested on the framework's fixture).

use crate::helpers::SignUp;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::chat::{self, say};
use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app};
use mizan::testing::socket::{Socket, closed_within, next_json, next_within};

async fn open(
    app: &TestApp,
    room: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, (u16, Value)> {
    chat::open(app.addr, room, cookie, origin).await
}

async fn connected(app: &TestApp, room: &str, cookie: &str) -> Socket {
    open(app, room, Some(cookie), None)
        .await
        .expect("connected")
}

#[tokio::test]
async fn the_room_page_renders_its_history_on_the_server() {
    let app = spawn_app().await;
    let (visitor, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let mut socket = connected(&app, "lobby", &ada).await;
    say(&mut socket, "rendered on the server").await;
    next_json(&mut socket).await;

    let page = app.page(&visitor, "/chat/lobby").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains("rendered on the server"), "{html}");

    let anonymous = app.get("/chat/lobby").await;
    assert_eq!(anonymous.headers()["location"], "/login?next=/chat/lobby");
    let user = app.signed_up("plain@example.com").await;
    assert_eq!(
        app.page(&user, "/chat/staff-ops").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_room_name_that_is_not_a_short_slug_is_refused_wherever_it_is_read() {
    let app = spawn_app().await;
    let (visitor, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let rule = "room name is 1 to 40 lowercase letters, digits and dashes";

    let page = app.page(&visitor, "/chat/Lobby").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.expect("body").contains(rule));

    let (status, body) = app
        .call_json(&visitor, "chat_history", &[("room", "two words")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains(rule)),
        "{body}"
    );

    let (status, body) = open(&app, "Lobby", Some(&ada), None)
        .await
        .expect_err("refused");
    assert_eq!(status, 400);
    assert!(body.to_string().contains(rule), "{body}");
}

#[tokio::test]
async fn a_client_that_resumes_after_its_last_message_gets_what_it_missed() {
    let app = spawn_app().await;
    let (_, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let (_, bob) = app.signed_up_as("bob@example.com", "Bob").await;
    let mut bob_socket = connected(&app, "lobby", &bob).await;
    say(&mut bob_socket, "first").await;
    let first = next_json(&mut bob_socket).await;
    // Sent while Ada's page is rendered but not yet connected.
    say(&mut bob_socket, "second").await;
    say(&mut bob_socket, "third").await;
    let _ = next_json(&mut bob_socket).await;
    let _ = next_json(&mut bob_socket).await;

    let after = first["id"].as_str().expect("an id");
    let mut ada_socket = connected(&app, &format!("lobby&after={after}"), &ada).await;
    assert_eq!(next_json(&mut ada_socket).await["text"], "second");
    assert_eq!(next_json(&mut ada_socket).await["text"], "third");
    // Then live, as any member.
    say(&mut bob_socket, "fourth").await;
    assert_eq!(next_json(&mut ada_socket).await["text"], "fourth");

    // Without `after`, nothing from before.
    let mut fresh = connected(&app, "lobby", &ada).await;
    assert!(
        next_within(&mut fresh, Duration::from_millis(300))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn a_member_whose_rights_change_leaves_the_rooms_they_may_no_longer_join() {
    let app = spawn_app().await;
    let (root_client, sam_client, sam) = root_and_sam(&app).await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'sam@example.com'")
        .await;
    let sam_id = app.user_id("sam@example.com").await;
    let mut staff_room = connected(&app, "staff-ops", &sam).await;
    let mut lobby = connected(&app, "lobby", &sam).await;

    let (status, body) = app
        .call_json(
            &root_client,
            "set_staff",
            &[("user_id", &sam_id), ("is_staff", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Demoted: out of the staff room at once, still in the lobby.
    let close = timeout_close_code(&mut staff_room).await;
    assert_eq!(close, Some(1008));
    say(&mut lobby, "still here").await;
    assert_eq!(next_json(&mut lobby).await["text"], "still here");

    // A changed (or reset) password ends every other session: every connection closes.
    let (status, body) = app
        .call_json(
            &sam_client,
            "change_password.submit",
            &[
                ("current_password", TEST_PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(closed_within(&mut lobby, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_deactivated_member_is_closed_out_and_stays_signed_out() {
    let app = spawn_app().await;
    let (root_client, sam_client, sam) = root_and_sam(&app).await;
    let (root_id, sam_id) = (
        app.user_id("root@example.com").await,
        app.user_id("sam@example.com").await,
    );
    let mut lobby = connected(&app, "lobby", &sam).await;
    let (status, body) = set_active(&app, &root_client, &root_id, "false").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no one deactivates themselves: {body}"
    );

    let (status, body) = set_active(&app, &root_client, &sam_id, "false").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(timeout_close_code(&mut lobby).await, Some(1008));
    assert_eq!(
        app.call(&sam_client, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Active again, the old session still does not count: Sam signs in anew.
    let (status, body) = set_active(&app, &root_client, &sam_id, "true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.call(&sam_client, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, listed) = app.call_json(&root_client, "list_users", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let sam_listed = listed
        .as_array()
        .and_then(|users| users.iter().find(|u| u["email"] == "sam@example.com"))
        .expect("Sam is listed");
    assert_eq!(sam_listed["is_active"], true);
}

/// Root (a superuser) and Sam, each signed in: their clients, and Sam's cookie for
/// WebSocket handshakes.
async fn root_and_sam(app: &TestApp) -> (reqwest::Client, reqwest::Client, String) {
    let (root_client, _) = app.signed_up_as("root@example.com", "Root").await;
    let (sam_client, sam) = app.signed_up_as("sam@example.com", "Sam").await;
    app.sql(
        "UPDATE users SET is_staff = TRUE, is_superuser = TRUE WHERE email = 'root@example.com'",
    )
    .await;
    (root_client, sam_client, sam)
}

/// Root deactivates (or activates) an account through the superuser function.
async fn set_active(
    app: &TestApp,
    root: &reqwest::Client,
    user_id: &str,
    active: &str,
) -> (StatusCode, Value) {
    app.call_json(
        root,
        "set_active",
        &[("user_id", user_id), ("is_active", active)],
    )
    .await
}

/// The close code the server sends within two seconds, if it closes.
async fn timeout_close_code(socket: &mut Socket) -> Option<u16> {
    tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}
