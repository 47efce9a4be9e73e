//! A small SMTP server on loopback: it refuses every message (451, "try again later")
//! until told to accept, and keeps what it accepted. Enough SMTP for lettre: greeting,
//! EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its recipients, as `RCPT TO` named them.
    pub to: Vec<String>,
    /// Its headers and body, as `DATA` carried them.
    pub data: String,
}

impl Received {
    /// Whether its subject is `subject`.
    pub fn is_about(&self, subject: &str) -> bool {
        self.data.contains(&format!("Subject: {subject}"))
    }
}

#[derive(Default)]
struct Shared {
    accepting: AtomicBool,
    /// How long it waits before it answers a message's end (a slow server), in ms.
    slow_ms: std::sync::atomic::AtomicU64,
    refused: AtomicUsize,
    received: Mutex<Vec<Received>>,
}

/// The server; it stops when dropped.
pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    /// Listens on a free loopback port; `accepting` says whether it takes messages yet.
    /// Call it within a Tokio runtime (it serves on a task).
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start(accepting: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let shared = Arc::new(Shared::default());
        shared.accepting.store(accepting, Ordering::SeqCst);
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, serving.clone()));
            }
        });
        Self { addr, shared, task }
    }

    /// `SMTP_URL` for it (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// From now on, messages are accepted.
    pub fn accept(&self) {
        self.shared.accepting.store(true, Ordering::SeqCst);
    }

    /// From now on, each message's acceptance comes `delay` after its end.
    pub fn slow_down(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.shared.slow_ms.store(ms, Ordering::SeqCst);
    }

    /// How many messages it refused.
    pub fn refusals(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// The messages accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until `done` holds for what it accepted: what it accepted by then.
    ///
    /// # Panics
    /// When `within` passes first, saying `what`.
    pub async fn wait_until(
        &self,
        within: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what} within {within:?}: {} accepted, {} refused",
                received.len(),
                self.refusals()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One client's session.
async fn converse(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut to = Vec::new();
    macro_rules! reply {
        ($text:expr) => {
            if write.write_all($text.as_bytes()).await.is_err() {
                return;
            }
        };
    }
    reply!("220 test.local ESMTP ready\r\n");
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => reply!("250 test.local\r\n"),
            "MAIL" if !shared.accepting.load(Ordering::SeqCst) => {
                shared.refused.fetch_add(1, Ordering::SeqCst);
                reply!("451 4.3.0 try again later\r\n");
            }
            "MAIL" => {
                to.clear();
                reply!("250 2.1.0 OK\r\n");
            }
            "RCPT" => {
                let address = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                to.push(address);
                reply!("250 2.1.5 OK\r\n");
            }
            "DATA" => {
                reply!("354 end with <CRLF>.<CRLF>\r\n");
                let mut data = String::new();
                loop {
                    match lines.next_line().await {
                        Ok(Some(line)) if line == "." => break,
                        Ok(Some(line)) => {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        _ => return,
                    }
                }
                let slow = shared.slow_ms.load(Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(slow)).await;
                shared
                    .received
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Received {
                        to: std::mem::take(&mut to),
                        data,
                    });
                reply!("250 2.0.0 queued\r\n");
            }
            "RSET" => {
                to.clear();
                reply!("250 2.0.0 OK\r\n");
            }
            "NOOP" => reply!("250 2.0.0 OK\r\n"),
            "QUIT" => {
                reply!("221 2.0.0 bye\r\n");
                return;
            }
            _ => reply!("502 5.5.2 not implemented\r\n"),
        }
    }
}
