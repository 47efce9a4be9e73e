//! The binary refuses bad settings with one clear line, not a panic.

use std::process::Command;

fn run_server(vars: &[(&str, &str)]) -> (bool, String) {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("MIZAN_DATA_DIR", data_dir.path())
        // Set by cargo-leptos at build time; `cargo test` builds do not have it.
        .env("LEPTOS_OUTPUT_NAME", "app")
        .envs(vars.iter().copied())
        .current_dir(data_dir.path())
        .output()
        .expect("the server binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn production_without_secret_key_fails_fast_and_says_why() {
    let (ok, stderr) = run_server(&[("MIZAN_ENV", "production")]);
    assert!(!ok);
    assert!(
        stderr.starts_with("error: invalid configuration: SECRET_KEY:"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unreadable_listen_address_fails_fast_and_says_why() {
    let (ok, stderr) = run_server(&[("LEPTOS_SITE_ADDR", "not-an-address")]);
    assert!(!ok);
    assert!(stderr.contains("LEPTOS_SITE_ADDR"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unreachable_database_is_waited_for_then_named() {
    let started = std::time::Instant::now();
    let (ok, stderr) = run_server(&[
        ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
        ("MIZAN_DB_WAIT_SECS", "2"),
    ]);
    let waited = started.elapsed();
    assert!(!ok);
    assert!(
        stderr.contains("cannot open the database (DATABASE_URL)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        waited >= std::time::Duration::from_millis(1500)
            && waited < std::time::Duration::from_secs(10),
        "waited {waited:?} for a database told to wait 2 s"
    );
}
