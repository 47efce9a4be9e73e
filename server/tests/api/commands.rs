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
    let settings = crate::helpers::test_settings(&[]).await;
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
    let settings = crate::helpers::test_settings(&[]).await;
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

/// `server check --deploy` with exactly `vars` in its environment: (success, output).
fn deploy_check(vars: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .envs(vars.iter().copied())
        .current_dir(dir.path())
        .args(["check", "--deploy"])
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn the_deploy_check_names_every_problem_and_passes_a_good_production_setup() {
    let (ok, output) = deploy_check(&[
        ("SECRET_KEY", "changeme"),
        ("MIZAN_SITE_URL", "http://example.org"),
    ]);
    assert!(!ok, "{output}");
    for problem in [
        "error: MIZAN_ENV: not `production`",
        "error: SECRET_KEY: 8 characters",
        "error: MIZAN_SITE_URL: `http://example.org` is not https",
        "error: SMTP_URL: missing",
        "warning: REDIS_URL",
        "Deploy check: 4 error(s)",
    ] {
        assert!(output.contains(problem), "{problem} in:\n{output}");
    }

    let (ok, output) = deploy_check(&[
        ("MIZAN_ENV", "production"),
        ("SECRET_KEY", "9f1c2e7a4b8d0f3e6a5c1b7d9e2f4a8c"),
        ("MIZAN_SITE_URL", "https://example.org"),
        ("MIZAN_BEHIND_PROXY", "true"),
        ("SMTP_URL", "smtps://user:pass@smtp.example.org"),
        ("DATABASE_URL", "postgres://app@localhost/app"),
        ("REDIS_URL", "redis://localhost:6379"),
    ]);
    assert!(ok, "{output}");
    assert!(
        output.contains("Deploy check: 0 error(s), 0 warning(s)."),
        "{output}"
    );
}
