//! Email verification, password reset, password and email changes, over HTTP, with the
//! development mailbox standing in for the inbox (and a real SMTP server on loopback for
//! a link mail that has to wait).

use std::time::Duration;

use mizan::testing::{SmtpServer, job_awaiting_retry};
use reqwest::StatusCode;

use crate::helpers::SignUp;

use crate::helpers::{
    TEST_PASSWORD, TestApp, jobs_settled, spawn_app, spawn_app_with, token_mailed,
};

async fn email_verified(app: &TestApp, client: &reqwest::Client) -> bool {
    let (_, user) = app.call_json(client, "current_user", &[]).await;
    user["email_verified"].as_bool().expect("a signed-in user")
}

#[tokio::test]
async fn signing_up_mails_a_link_that_verifies_the_email_once() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    assert!(!email_verified(&app, &ada).await);
    let token = token_mailed(&app, "ada@example.com", "/verify-email").await;

    // Opening the link spends nothing (mail scanners open links): it asks for a click.
    let path = format!("/verify-email?token={token}");
    let page = app.page(&ada, &path).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Confirm my email address")
    );
    assert!(!email_verified(&app, &ada).await);

    // The click (here without JavaScript: the form posts to the page itself).
    let token_field = [("token", token.clone())];
    let (status, html) = app
        .post_page(&ada, &path, "verify_email", &token_field)
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your email address is verified"), "{html}");
    assert!(email_verified(&app, &ada).await);

    // Used once: the same link is refused, with a message a person understands.
    let (status, html) = app
        .post_page(&ada, &path, "verify_email", &token_field)
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains(">this link is invalid or has expired: ask for a new one<"),
        "{html}"
    );
}

