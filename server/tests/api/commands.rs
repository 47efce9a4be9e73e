//! `server createsuperuser`, run as a script would.

use std::process::Command;

use crate::helpers::{TestSettings, spawn_app_from};
use reqwest::StatusCode;

fn createsuperuser(
    settings: &TestSettings,
    args: &[&str],
    password: Option<&str>,
) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .envs(settings.env())
        .current_dir(settings.data_dir.path())
        .arg("createsuperuser")
        .args(args);
    if let Some(password) = password {
        command.env("MIZAN_SUPERUSER_PASSWORD", password);
    }
    let output = command.output().expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[tokio::test]
async fn no_input_mode_creates_a_superuser_who_can_sign_in() {
    let settings = TestSettings::new(&[]).await;
    let (ok, output) = createsuperuser(
        &settings,
        &["--email", "root@example.com", "--no-input"],
        Some("a long enough password"),
    );
    assert!(ok, "{output}");
    assert!(
        output.contains("Superuser root@example.com created."),
        "{output}"
    );

    let app = spawn_app_from(settings).await;
    let root = app.visitor();
    let login = app
        .call(
            &root,
            "login.submit",
            &[
                ("email", "root@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let (status, body) = {
        let r = app.call(&root, "account_summary", &[]).await;
        (
            r.status(),
            r.json::<serde_json::Value>().await.expect("json"),
        )
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["role"], "superuser");
}

#[tokio::test]
async fn no_input_mode_refuses_missing_or_weak_input_and_writes_nothing() {
    let settings = TestSettings::new(&[]).await;
    let (ok, output) = createsuperuser(
        &settings,
        &["--email", "root@example.com", "--no-input"],
        None,
    );
    assert!(!ok);
    assert!(output.contains("MIZAN_SUPERUSER_PASSWORD"), "{output}");

    let (ok, output) = createsuperuser(
        &settings,
        &["--email", "root@example.com", "--no-input"],
        Some("short"),
    );
    assert!(!ok);
    assert!(output.contains("password"), "{output}");

    let (ok, output) = createsuperuser(&settings, &["--no-input"], Some("a long enough password"));
    assert!(!ok);
    assert!(output.contains("--email"), "{output}");
    assert!(!output.contains("panicked"), "{output}");

    let app = spawn_app_from(settings).await;
    let count = app.user_count().await;
    assert_eq!(count, 0);
}
