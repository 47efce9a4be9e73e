//! WebSocket measurements: fan-out of messages to a room's members, and what idle
//! connections cost the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a fan-out measured.
#[derive(Debug, Clone, Copy)]
pub struct FanOut {
    /// Messages delivered per second, all members together.
    pub deliveries_per_sec: f64,
    /// 99th percentile of the time from sending to receiving, in milliseconds.
    pub p99_ms: f64,
    /// Median of the same.
    pub p50_ms: f64,
    /// Deliveries that arrived, out of those expected.
    pub delivered: usize,
    /// Deliveries expected.
    pub expected: usize,
}

/// Opens `/ws/chat?room=<room>` with `cookie`.
pub async fn connect(addr: SocketAddr, room: &str, cookie: &str) -> Result<Socket, String> {
    let mut request = format!("ws://{addr}/ws/chat?room={room}")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "cookie",
        HeaderValue::from_str(cookie).map_err(|e| e.to_string())?,
    );
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
        .map_err(|e| e.to_string())
}

/// Opens `n` connections to `room`, a few hundred at a time.
pub async fn connect_many(
    addr: SocketAddr,
    room: &str,
    cookie: &str,
    n: usize,
) -> Result<Vec<Socket>, String> {
    let mut sockets = Vec::with_capacity(n);
    while sockets.len() < n {
        let batch = (n - sockets.len()).min(250);
        let opened =
            futures_util::future::join_all((0..batch).map(|_| connect(addr, room, cookie))).await;
        for socket in opened {
            sockets.push(socket?);
        }
    }
    Ok(sockets)
}

/// `subscribers` members of a room receive `senders × 10` messages (each sender's burst
/// stays within the channel's rate limit). Each message carries its send time.
pub async fn fan_out(
    addr: SocketAddr,
    cookie: &str,
    room: &str,
    subscribers: usize,
    senders: usize,
) -> Result<FanOut, String> {
    const PER_SENDER: usize = 10;
    let members = connect_many(addr, room, cookie, subscribers).await?;
    let mut speakers = connect_many(addr, room, cookie, senders).await?;
    let expected = subscribers * senders * PER_SENDER;
    let origin = Arc::new(Instant::now());

    let receivers: Vec<_> = members
        .into_iter()
        .map(|mut socket| {
            let origin = origin.clone();
            let wanted = senders * PER_SENDER;
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(wanted);
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                while latencies.len() < wanted {
                    let Ok(Some(Ok(frame))) =
                        tokio::time::timeout_at(deadline, socket.next()).await
                    else {
                        break;
                    };
                    if let Message::Text(text) = frame
                        && let Some(sent) = sent_at(&text)
                    {
                        latencies.push(origin.elapsed().as_micros() as u64 - sent);
                    }
                }
                (latencies, origin.elapsed())
            })
        })
        .collect();

    // The speakers also receive every message; they drain them so they never block.
    let started = origin.elapsed();
    for burst in 0..PER_SENDER {
        for speaker in &mut speakers {
            let text = format!("{} #{burst}", origin.elapsed().as_micros());
            speaker
                .send(Message::text(
                    serde_json::json!({ "text": text }).to_string(),
                ))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let drains: Vec<_> = speakers
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline, s.next()).await {}
            })
        })
        .collect();

    let mut all = Vec::with_capacity(expected);
    let mut last = started;
    for receiver in receivers {
        let (latencies, finished) = receiver.await.map_err(|e| e.to_string())?;
        all.extend(latencies);
        last = last.max(finished);
    }
    for drain in drains {
        drain.abort();
    }
    all.sort_unstable();
    let percentile = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |&us| us as f64 / 1000.0)
    };
    let seconds = (last - started).as_secs_f64().max(1e-6);
    Ok(FanOut {
        deliveries_per_sec: all.len() as f64 / seconds,
        p99_ms: percentile(0.99),
        p50_ms: percentile(0.50),
        delivered: all.len(),
        expected,
    })
}

/// The send time a message carries: `{"text":"<micros> #n", …}`.
fn sent_at(frame: &str) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_str(frame).ok()?;
    value["text"].as_str()?.split(' ').next()?.parse().ok()
}