#[tokio::test]
async fn tampered_expired_and_other_peoples_tokens_are_refused() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let token = token_mailed(&app, "ada@example.com", "/verify-email").await;
    let visitor = app.visitor();

    let (id, secret) = token.split_once('.').expect("id.secret");
    let flipped = format!(
        "{id}.{}{}",
        &secret[..secret.len() - 1],
        if secret.ends_with('0') { '1' } else { '0' }
    );
    for bad in [flipped.as_str(), "nonsense", &format!("{id}.")] {
        let (status, body) = app
            .call_json(&visitor, "verify_email.submit", &[("token", bad)])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = app
        .call_json(&visitor, "verify_email.submit", &[("token", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a missing token");

    // Someone else, signed in, cannot use it; its owner still can.
    let bob = app.signed_up("bob@example.com").await;
    let (status, _) = app
        .call_json(&bob, "verify_email.submit", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call_json(&visitor, "verify_email.submit", &[("token", &token)])
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "anonymous redemption by the link's holder"
    );

    // Expired: a fresh token, aged past its lifetime.
    let carol = app.signed_up("carol@example.com").await;
    let token = token_mailed(&app, "carol@example.com", "/verify-email").await;
    app.sql("UPDATE account_tokens SET expires_at = 0").await;
    let (status, _) = app
        .call_json(&carol, "verify_email.submit", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn verification_mails_are_rate_limited_and_not_sent_to_the_verified() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    for _ in 0..3 {
        assert_eq!(
            app.call_json(&ada, "resend_verification", &[]).await.0,
            StatusCode::OK
        );
    }
    let (status, body) = app.call_json(&ada, "resend_verification", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    // Four mails (sent by several workers: in any order); each new link voids the one
    // before, so exactly one of them works.
    jobs_settled(&app.state.db).await;
    let tokens: Vec<String> = app
        .state
        .mailer
        .messages()
        .into_iter()
        .filter_map(|mail| {
            let start = mail.body.find("/verify-email?token=")? + "/verify-email?token=".len();
            Some(mail.body[start..].split_whitespace().next()?.to_owned())
        })
        .collect();
    assert_eq!(tokens.len(), 4);
    let mut worked = 0;
    for token in &tokens {
        let (status, _) = app
            .call_json(&ada, "verify_email.submit", &[("token", token)])
            .await;
        worked += usize::from(status == StatusCode::OK);
    }
    assert_eq!(worked, 1, "the newest link only");
    let (status, _) = app.call_json(&ada, "resend_verification", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn when_required_an_unverified_account_cannot_sign_in_until_verified() {
    let app = spawn_app_with(&[("MIZAN_REQUIRE_VERIFIED_EMAIL", "true".into())]).await;
    let signup = [
        ("email", "ada@example.com"),
        ("password", TEST_PASSWORD),
        ("name", "Ada"),
    ];
    let (status, _) = app
        .call_json(&app.visitor(), "signup.submit", &signup)
        .await;
    assert_eq!(status, StatusCode::OK);
    let login = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    let (status, body) = app.call_json(&app.visitor(), "login.submit", &login).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["form"][0]
            .as_str()
            .expect("message")
            .contains("confirm your email")
    );

    let token = token_mailed(&app, "ada@example.com", "/verify-email").await;
    app.call_json(&app.visitor(), "verify_email.submit", &[("token", &token)])
        .await;
    assert_eq!(
        app.call_json(&app.visitor(), "login.submit", &login)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_reset_says_the_same_for_unknown_emails_and_ends_every_session() {
    let app = spawn_app().await;
    let elsewhere = app.signed_up("ada@example.com").await;
    jobs_settled(&app.state.db).await;
    let mails_before = app.state.mailer.messages().len();

    let known = app
        .call_json(
            &app.visitor(),
            "forgot_password.submit",
            &[("email", "ada@example.com")],
        )
        .await;
    let unknown = app
        .call_json(
            &app.visitor(),
            "forgot_password.submit",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(known, unknown, "the answer says nothing about the account");
    assert_eq!(known.0, StatusCode::OK);
    // The mail leaves in the background (so that the answer takes as long either way).
    let token = token_mailed(&app, "ada@example.com", "/reset-password").await;
    jobs_settled(&app.state.db).await;
    assert_eq!(
        app.state.mailer.messages().len(),
        mails_before + 1,
        "one mail, to Ada"
    );
    let page = app.get(&format!("/reset-password?token={token}")).await;
    assert!(
        page.text().await.expect("body").contains(&token),
        "the page carries the token"
    );
    let new = "a brand new password";
    let (status, body) = app
        .call_json(
            &app.visitor(),
            "reset_password.submit",
            &[("token", &token), ("password", new)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(
        app.call_json(&elsewhere, "account_summary", &[]).await.0,
        StatusCode::UNAUTHORIZED,
        "the session from before the reset has ended"
    );
    assert_eq!(
        app.mails("ada@example.com", "Your password was changed")
            .await
            .len(),
        1,
        "the owner hears of the new password"
    );
    let old = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    assert_eq!(
        app.call_json(&app.visitor(), "login.submit", &old).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let fresh = app.visitor();
    assert_eq!(
        app.call_json(
            &fresh,
            "login.submit",
            &[("email", "ada@example.com"), ("password", new)]
        )
        .await
        .0,
        StatusCode::OK
    );
    assert!(
        email_verified(&app, &fresh).await,
        "the link proved the mailbox"
    );

    let (status, _) = app
        .call_json(
            &app.visitor(),
            "reset_password.submit",
            &[("token", &token), ("password", "yet another password")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reset link works once");
}

#[tokio::test]
async fn reset_requests_are_rate_limited_per_address() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(
            app.call_json(
                &app.visitor(),
                "forgot_password.submit",
                &[("email", "x@example.com")]
            )
            .await
            .0,
            StatusCode::OK
        );
    }
    let (status, body) = app
        .call_json(
            &app.visitor(),
            "forgot_password.submit",
            &[("email", "X@example.com")],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let here = app.signed_up("ada@example.com").await;
    let there = app.visitor();
    let (status, _) = app
        .call_json(
            &there,
            "login.submit",
            &[("email", "ada@example.com"), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a second session, elsewhere");
    assert_eq!(
        app.mails("ada@example.com", "A new sign-in to your account")
            .await
            .len(),
        1,
        "the owner hears of the new browser"
    );

    let (status, body) = app
        .call_json(
            &here,
            "change_password.submit",
            &[
                ("current_password", "wrong password!"),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["current_password"].is_array(), "{body}");

    let (status, _) = app
        .call_json(
            &here,
            "change_password.submit",
            &[
                ("current_password", TEST_PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.call_json(&here, "account_summary", &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.call_json(&there, "account_summary", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.mails("ada@example.com", "Your password was changed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn changing_the_email_waits_for_the_new_address_to_confirm() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.signed_up("taken@example.com").await;

    let (status, body) = app
        .call_json(
            &ada,
            "change_email.submit",
            &[
                ("new_email", "taken@example.com"),
                ("password", TEST_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .call_json(
            &ada,
            "change_email.submit",
            &[
                ("new_email", "ada@new.example"),
                ("password", "not it at all"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _) = app
        .call_json(
            &ada,
            "change_email.submit",
            &[
                ("new_email", "ada@new.example"),
                ("password", TEST_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, summary) = app.call_json(&ada, "account_summary", &[]).await;
    assert_eq!(
        summary["email"], "ada@example.com",
        "not before the new address confirms"
    );

    let token = token_mailed(&app, "ada@new.example", "/confirm-email").await;
    let path = format!("/confirm-email?token={token}");
    assert_eq!(app.page(&ada, &path).await.status(), StatusCode::OK);
    let (_, summary) = app.call_json(&ada, "account_summary", &[]).await;
    assert_eq!(
        summary["email"], "ada@example.com",
        "opening the link is not enough"
    );
    let (status, html) = app
        .post_page(&ada, &path, "confirm_email", &[("token", token.clone())])
        .await;
    assert_eq!(status, 200, "{html}");
    let (_, summary) = app.call_json(&ada, "account_summary", &[]).await;
    assert_eq!(summary["email"], "ada@new.example");
    jobs_settled(&app.state.db).await;
    assert!(
        app.state
            .mailer
            .messages()
            .iter()
            .any(|mail| mail.to == "ada@example.com"
                && mail.subject == "Your email address was changed"),
        "the old address hears of it"
    );
    let login = [("email", "ada@new.example"), ("password", TEST_PASSWORD)];
    assert_eq!(
        app.call_json(&app.visitor(), "login.submit", &login)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_mailbox_page_exists_in_development_only() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    jobs_settled(&app.state.db).await;
    let page = app.get("/dev/mailbox").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains("Confirm your email address"), "{html}");
    assert!(html.contains("<a href=\"http://"), "links are live: {html}");

    let production = spawn_app_with(&[
        ("MIZAN_ENV", "production".into()),
        ("SECRET_KEY", "a production secret key of 32+ chars".into()),
    ])
    .await;
    assert_eq!(
        production.get("/dev/mailbox").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_javascript_a_refused_password_change_names_only_what_is_wrong() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let values = [
        ("current_password", "not it at all".to_owned()),
        ("new_password", "a brand new password".to_owned()),
    ];
    let (status, html) = app
        .post_page(&ada, "/account", "change_password", &values)
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("this is not your current password"), "{html}");
    // The passwords are not sent back, yet the new one was given: no "required" for it.
    assert!(!html.contains("this field is required"), "{html}");
    assert!(
        !html.contains("a brand new password"),
        "never echoed: {html}"
    );
}

#[tokio::test]
async fn email_changes_are_limited_per_account_and_need_the_password() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let (status, body) = app
        .call_json(
            &ada,
            "change_email.submit",
            &[("new_email", "a0@new.example")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no password: {body}"
    );
    for n in 1..5 {
        let new_email = format!("a{n}@new.example");
        let args = [
            ("new_email", new_email.as_str()),
            ("password", TEST_PASSWORD),
        ];
        let (status, body) = app.call_json(&ada, "change_email.submit", &args).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Five an hour, refused ones included: the sixth is turned away before any check.
    let args = [("new_email", "a9@new.example"), ("password", TEST_PASSWORD)];
    let (status, body) = app.call_json(&ada, "change_email.submit", &args).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn a_link_mail_the_smtp_server_refuses_arrives_once_after_a_retry() {
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
    let failed = job_awaiting_retry(&app.state.db, "mizan.mail_link").await;
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
        mails
            .iter()
            .any(|mail| mail.is_about("Reset your password"))
    })
    .await;
    let counts = jobs_settled(&app.state.db).await;
    assert_eq!(counts.dead, 0);
    let received = smtp.received();
    assert_eq!(
        received
            .iter()
            .filter(|m| m.is_about("Reset your password"))
            .count(),
        1,
        "the reset mail, once"
    );
    assert_eq!(
        received
            .iter()
            .filter(|m| m.is_about("Confirm your email address"))
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
