//! A WebSocket client for the tests: open one of the app's channels, send JSON, read what
//! comes.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client's end of a WebSocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `path` (with its query, e.g. `/ws/room?name=lobby`) on the server at `addr` with
/// `cookie` (and `origin`, when given): the socket, or the HTTP status and JSON body of
/// the refusal.
///
/// # Panics
/// If `path` does not start with `/`, `cookie` or `origin` is not a header value, or the
/// handshake fails for another reason than the server's refusal.
pub async fn open(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, (u16, Value)> {
    let url = format!("ws://{addr}{path}");
    let mut request = url.into_client_request().expect("request");
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", HeaderValue::from_str(cookie).expect("cookie"));
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(origin).expect("origin"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_ref()
                .and_then(|body| serde_json::from_slice(body).ok())
                .unwrap_or(Value::Null);
            Err((status, body))
        }
        Err(e) => panic!("handshake failed: {e}"),
    }
}

/// Sends `message` as a JSON text frame.
///
/// # Panics
/// If the connection is gone.
pub async fn send_json(socket: &mut Socket, message: &Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// The next JSON text frame (pings are answered on the way), within two seconds.
///
/// # Panics
/// If none comes.
pub async fn next_json(socket: &mut Socket) -> Value {
    next_within(socket, Duration::from_secs(2))
        .await
        .expect("a frame arrives")
}

/// The next JSON text frame within `wait`, if one comes (other frames are skipped).
pub async fn next_within(socket: &mut Socket, wait: Duration) -> Option<Value> {
    timeout(wait, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(value) = serde_json::from_str(&text) {
                        return Some(value);
                    }
                }
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// Whether the server closes `socket` within `wait` (frames before the close are skipped).
pub async fn closed_within(socket: &mut Socket, wait: Duration) -> bool {
    timeout(wait, async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .is_ok()
}
