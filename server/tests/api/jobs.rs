//! This app's binary and its jobs: a mail queued before the process was killed is sent
//! after a restart, two worker processes share one queue, and the showcase's staff
//! notice (the job machinery is tested on the framework's fixture).

use crate::helpers::SignUp;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mizan::jobs::{self, JobState};
use mizan::server::mail::Email;
use reqwest::StatusCode;

use crate::helpers::{TEST_PASSWORD, TestSettings, jobs_settled, spawn_app, spawn_app_with};
use mizan::testing::SmtpServer;

/// A port that was free a moment ago.
fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").to_string()
}

/// The server binary on `settings`, serving on `addr` (or, with `worker`, running jobs
/// only). Killed when dropped.
struct ServerProcess(Child);

impl ServerProcess {
    fn start(settings: &TestSettings, addr: &str, args: &[&str], extra: &[(&str, &str)]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .envs(settings.env())
            .env("LEPTOS_OUTPUT_NAME", "app")
            .env("LEPTOS_SITE_ADDR", addr)
            .envs(extra.iter().copied())
            .current_dir(settings.data_dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        Self(child)
    }

    /// Starts serving on a free port; answers once it listens.
    fn serving(settings: &TestSettings, extra: &[(&str, &str)]) -> (Self, String) {
        let addr = free_addr();
        let process = Self::start(settings, &addr, &[], extra);
        let started = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "never listened"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        (process, addr)
    }

    /// SIGTERM, then waits (at most 20 s) for a clean exit.
    fn terminate(&mut self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let stopping = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("wait") {
                assert!(status.success(), "exit status {status:?}");
                return;
            }
            assert!(stopping.elapsed() < Duration::from_secs(20), "did not stop");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_mail_enqueued_before_the_server_was_killed_is_sent_after_a_restart() {
    let smtp = SmtpServer::start(true).await;
    let settings = crate::helpers::test_settings(&[("SMTP_URL", smtp.url())]).await;
    // No workers in the first process: the mail can only wait in the queue.
    let (mut first, addr) = ServerProcess::serving(&settings, &[("MIZAN_JOB_WORKERS", "0")]);
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/api/signup.submit"))
        .form(&[
            ("email", "ada@example.com"),
            ("password", TEST_PASSWORD),
            ("name", "Ada"),
        ])
        .send()
        .await
        .expect("the server answers");
    assert_eq!(answer.status(), StatusCode::OK);
    // Killed (SIGKILL: nothing runs on the way out) right after it answered.
    first.0.kill().expect("killed");
    first.0.wait().expect("gone");
    assert!(smtp.received().is_empty());

    let (_second, _) = ServerProcess::serving(&settings, &[]);
    smtp.wait_until(
        Duration::from_secs(30),
        "the mail arrives after the restart",
        |mails| !mails.is_empty(),
    )
    .await;
    let db = mizan::server::db::connect(settings.config().database_url.expose(), 2)
        .await
        .expect("the database opens");
    jobs_settled(&db).await;
    let received = smtp.received();
    assert_eq!(received.len(), 1, "once: {received:?}");
    assert_eq!(received[0].to, ["ada@example.com"]);
    assert!(
        received[0]
            .data
            .contains("Subject: Confirm your email address")
    );
}

#[tokio::test]
async fn two_worker_processes_run_each_of_a_thousand_jobs_exactly_once() {
    const JOBS: usize = 1000;
    let smtp = SmtpServer::start(true).await;
    // A server without workers makes the database and the queue.
    let app = spawn_app_with(&[("SMTP_URL", smtp.url()), ("MIZAN_JOB_WORKERS", "0".into())]).await;
    let mut tx = app.state.db.begin().await.expect("a transaction");
    for n in 0..JOBS {
        let mail = Email {
            to: format!("user{n}@example.com"),
            subject: format!("Job {n}"),
            body: "Hi".into(),
        };
        jobs::enqueue(&mut *tx, &mail).await.expect("enqueued");
    }
    tx.commit().await.expect("committed");

    let workers = [("MIZAN_JOB_WORKERS", "8"), ("MIZAN_JOB_POLL_MS", "50")];
    let mut first = ServerProcess::start(&app.settings, &free_addr(), &["worker"], &workers);
    let mut second = ServerProcess::start(&app.settings, &free_addr(), &["worker"], &workers);
    smtp.wait_until(Duration::from_secs(120), "every job ran", |mails| {
        mails.len() >= JOBS
    })
    .await;
    let counts = jobs_settled(&app.state.db).await;
    assert_eq!(counts.dead, 0);
    first.terminate();
    second.terminate();

    let mut recipients: Vec<String> = smtp.received().into_iter().flat_map(|m| m.to).collect();
    assert_eq!(recipients.len(), JOBS, "no job ran twice");
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), JOBS, "every job ran");
}

#[tokio::test]
async fn staff_hear_of_many_contact_messages_in_one_notice() {
    let app = spawn_app().await;
    app.signed_up("staff@example.com").await;
    app.sql("UPDATE users SET is_staff = TRUE WHERE email = 'staff@example.com'")
        .await;
    jobs_settled(&app.state.db).await;
    let visitor = app.visitor();
    for n in 1..=3 {
        let subject = format!("Question {n}");
        let (status, body) = app
            .call_json(
                &visitor,
                "contact.submit",
                &[
                    ("name", "Vis"),
                    ("email", "vis@example.com"),
                    ("subject", &subject),
                    ("message", "A question long enough to send."),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let waiting = || async {
        jobs::list(&app.state.db, Some(JobState::Queued), 100)
            .await
            .expect("list")
            .into_iter()
            .filter(|job| job.kind == "app.notify_staff")
            .count()
    };
    assert_eq!(
        waiting().await,
        1,
        "one notice waits, whatever the messages"
    );

    // Its minute has passed.
    app.sql("UPDATE mizan_jobs SET run_at = 0 WHERE kind = 'app.notify_staff'")
        .await;
    app.state.jobs.wake();
    jobs_settled(&app.state.db).await;
    let notices: Vec<_> = app
        .state
        .mailer
        .messages()
        .into_iter()
        .filter(|mail| mail.to == "staff@example.com" && mail.subject.contains("contact"))
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].subject, "3 new contact message(s)");
    assert!(
        notices[0].body.contains("- Question 3"),
        "{}",
        notices[0].body
    );
    let untold: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM contact_messages WHERE notified_at IS NULL")
            .fetch_one(&app.state.db)
            .await
            .expect("count");
    assert_eq!(untold, 0);
}
