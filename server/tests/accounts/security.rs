//! The attacker's paths a security review found, each walked over HTTP against a real
//! server. (The OAuth paths are in `oauth.rs`, beside the fake provider; the signed-in
//! cache's race is a unit test of `mizan::auth::signed_in_cache`; path 7, a session's end
//! closing its sockets, is walked on the framework's fixture, `sessions.rs`, and so is a
//! public form's limit per client, `forms.rs`.)

use crate::helpers::SignUp;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::token_mailed;
use crate::helpers::{
    TEST_PASSWORD, TestApp, jobs_settled, spawn_app, spawn_app_from, spawn_app_with,
};
use mizan::testing::SmtpServer;

/// Calls `name` with `args` as `client`, through a proxy that says the call came from
/// `forwarded_for`: the status.
async fn call_from(
    app: &TestApp,
    client: &reqwest::Client,
    forwarded_for: Option<&str>,
    name: &str,
    args: &[(&str, &str)],
) -> StatusCode {
    let mut request = client.post(app.url(&format!("/api/{name}"))).form(args);
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.expect("request").status()
}

/// Asks for password resets of `n` different addresses as one visitor (`forwarded_for`
/// picks the address each call claims to come from): the statuses.
async fn reset_requests(
    app: &TestApp,
    n: usize,
    forwarded_for: impl Fn(usize) -> Option<String>,
) -> Vec<StatusCode> {
    let visitor = app.visitor();
    let mut statuses = Vec::new();
    for i in 0..n {
        let email = format!("someone{i}@example.com");
        statuses.push(
            call_from(
                app,
                &visitor,
                forwarded_for(i).as_deref(),
                "forgot_password.submit",
                &[("email", &email)],
            )
            .await,
        );
    }
    statuses
}

/// The per-client limit of password-reset requests, an hour.
const RESET_REQUESTS_PER_CLIENT: usize = 20;

// Path 1 (the rest is in `oauth.rs`): the owner confirms the address of an account a
// squatter made.

