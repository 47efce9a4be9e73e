//! The showcase's chat over a real WebSocket: open `/ws/chat`, say something.

use std::net::SocketAddr;

use mizan::testing::socket::{self, Socket};
use serde_json::{Value, json};

/// Opens `/ws/chat?room=<room>` on the server at `addr` with `cookie` (and `origin`, when
/// given): the socket, or the HTTP status and JSON body of the refusal.
pub async fn open(
    addr: SocketAddr,
    room: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, (u16, Value)> {
    socket::open(addr, &format!("/ws/chat?room={room}"), cookie, origin).await
}

/// Sends `{"text": text}`.
pub async fn say(socket: &mut Socket, text: &str) {
    socket::send_json(socket, &json!({ "text": text })).await;
}
