//! The binary stops cleanly on SIGTERM and SIGINT.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn stops_cleanly_on(signal: &str) {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("MIZAN_DATA_DIR", data_dir.path())
        .env("LEPTOS_OUTPUT_NAME", "app")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("RUST_LOG", "info")
        .current_dir(data_dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");

    let started = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());

    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if stopping.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            panic!("the server did not stop within 15 s of SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_string(&mut stdout).expect("read stdout");
    }
    assert!(status.success(), "exit status {status:?}");
    assert!(stdout.contains("shutdown signal received"), "{stdout}");
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "nothing listens after the exit"
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    stops_cleanly_on("TERM");
}

#[test]
fn sigint_stops_the_server_cleanly() {
    stops_cleanly_on("INT");
}