#[tokio::test]
async fn confirming_an_address_by_its_link_tells_the_owner_what_the_account_has() {
    let app = spawn_app().await;
    app.signed_up("owner@example.com").await;
    let token = token_mailed(&app, "owner@example.com", "/verify-email").await;
    let (status, body) = app
        .call_json(&app.visitor(), "verify_email.submit", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    jobs_settled(&app.state.db).await;
    let notice = app
        .state
        .mailer
        .messages()
        .into_iter()
        .find(|mail| mail.to == "owner@example.com" && mail.subject.contains("confirmed"))
        .expect("a notice to the address's owner");
    for words in ["has a password", "did not create", "reset its password"] {
        assert!(notice.body.contains(words), "{words}: {}", notice.body);
    }
}

#[tokio::test]
async fn an_email_change_is_confirmed_only_by_the_account_that_asked_for_it() {
    let app = spawn_app().await;
    // The attacker's own account, which asks to move to the victim's address.
    let attacker = app.signed_up("attacker@example.com").await;
    let (status, body) = app
        .call_json(
            &attacker,
            "change_email.submit",
            &[
                ("new_email", "victim@example.com"),
                ("password", TEST_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = token_mailed(&app, "victim@example.com", "/confirm-email").await;
    // The victim, not signed in, clicks the link they were sent.
    let (status, _) = app
        .call_json(&app.visitor(), "confirm_email.submit", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, summary) = app.call_json(&attacker, "account_summary", &[]).await;
    assert_eq!(
        summary["email"], "attacker@example.com",
        "the address stays free"
    );
}

// Path 4: the client's address.

#[tokio::test]
async fn behind_a_proxy_a_request_that_forwards_no_address_is_still_limited() {
    let app = spawn_app_with(&[("MIZAN_BEHIND_PROXY", "true".into())]).await;
    let statuses = reset_requests(&app, RESET_REQUESTS_PER_CLIENT + 1, |_| None).await;
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let statuses = reset_requests(&app, 1, |_| Some("not an address".into())).await;
    assert_eq!(
        statuses,
        [StatusCode::TOO_MANY_REQUESTS],
        "nor a malformed one"
    );
}

#[tokio::test]
async fn an_address_forwarded_by_a_peer_that_is_not_a_trusted_proxy_is_ignored() {
    // The proxy is 192.0.2.1: this test's client (127.0.0.1) is not it.
    let app = spawn_app_with(&[
        ("MIZAN_BEHIND_PROXY", "true".into()),
        ("MIZAN_TRUSTED_PROXIES", "192.0.2.1/32".into()),
    ])
    .await;
    let statuses = reset_requests(&app, RESET_REQUESTS_PER_CLIENT + 1, |i| {
        Some(format!("203.0.113.{i}"))
    })
    .await;
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "a new address in each call buys nothing: {statuses:?}"
    );
}

#[tokio::test]
async fn ipv6_clients_are_limited_per_64_bit_network() {
    let app = spawn_app_with(&[("MIZAN_BEHIND_PROXY", "true".into())]).await;
    let statuses = reset_requests(&app, RESET_REQUESTS_PER_CLIENT + 1, |i| {
        Some(format!("2001:db8:1:2::{}", i + 1))
    })
    .await;
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "one network, one budget: {statuses:?}"
    );
    let other = reset_requests(&app, 1, |_| Some("2001:db8:1:3::1".into())).await;
    assert_eq!(other, [StatusCode::OK], "the next network has its own");
}

// Path 2: MIZAN_REQUIRE_VERIFIED_EMAIL.

async fn sign_up(app: &TestApp, client: &reqwest::Client, email: &str) -> (StatusCode, Value) {
    app.call_json(
        client,
        "signup.submit",
        &[
            ("email", email),
            ("password", TEST_PASSWORD),
            ("name", "Ada"),
        ],
    )
    .await
}

#[tokio::test]
async fn when_verification_is_required_signing_up_does_not_sign_in() {
    let app = spawn_app_with(&[("MIZAN_REQUIRE_VERIFIED_EMAIL", "true".into())]).await;
    let ada = app.visitor();
    let (status, body) = sign_up(&app, &ada, "ada@example.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, Value::Null, "not signed in: {body}");
    assert_eq!(
        app.call(&ada, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn when_verification_becomes_required_unverified_sessions_no_longer_count() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    assert_eq!(
        app.call(&ada, "account_summary", &[]).await.status(),
        StatusCode::OK
    );
    let mut settings = app.shutdown().await.expect("stops");
    settings
        .vars
        .push(("MIZAN_REQUIRE_VERIFIED_EMAIL", "true".into()));
    let app = spawn_app_from(settings).await;
    let (status, user) = app.call_json(&ada, "current_user", &[]).await;
    assert_eq!((status, user), (StatusCode::OK, Value::Null));
    assert_eq!(
        app.call(&ada, "account_summary", &[]).await.status(),
        StatusCode::UNAUTHORIZED,
        "the session from before the setting calls nothing that needs a user"
    );
}

// Path 3: account enumeration through sign-up.

/// Sign-up checks (a form's check of the address, a sign-up) a client may make an hour.
const SIGN_UP_CHECKS_PER_CLIENT: usize = 120;

#[tokio::test]
async fn every_sign_up_check_that_could_reveal_an_account_is_counted() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let prober = app.visitor();
    let values = [
        ("email", "ada@example.com"),
        ("password", TEST_PASSWORD),
        ("name", "Prober"),
    ];
    let mut statuses = Vec::new();
    for n in 0..=SIGN_UP_CHECKS_PER_CLIENT {
        let endpoint = if n % 2 == 0 {
            "signup.validate"
        } else {
            "signup.submit"
        };
        statuses.push(app.call(&prober, endpoint, &values).await.status());
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn when_verification_is_required_sign_up_answers_alike_for_taken_and_new_addresses() {
    let app = spawn_app_with(&[("MIZAN_REQUIRE_VERIFIED_EMAIL", "true".into())]).await;
    sign_up(&app, &app.visitor(), "ada@example.com").await;
    for endpoint in ["signup.validate", "signup.submit"] {
        let mut answers = Vec::new();
        for email in ["ada@example.com", "new@example.com"] {
            answers.push(
                app.call_json(
                    &app.visitor(),
                    endpoint,
                    &[("email", email), ("password", TEST_PASSWORD), ("name", "X")],
                )
                .await,
            );
        }
        assert_eq!(answers[0], answers[1], "{endpoint}");
        assert_eq!(answers[0].0, StatusCode::OK, "{endpoint}");
    }
    // Ada hears that someone tried her address; the new address gets its link.
    jobs_settled(&app.state.db).await;
    let notices = app
        .state
        .mailer
        .messages()
        .into_iter()
        .filter(|mail| mail.to == "ada@example.com" && mail.body.contains("already has an account"))
        .count();
    assert_eq!(notices, 1);
    assert_eq!(app.user_count().await, 2);
}

// Path 6: a queued link mail after every link was voided.

#[tokio::test]
async fn a_link_mail_still_queued_when_links_are_voided_is_never_sent() {
    let smtp = SmtpServer::start(false).await;
    let app = spawn_app_with(&[
        ("SMTP_URL", smtp.url()),
        ("MIZAN_JOB_BACKOFF_MS", "100".into()),
    ])
    .await;
    let ada = app.signed_up("ada@example.com").await;
    // The verification mail is refused and waits for its retry.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while smtp.refusals() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no refusal");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Ada changes her password: every link mailed before must stop working.
    let (status, body) = app
        .call_json(
            &ada,
            "change_password.submit",
            &[
                ("current_password", TEST_PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    smtp.accept();
    let counts = jobs_settled(&app.state.db).await;
    assert_eq!(counts.dead, 0);
    // Only the notice of the new password goes out.
    let received = smtp.received();
    assert!(
        received
            .iter()
            .all(|mail| mail.data.contains("Subject: Your password was changed")),
        "no link minted after the links were voided: {received:?}"
    );
    assert_eq!(app.rows("account_tokens").await, 0);
}

// Path 8: abuse limits.

#[tokio::test]
async fn failed_logins_from_an_attacker_do_not_lock_the_owner_out() {
    let app = spawn_app_with(&[("MIZAN_BEHIND_PROXY", "true".into())]).await;
    app.signed_up("ada@example.com").await;
    let attacker = app.visitor();
    let wrong = [
        ("email", "ada@example.com"),
        ("password", "wrong password!"),
    ];
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(
            call_from(
                &app,
                &attacker,
                Some("203.0.113.66"),
                "login.submit",
                &wrong,
            )
            .await,
        );
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "the attacker is slowed: {statuses:?}"
    );
    let right = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    let owner = app.visitor();
    assert_eq!(
        call_from(&app, &owner, Some("198.51.100.7"), "login.submit", &right).await,
        StatusCode::OK,
        "Ada still signs in from her own address"
    );
}
