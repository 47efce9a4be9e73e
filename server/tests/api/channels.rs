//! The chat channel over real WebSockets: who may connect, who receives what, and the
//! limits that keep one connection from hurting the others.

use crate::helpers::SignUp;
use std::time::Duration;

use app::showcase::chat::{ChatChannel, ChatMessage};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::chat_client::{self, Socket, closed_within, next_json, next_within, say};
use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app, spawn_app_with};
use crate::redis_server::RedisServer;

async fn open(
    app: &TestApp,
    room: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, (u16, Value)> {
    chat_client::open(app.addr, room, cookie, origin).await
}

async fn connected(app: &TestApp, room: &str, cookie: &str) -> Socket {
    open(app, room, Some(cookie), None)
        .await
        .expect("connected")
}

#[tokio::test]
async fn only_authorized_visitors_connect_and_refusals_come_over_http() {
    let app = spawn_app().await;
    let (_, user) = app.signed_up_as("user@example.com", "User").await;

    assert!(open(&app, "lobby", Some(&user), None).await.is_ok());
    let refused = [
        (
            open(&app, "lobby", None, None).await,
            401,
            "unauthenticated",
        ),
        (
            open(&app, "staff-ops", Some(&user), None).await,
            403,
            "forbidden",
        ),
        (
            open(&app, "Not%20A%20Room", Some(&user), None).await,
            400,
            "bad_request",
        ),
        (
            open(&app, "lobby", Some(&user), Some("https://evil.example")).await,
            403,
            "forbidden",
        ),
    ];
    for (result, status, error) in refused {
        let (got, body) = result.expect_err("refused");
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{body}"
        );
    }

    let (_, staff) = app.signed_up_as("staff@example.com", "Staff").await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'staff@example.com'")
        .await;
    assert!(open(&app, "staff-ops", Some(&staff), None).await.is_ok());
}

