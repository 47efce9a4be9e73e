//! Background jobs: mail that survives a refusing SMTP server and a killed process, and
//! two worker processes sharing one queue.

use crate::helpers::SignUp;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mizan::jobs::{self, JobState};
use mizan::server::mail::Email;
use reqwest::StatusCode;

use crate::helpers::{TEST_PASSWORD, TestSettings, jobs_settled, spawn_app, spawn_app_with};
use crate::smtp_server::{Received, SmtpServer};

fn about(subject: &str) -> impl Fn(&Received) -> bool + '_ {
    move |mail| mail.data.contains(&format!("Subject: {subject}"))
}

#[tokio::test]
async fn a_mail_the_smtp_server_refuses_arrives_once_after_a_retry() {
    let smtp = SmtpServer::start(false).await;
    let app = spawn_app_with(&[
        ("SMTP_URL", smtp.url()),
        ("MIZAN_JOB_BACKOFF_MS", "100".into()),
    ])
    .await;
    let _ada = app.signed_up("ada@example.com").await;
    let (status, _) = app
        .call_json(
            &app.visitor(),
            "forgot_password.submit",
            &[("email", "ada@example.com")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Refused: the mail waits in the queue, with the server's answer as its last error.
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let troubled = jobs::list_troubled(&app.state.db, 10).await.expect("list");
        // (Between two attempts: a running one may be listed too.)
        if let Some(mail) = troubled
            .into_iter()
            .find(|job| job.kind == "mizan.mail_link" && job.state == JobState::Queued)
        {
            break mail;
        }
        assert!(Instant::now() < deadline, "no refused mail job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("try again later"),
        "{failed:?}"
    );
    assert!(smtp.received().is_empty());
    assert!(smtp.refusals() >= 1);

    // Back: each mail arrives, once.
    smtp.accept();
    smtp.wait_until(Duration::from_secs(10), "the reset mail arrives", |mails| {
        mails.iter().any(about("Reset your password"))
    })
    .await;
    let counts = jobs_settled(&app.state.db).await;
    assert_eq!(counts.dead, 0);
    let received = smtp.received();
    assert_eq!(
        received
            .iter()
            .filter(|m| about("Reset your password")(m))
            .count(),
        1,
        "the reset mail, once"
    );
    assert_eq!(
        received
            .iter()
            .filter(|m| about("Confirm your email address")(m))
            .count(),
        1,
        "the sign-up's mail, once"
    );
    assert!(received.iter().all(|m| m.to == ["ada@example.com"]));

    let metrics = app.get("/metrics").await.text().await.expect("body");
    assert!(
        metrics.contains("mizan_jobs{state=\"dead\"} 0"),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE mizan_jobs gauge"), "{metrics}");
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_dead_then_retried_or_discarded_by_hand() {
    let app = spawn_app_with(&[("MIZAN_JOB_BACKOFF_MS", "10".into())]).await;
    // A mail whose payload this code cannot read (as one written by a newer version
    // might be): each attempt fails, three attempts at most.
    let id = "00000000-0000-7000-8000-000000000001";
    sqlx::query(
        "INSERT INTO mizan_jobs \
         (id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at) \
         VALUES ($1, 'mizan.mail', '{\"recipient\": 1}', 'queued', 0, 3, 0, 0, 0)",
    )
    .bind(id)
    .execute(&app.state.db)
    .await
    .expect("inserted");
    app.state.jobs.wake();
    let deadline = Instant::now() + Duration::from_secs(10);
    let dead = loop {
        let dead = jobs::list(&app.state.db, Some(JobState::Dead), 10)
            .await
            .expect("list");
        if let Some(job) = dead.into_iter().find(|job| job.id == id) {
            break job;
        }
        assert!(Instant::now() < deadline, "the job never died");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!((dead.attempts, dead.max_attempts), (3, 3));
    assert!(
        dead.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("its payload does not decode"),
        "{dead:?}"
    );
    let troubled = jobs::list_troubled(&app.state.db, 10).await.expect("list");
    assert!(troubled.iter().any(|job| job.id == id), "staff see it");

    assert_eq!(
        jobs::retry(&app.state.db, "no-such-job").await,
        Err(mizan::AppError::NotFound)
    );
    // Stopped first, so that nothing takes the job up while it is handled by hand.
    let settings = app.shutdown().await.expect("stops");
    let db = mizan::server::db::connect(settings.config().database_url.expose(), 2)
        .await
        .expect("the database opens");
    jobs::retry(&db, id)
        .await
        .expect("a dead job can be retried");
    let again = jobs::list(&db, Some(JobState::Queued), 10)
        .await
        .expect("list");
    assert!(again.iter().any(|job| job.id == id && job.attempts == 0));
    jobs::discard(&db, id).await.expect("discarded");
    assert!(
        jobs::list(&db, None, 100)
            .await
            .expect("list")
            .iter()
            .all(|job| job.id != id)
    );
}

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
            .env("LEPTOS_OUTPUT_NAME", "mizan")
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
async fn the_hourly_housekeeping_removes_what_expired_once_per_period() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let ada = app.user_id("ada@example.com").await;
    // (Her verification mail's token is issued by then: she has one per purpose.)
    jobs_settled(&app.state.db).await;
    let week_and_a_day_ago = jobs_now_ms() - 8 * 24 * 60 * 60 * 1000;
    for statement in [
        "INSERT INTO sessions (id, data, expires_at) VALUES ('live', '{}', 4102444800), \
         ('expired', '{}', 0)"
            .to_owned(),
        format!(
            "INSERT INTO account_tokens (id, user_id, purpose, mac, expires_at) VALUES \
             ('old-token', '{ada}', 'reset_password', 'x', 0)"
        ),
        format!(
            "INSERT INTO mizan_jobs (id, kind, payload, state, attempts, max_attempts, \
             run_at, created_at, updated_at) VALUES \
             ('old-done', 'test.kind', '{{}}', 'done', 1, 3, 0, 0, {week_and_a_day_ago}), \
             ('old-dead', 'test.kind', '{{}}', 'dead', 3, 3, 0, 0, {week_and_a_day_ago})"
        ),
    ] {
        app.sql(&statement).await;
    }
    // It ran when the server started (the schedule's first period): make this period due.
    let periods = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM mizan_jobs WHERE kind = 'mizan.housekeeping'",
        )
        .fetch_one(&app.state.db)
        .await
        .expect("count")
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while periods().await == 0 {
        assert!(Instant::now() < deadline, "not run at start-up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    jobs_settled(&app.state.db).await;
    let before = periods().await;
    assert_eq!(before, 1, "once at start-up");
    app.sql("UPDATE mizan_schedule SET next_run = 0 WHERE name = 'mizan.housekeeping'")
        .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while periods().await == before {
        assert!(Instant::now() < deadline, "the schedule never enqueued it");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    jobs_settled(&app.state.db).await;
    assert_eq!(periods().await, before + 1, "once for the period");

    let ids = |table: &'static str| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(&format!("SELECT id FROM {table} ORDER BY id"))
                .fetch_all(&db)
                .await
                .expect("ids")
        }
    };
    assert!(ids("sessions").await.contains(&"live".to_owned()));
    assert!(!ids("sessions").await.contains(&"expired".to_owned()));
    assert!(
        !ids("account_tokens")
            .await
            .contains(&"old-token".to_owned())
    );
    let jobs = ids("mizan_jobs").await;
    assert!(
        !jobs.contains(&"old-done".to_owned()),
        "finished a week ago: gone"
    );
    assert!(
        jobs.contains(&"old-dead".to_owned()),
        "dead jobs wait for a person"
    );
}

/// Now, in Unix milliseconds (as `mizan_jobs` keeps times).
fn jobs_now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis(),
    )
    .expect("fits")
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

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_up_once_its_lease_has_passed() {
    let app = spawn_app().await;
    let mail = Email {
        to: "ada@example.com".into(),
        subject: "Left behind".into(),
        body: "Its worker died mid-attempt.".into(),
    };
    let payload = serde_json::to_string(&mail).expect("encodes");
    // Running, held by a process that is gone; one lease still ahead, one already past.
    let far = jobs_now_ms() + 3_600_000;
    for (id, locked_until) in [("held", far), ("abandoned", 0)] {
        sqlx::query(
            "INSERT INTO mizan_jobs (id, kind, payload, state, attempts, max_attempts, \
             run_at, locked_by, locked_until, created_at, updated_at) \
             VALUES ($1, 'mizan.mail', $2, 'running', 1, 5, 0, 'gone:1/x', $3, 0, 0)",
        )
        .bind(id)
        .bind(&payload)
        .bind(locked_until)
        .execute(&app.state.db)
        .await
        .expect("inserted");
    }
    app.state.jobs.wake();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app
        .state
        .mailer
        .messages()
        .iter()
        .any(|m| m.subject == "Left behind")
    {
        assert!(
            Instant::now() < deadline,
            "the abandoned job was not taken up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = jobs::list(&app.state.db, Some(JobState::Done), 100)
        .await
        .expect("list");
    let abandoned = done.iter().find(|job| job.id == "abandoned").expect("done");
    assert_eq!(abandoned.attempts, 2, "the lost attempt counts");
    let running = jobs::list(&app.state.db, Some(JobState::Running), 100)
        .await
        .expect("list");
    assert!(
        running.iter().any(|job| job.id == "held"),
        "a job whose lease runs is left to its worker"
    );
    assert_eq!(app.state.mailer.messages().len(), 1, "sent once");
}

#[tokio::test]
async fn a_stopping_server_lets_its_running_job_finish() {
    let smtp = SmtpServer::start(true).await;
    smtp.slow_down(Duration::from_millis(1500));
    let app = spawn_app_with(&[("SMTP_URL", smtp.url())]).await;
    let mail = Email {
        to: "ada@example.com".into(),
        subject: "Slow".into(),
        body: "The SMTP server takes its time.".into(),
    };
    let id = app.state.jobs.enqueue(&mail).await.expect("enqueued");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let running = jobs::list(&app.state.db, Some(JobState::Running), 10)
            .await
            .expect("list");
        if running.iter().any(|job| job.id == id) {
            break;
        }
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Stopped mid-attempt: the attempt finishes within the grace period.
    let settings = app.shutdown().await.expect("stops");
    assert_eq!(smtp.received().len(), 1);
    let db = mizan::server::db::connect(settings.config().database_url.expose(), 2)
        .await
        .expect("the database opens");
    let done = jobs::list(&db, Some(JobState::Done), 10)
        .await
        .expect("list");
    assert!(done.iter().any(|job| job.id == id), "recorded as done");
}