#[tokio::test]
async fn a_message_reaches_every_member_of_the_room_and_no_one_else() {
    let app = spawn_app().await;
    let (_, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let (_, bob) = app.signed_up_as("bob@example.com", "Bob").await;
    let mut a = connected(&app, "lobby", &ada).await;
    let mut b = connected(&app, "lobby", &bob).await;
    let mut elsewhere = connected(&app, "kitchen", &bob).await;

    say(&mut a, "  hello, lobby  ").await;
    for socket in [&mut a, &mut b] {
        let frame = next_json(socket).await;
        assert_eq!(frame["room"], "lobby");
        assert_eq!(frame["user"], "Ada");
        assert_eq!(frame["text"], "hello, lobby");
    }
    assert_eq!(
        next_within(&mut elsewhere, Duration::from_millis(300)).await,
        None
    );

    // Stored: the room's history has it.
    let history = app
        .call(
            &app.signed_up("carol@example.com").await,
            "chat_history",
            &[("room", "lobby")],
        )
        .await
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(history[0]["text"], "hello, lobby");
}

#[tokio::test]
async fn a_server_function_sends_to_a_group() {
    let app = spawn_app().await;
    let (_, member) = app.signed_up_as("member@example.com", "Member").await;
    let (staff, _) = app.signed_up_as("staff@example.com", "Staff").await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'staff@example.com'")
        .await;
    let mut socket = connected(&app, "lobby", &member).await;

    let response = app
        .call(
            &staff,
            "announce",
            &[("room", "lobby"), ("text", "The lobby closes at six.")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let frame = next_json(&mut socket).await;
    assert_eq!(frame["text"], "The lobby closes at six.");
    assert_eq!(frame["user"], "Staff");

    let forbidden = app
        .call(
            &app.signed_up("plain@example.com").await,
            "announce",
            &[("room", "lobby"), ("text", "x")],
        )
        .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_frames_are_answered_with_an_error_and_the_connection_stays() {
    let app = spawn_app().await;
    let (_, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let mut socket = connected(&app, "lobby", &ada).await;

    let cases = [
        (Message::text("not json"), "bad_request"),
        (
            Message::text(json!({ "txt": "typo" }).to_string()),
            "bad_request",
        ),
        (Message::binary(vec![1, 2, 3]), "bad_request"),
        (
            Message::text(json!({ "text": "x".repeat(5000) }).to_string()),
            "bad_request",
        ),
        (
            Message::text(json!({ "text": "   " }).to_string()),
            "validation",
        ),
    ];
    for (frame, error) in cases {
        socket.send(frame).await.expect("sent");
        assert_eq!(next_json(&mut socket).await["error"], error);
    }
    say(&mut socket, "still here").await;
    assert_eq!(next_json(&mut socket).await["text"], "still here");

    // Frames beyond the hard limit end the connection (close code 1009), nothing else.
    let _ = socket.send(Message::text("y".repeat(64 * 1024))).await;
    assert!(closed_within(&mut socket, Duration::from_secs(2)).await);
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_connection_that_sends_too_fast_is_told_to_wait() {
    let app = spawn_app().await;
    let (_, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let mut socket = connected(&app, "lobby", &ada).await;
    for n in 0..10 {
        say(&mut socket, &format!("message {n}")).await;
        assert_eq!(next_json(&mut socket).await["text"], format!("message {n}"));
    }
    say(&mut socket, "one too many").await;
    let frame = next_json(&mut socket).await;
    assert_eq!(frame["error"], "rate_limited", "{frame}");
    assert!(
        frame["retry_after"]
            .as_u64()
            .is_some_and(|s| (1..=10).contains(&s)),
        "{frame}"
    );
}

#[tokio::test]
async fn a_slow_reader_does_not_hold_up_the_others() {
    let app = spawn_app().await;
    let (_, ada) = app.signed_up_as("ada@example.com", "Ada").await;
    let (_, bob) = app.signed_up_as("bob@example.com", "Bob").await;
    // Connected, then never read from again.
    let _slow = connected(&app, "lobby", &bob).await;
    let mut reader = connected(&app, "lobby", &ada).await;

    // 300 messages of 64 KiB: ~19 MiB, far more than the slow socket's buffers hold.
    let text = "z".repeat(64 * 1024);
    for n in 0..300 {
        let message = ChatMessage {
            id: n.to_string(),
            room: "lobby".into(),
            user: "load".into(),
            text: text.clone(),
            at: 0,
        };
        mizan::channels::group_send::<ChatChannel>(&app.state.channels, "chat:lobby", &message)
            .await
            .expect("sent");
        let frame = next_json(&mut reader).await;
        assert_eq!(
            frame["id"],
            n.to_string(),
            "the fast reader gets every message in order"
        );
    }
}

#[tokio::test]
async fn with_redis_a_message_sent_on_one_server_reaches_members_on_another() {
    let redis = RedisServer::start();
    let settings = [("REDIS_URL", redis.url())];
    let one = spawn_app_with(&settings).await;
    let two = spawn_app_with(&settings).await;
    let (_, ada) = one.signed_up_as("ada@example.com", "Ada").await;
    let (_, bob) = two.signed_up_as("bob@example.com", "Bob").await;
    let mut on_one = connected(&one, "lobby", &ada).await;
    let mut on_two = connected(&two, "lobby", &bob).await;
    // The subscription of each server to Redis may take a moment after start-up.
    let mut delivered = false;
    for attempt in 0..20 {
        say(&mut on_one, &format!("hello {attempt}")).await;
        let mine = next_json(&mut on_one).await;
        if let Some(theirs) = next_within(&mut on_two, Duration::from_millis(300)).await {
            assert_eq!(theirs, mine);
            assert_eq!(theirs["user"], "Ada");
            delivered = true;
            break;
        }
    }
    assert!(delivered, "a message on server one reaches server two");
    say(&mut on_two, "hi from two").await;
    assert_eq!(next_json(&mut on_one).await["text"], "hi from two");
}

/// A channel with short timers, served beside a test app, to see keepalive and idle
/// timeouts in well under a second.
mod quick {
    use std::time::Duration;

    use mizan::AppError;
    use mizan::auth::CurrentUser;
    use mizan::channels::{Channel, ChannelHandler, ChannelRoutes, Joined, Limits};

    pub struct Quick;

    /// Any query; none is needed.
    pub type NoParams = std::collections::BTreeMap<String, String>;

    impl Channel for Quick {
        const NAME: &'static str = "quick";
        type Params = NoParams;
        type Incoming = String;
        type Outgoing = String;
    }

    impl ChannelHandler for Quick {
        const LIMITS: Limits = Limits {
            ping_every: Duration::from_millis(100),
            idle_timeout: Duration::from_millis(400),
            ..Limits::DEFAULT
        };

        fn authorize(_: Option<&CurrentUser>, _: &NoParams) -> Result<(), AppError> {
            Ok(())
        }

        fn group(_: &NoParams) -> String {
            "quick".into()
        }

        async fn on_message(_: &Joined<Self>, text: String) -> Result<Option<String>, AppError> {
            Ok(Some(text))
        }
    }

    pub fn routes() -> ChannelRoutes {
        ChannelRoutes::new().channel::<Quick>()
    }
}

#[tokio::test]
async fn live_connections_are_pinged_and_silent_ones_closed() {
    let app = spawn_app().await;
    let router = quick::routes()
        .into_parts()
        .0
        .layer(
            mizan::server::sessions::Sessions::new(app.state.db.clone(), None, Default::default())
                .layer(app.state.config.session_cookie(), false),
        )
        .with_state(app.state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    let url = format!("ws://{addr}/ws/quick");

    // A client that reads answers pings (tungstenite does) and stays connected.
    let (mut live, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connected");
    let mut pings = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(900);
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, live.next()).await {
        if frame.is_ping() {
            pings += 1;
        }
    }
    assert!(pings >= 3, "pinged {pings} times in 0.9 s");
    live.send(Message::text("\"still here\""))
        .await
        .expect("still open");
    assert_eq!(next_json(&mut live).await, json!("still here"));

    // A client that stops reading sends no pongs: closed after 0.4 s of silence.
    let (mut silent, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connected");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(closed_within(&mut silent, Duration::from_secs(1)).await);
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
