//! Two-factor sign-in: turning it on with a code, the second step of a sign-in, codes
//! refused a second time, recovery codes used once, remembered browsers, turning it off,
//! and the limit on guessing.

use mizan::auth::totp::{STEP_SECONDS, SealKey, Secret};
use mizan::auth::two_factor::{self, Factor};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{SignUp, TEST_PASSWORD, TestApp, spawn_app, spawn_app_with};

/// The step of the server's clock now.
fn step_now() -> u64 {
    u64::try_from(mizan::server::db::now()).expect("after 1970") / STEP_SECONDS
}

/// What enrolling gave: the app's secret and the recovery codes.
pub(crate) struct Enrolled {
    pub(crate) secret: Secret,
    pub(crate) recovery_codes: Vec<String>,
}

impl Enrolled {
    /// The app's code of the step after this one: still fresh after the code that
    /// turned two-factor sign-in on (this step's), which cannot be used again.
    pub(crate) fn next_code(&self) -> String {
        self.secret.code_at_step(step_now() + 1)
    }
}

/// Turns two-factor sign-in on for the account signed in on `client`, with a code of
/// this step.
pub(crate) async fn enrol(app: &TestApp, client: &reqwest::Client) -> Enrolled {
    // Two-factor sign-in protects a proven address.
    app.sql("UPDATE users SET email_verified_at = 1").await;
    let (status, setup) = app.call_json(client, "start_two_factor", &[]).await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    assert!(setup["qr_svg"].as_str().expect("svg").contains("<svg"));
    assert!(
        setup["link"]
            .as_str()
            .expect("link")
            .starts_with("otpauth://totp/")
    );
    let secret = Secret::from_typed(setup["secret"].as_str().expect("secret")).expect("base32");
    let code = secret.code_at_step(step_now());
    let (status, codes) = app
        .call_json(
            client,
            "turn_on_two_factor.submit",
            &[("code", code.as_str()), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{codes}");
    let recovery_codes: Vec<String> = serde_json::from_value(codes).expect("codes");
    assert_eq!(recovery_codes.len(), two_factor::RECOVERY_CODES);
    Enrolled {
        secret,
        recovery_codes,
    }
}

/// Logs `email` in with the password on `client`; the answer's outcome.
async fn log_in(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let login = [("email", email), ("password", TEST_PASSWORD)];
    let (status, body) = app.call_json(client, "login.submit", &login).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["outcome"].as_str().expect("an outcome").to_owned()
}

async fn second_step(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
    remember: bool,
) -> (StatusCode, Value) {
    let remember = if remember { "on" } else { "" };
    app.call_json(
        client,
        "second_factor.submit",
        &[("code", code), ("remember", remember)],
    )
    .await
}

/// A browser that signed in to ada@example.com with a recovery code and asked to be
/// remembered: signed out and in again, it skips the second step.
async fn remembered_browser(app: &TestApp, enrolled: &Enrolled) -> reqwest::Client {
    let laptop = app.visitor();
    log_in(app, &laptop, "ada@example.com").await;
    let (code, body) = second_step(app, &laptop, &enrolled.recovery_codes[0], true).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    app.call(&laptop, "logout", &[]).await;
    assert_eq!(log_in(app, &laptop, "ada@example.com").await, "signed_in");
    laptop
}

async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    app.call(client, "account_summary", &[]).await.status() == StatusCode::OK
}

async fn status(app: &TestApp, client: &reqwest::Client) -> Value {
    app.call_json(client, "my_two_factor", &[]).await.1
}

#[tokio::test]
async fn turning_it_on_takes_a_code_and_then_signing_in_asks_for_a_fresh_one() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    assert_eq!(status(&app, &ada).await["enabled"], false);
    app.sql("UPDATE users SET email_verified_at = 1").await;

    // A wrong first code changes nothing; nor does a right one without the password (a
    // stolen session cannot tie the account to another phone).
    let (_, setup) = app.call_json(&ada, "start_two_factor", &[]).await;
    let secret = Secret::from_typed(setup["secret"].as_str().expect("secret")).expect("base32");
    let wrong = [("code", "000000"), ("password", TEST_PASSWORD)];
    let (code, body) = app
        .call_json(&ada, "turn_on_two_factor.submit", &wrong)
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let right_code = secret.code_at_step(step_now());
    let no_password = [
        ("code", right_code.as_str()),
        ("password", "not the password"),
    ];
    let (code, body) = app
        .call_json(&ada, "turn_on_two_factor.submit", &no_password)
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["password"].is_array(), "{body}");
    assert_eq!(status(&app, &ada).await["enabled"], false);

    let enrolled = enrol(&app, &ada).await;
    assert_eq!(
        status(&app, &ada).await,
        serde_json::json!({"enabled": true, "recovery_codes_left": 10})
    );
    assert_eq!(
        app.mails("ada@example.com", "Two-factor sign-in is on")
            .await
            .len(),
        1
    );

    // The password alone signs no one in.
    let browser = app.visitor();
    assert_eq!(
        log_in(&app, &browser, "ada@example.com").await,
        "second_factor"
    );
    assert!(!signed_in(&app, &browser).await);
    let (code, body) = second_step(&app, &browser, "123456", false).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!signed_in(&app, &browser).await);
    // The owner hears that their password was used.
    let warned = app
        .mails(
            "ada@example.com",
            "Your password was used with a wrong code",
        )
        .await;
    assert_eq!(warned.len(), 1);

    let fresh = enrolled.next_code();
    let (code, body) = second_step(&app, &browser, &fresh, false).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "ada@example.com");
    assert!(signed_in(&app, &browser).await);

    // The same code, seen by someone else who has the password, is refused.
    let other = app.visitor();
    log_in(&app, &other, "ada@example.com").await;
    let (code, body) = second_step(&app, &other, &fresh, false).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!signed_in(&app, &other).await);

    // Starting over once it is on is refused: the secret in use stays.
    let (code, _) = app.call_json(&ada, "start_two_factor", &[]).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_second_step_needs_a_sign_in_that_checked_the_password() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let stranger = app.visitor();
    let (code, body) = second_step(&app, &stranger, &enrolled.next_code(), false).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("expired"), "{body}");
    assert!(!signed_in(&app, &stranger).await);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_its_owner_hears_of_it() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let code = enrolled.recovery_codes[3].to_uppercase();

    let phone_lost = app.visitor();
    log_in(&app, &phone_lost, "ada@example.com").await;
    let (status_code, body) = second_step(&app, &phone_lost, &code, false).await;
    assert_eq!(status_code, StatusCode::OK, "{body}");
    assert!(signed_in(&app, &phone_lost).await);
    let mails = app
        .mails("ada@example.com", "A recovery code was used")
        .await;
    assert!(mails[0].body.contains("(9 left)"), "{}", mails[0].body);
    assert_eq!(status(&app, &ada).await["recovery_codes_left"], 9);

    let again = app.visitor();
    log_in(&app, &again, "ada@example.com").await;
    let (status_code, _) = second_step(&app, &again, &code, false).await;
    assert_eq!(status_code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!signed_in(&app, &again).await);
}

#[tokio::test]
async fn new_recovery_codes_take_a_code_and_void_the_old_ones() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let (code, _) = app
        .call_json(&ada, "new_recovery_codes.submit", &[("code", "999999")])
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    let (code, body) = app
        .call_json(
            &ada,
            "new_recovery_codes.submit",
            &[("code", &enrolled.next_code())],
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let new: Vec<String> = serde_json::from_value(body).expect("codes");
    assert_eq!(new.len(), 10);

    let browser = app.visitor();
    log_in(&app, &browser, "ada@example.com").await;
    let (code, _) = second_step(&app, &browser, &enrolled.recovery_codes[0], false).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "an old code");
    let (code, _) = second_step(&app, &browser, &new[0], false).await;
    assert_eq!(code, StatusCode::OK, "a new one");
}

#[tokio::test]
async fn a_remembered_browser_skips_the_second_step_until_the_password_changes() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;

    let laptop = remembered_browser(&app, &enrolled).await;

    // A new password: no browser skips the step any more.
    let change = [
        ("current_password", TEST_PASSWORD),
        ("new_password", "another long password"),
    ];
    let (code, body) = app
        .call_json(&laptop, "change_password.submit", &change)
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    app.call(&laptop, "logout", &[]).await;
    let login = [
        ("email", "ada@example.com"),
        ("password", "another long password"),
    ];
    let (_, body) = app.call_json(&laptop, "login.submit", &login).await;
    assert_eq!(body["outcome"], "second_factor", "{body}");
}

#[tokio::test]
async fn turning_it_off_needs_the_password_or_a_code() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    enrol(&app, &ada).await;
    let wrong = [("proof", "not the password")];
    let (code, _) = app
        .call_json(&ada, "turn_off_two_factor.submit", &wrong)
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status(&app, &ada).await["enabled"], true);

    let right = [("proof", TEST_PASSWORD)];
    let (code, body) = app
        .call_json(&ada, "turn_off_two_factor.submit", &right)
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        status(&app, &ada).await,
        serde_json::json!({"enabled": false, "recovery_codes_left": 0})
    );
    assert_eq!(
        app.mails("ada@example.com", "Two-factor sign-in is off")
            .await
            .len(),
        1
    );
    assert_eq!(
        log_in(&app, &app.visitor(), "ada@example.com").await,
        "signed_in"
    );

    // Or with a code: a wrong one is refused, a recovery code does it.
    let bob = app.signed_up("bob@example.com").await;
    let enrolled = enrol(&app, &bob).await;
    for wrong in ["000000", "aaaa-bbbb-cccc-dddd"] {
        let (code, body) = app
            .call_json(&bob, "turn_off_two_factor.submit", &[("proof", wrong)])
            .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"]["proof"].is_array(), "{body}");
    }
    let recovery = [("proof", enrolled.recovery_codes[0].as_str())];
    let (code, body) = app
        .call_json(&bob, "turn_off_two_factor.submit", &recovery)
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(status(&app, &bob).await["enabled"], false);
}

#[tokio::test]
async fn a_sign_in_ends_after_five_wrong_codes() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let browser = app.visitor();
    log_in(&app, &browser, "ada@example.com").await;
    for guess in ["111111", "222222", "333333", "444444"] {
        let (code, body) = second_step(&app, &browser, guess, false).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"]["code"].is_array(), "{body}");
    }
    let (_, body) = second_step(&app, &browser, "555555", false).await;
    assert!(body.to_string().contains("too many wrong codes"), "{body}");
    // The right code is too late: the password is asked for again.
    let (code, _) = second_step(&app, &browser, &enrolled.next_code(), false).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!signed_in(&app, &browser).await);
    assert_eq!(
        app.mails(
            "ada@example.com",
            "Your password was used with a wrong code"
        )
        .await
        .len(),
        1,
        "one mail per sign-in"
    );
}

#[tokio::test]
async fn an_account_without_a_password_sets_one_before_turning_it_on() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.sql("UPDATE users SET password_hash = ''").await;
    let (_, setup) = app.call_json(&ada, "start_two_factor", &[]).await;
    let secret = Secret::from_typed(setup["secret"].as_str().expect("secret")).expect("base32");
    let code = secret.code_at_step(step_now());
    let (status_code, body) = app
        .call_json(
            &ada,
            "turn_on_two_factor.submit",
            &[("code", code.as_str())],
        )
        .await;
    assert_eq!(status_code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("set a password first"), "{body}");
    assert_eq!(status(&app, &ada).await["enabled"], false);
}

#[tokio::test]
async fn ending_the_other_sessions_forgets_the_remembered_browsers() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let laptop = remembered_browser(&app, &enrolled).await;
    // Another browser is not remembered.
    let other = app.visitor();
    assert_eq!(
        log_in(&app, &other, "ada@example.com").await,
        "second_factor"
    );

    app.call(&ada, "end_other_sessions", &[]).await;
    assert_eq!(
        log_in(&app, &laptop, "ada@example.com").await,
        "second_factor"
    );
}

/// Calls `name` as `client` from address `from` (the app trusts its proxy).
async fn call_from(
    app: &TestApp,
    client: &reqwest::Client,
    from: &str,
    name: &str,
    args: &[(&str, &str)],
) -> StatusCode {
    let request = client
        .post(app.url(&format!("/api/{name}")))
        .header("x-forwarded-for", from)
        .form(args);
    request.send().await.expect("request").status()
}

#[tokio::test]
async fn guessing_codes_is_cut_off_per_account_whatever_the_address() {
    let app = spawn_app_with(&[("MIZAN_BEHIND_PROXY", "true".into())]).await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let login = [("email", "ada@example.com"), ("password", TEST_PASSWORD)];
    let mut statuses = Vec::new();
    // Someone with the password and many addresses: a new address for each sign-in.
    for attempt in 0..6 {
        let from = format!("198.51.100.{attempt}");
        let browser = app.visitor();
        call_from(&app, &browser, &from, "login.submit", &login).await;
        for guess in 0..4 {
            let code = format!("{:06}", 100_000 + attempt * 10 + guess);
            let args = [("code", code.as_str()), ("remember", "")];
            statuses.push(call_from(&app, &browser, &from, "second_factor.submit", &args).await);
        }
    }
    // 20 codes an hour per account at sign-in (the one that turned it on counts apart).
    assert!(
        statuses[..20]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Past the limit, the right code waits as well.
    let browser = app.visitor();
    call_from(&app, &browser, "203.0.113.9", "login.submit", &login).await;
    let right = enrolled.next_code();
    let args = [("code", right.as_str()), ("remember", "")];
    assert_eq!(
        call_from(&app, &browser, "203.0.113.9", "second_factor.submit", &args).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(!signed_in(&app, &browser).await);
}

#[tokio::test]
async fn at_a_fixed_clock_each_code_is_accepted_once_and_never_an_older_one() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let id = app.user_id("ada@example.com").await;
    let db = &app.state.db;
    let key = SealKey::new(b"a fixed key");
    let at = 1_800_000_000;
    let secret = two_factor::begin(db, &key, &id).await.expect("begin");
    let code_at = |time: u64| secret.code_at_step(time / STEP_SECONDS);

    let recovery = two_factor::enable(db, &key, &id, &code_at(at), at)
        .await
        .expect("enabled");
    let accept = |code: String, time: u64| {
        let key = &key;
        let id = &id;
        async move {
            two_factor::accept(db, key, id, &code, time)
                .await
                .expect("db")
        }
    };
    assert_eq!(accept(code_at(at), at).await, None, "the enrolling code");
    let later = at + STEP_SECONDS;
    assert_eq!(accept(code_at(later), later).await, Some(Factor::App));
    assert_eq!(accept(code_at(later), later).await, None, "replayed");
    assert_eq!(
        accept(code_at(later + 2 * STEP_SECONDS), later).await,
        None,
        "too far ahead"
    );
    let much_later = at + 10 * STEP_SECONDS;
    assert_eq!(
        accept(code_at(much_later), much_later).await,
        Some(Factor::App)
    );
    assert_eq!(
        accept(code_at(much_later - STEP_SECONDS), much_later).await,
        None,
        "older than the last accepted"
    );
    assert_eq!(
        accept(recovery[0].clone(), much_later).await,
        Some(Factor::RecoveryCode)
    );
    assert_eq!(accept(recovery[0].clone(), much_later).await, None);
    assert_eq!(
        two_factor::recovery_codes_left(db, &id).await.expect("db"),
        9
    );
}

#[tokio::test]
async fn without_javascript_the_login_form_leads_to_the_second_step_and_on() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let browser = app.visitor();
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        browser
            .post(app.url(path))
            .header("accept", "text/html")
            .form(&fields)
            .send()
    };
    let login = vec![
        ("__form", "login".to_owned()),
        ("email", "ada@example.com".to_owned()),
        ("password", TEST_PASSWORD.to_owned()),
    ];
    let response = post("/login?next=/account", login).await.expect("login");
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        response.headers()["location"],
        "/login/code?next=%2Faccount"
    );
    assert!(!signed_in(&app, &browser).await);

    let second = vec![
        ("__form", "second_factor".to_owned()),
        ("code", enrolled.next_code()),
    ];
    let response = post("/login/code?next=%2Faccount", second)
        .await
        .expect("second step");
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/account");
    assert!(signed_in(&app, &browser).await);
}

#[tokio::test]
async fn an_unproven_address_cannot_turn_it_on() {
    // Whoever signed up with someone else's address must not keep its owner out once
    // they prove it.
    let app = spawn_app().await;
    let squatter = app.signed_up("ada@example.com").await;
    let (_, setup) = app.call_json(&squatter, "start_two_factor", &[]).await;
    let secret = Secret::from_typed(setup["secret"].as_str().expect("secret")).expect("base32");
    let code = secret.code_at_step(step_now());
    let args = [("code", code.as_str()), ("password", TEST_PASSWORD)];
    let (status_code, body) = app
        .call_json(&squatter, "turn_on_two_factor.submit", &args)
        .await;
    assert_eq!(status_code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("confirm your email"), "{body}");
    assert_eq!(status(&app, &squatter).await["enabled"], false);
}

#[tokio::test]
async fn codes_tried_from_a_session_do_not_hold_back_sign_ins() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    // A stolen session guesses codes to turn it off: cut off after 20 an hour...
    let mut statuses = Vec::new();
    for guess in 0..21 {
        let proof = format!("{:06}", 200_000 + guess);
        let args = [("proof", proof.as_str())];
        statuses.push(
            app.call_json(&ada, "turn_off_two_factor.submit", &args)
                .await
                .0,
        );
    }
    // (the code that turned it on was the first of the session's)
    assert!(
        statuses[..19]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert_eq!(statuses[19..], [StatusCode::TOO_MANY_REQUESTS; 2]);
    assert_eq!(status(&app, &ada).await["enabled"], true);

    // ...while the owner still signs in with a code of the app.
    let owner = app.visitor();
    log_in(&app, &owner, "ada@example.com").await;
    let (code, body) = second_step(&app, &owner, &enrolled.next_code(), false).await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn new_recovery_codes_forget_the_remembered_browsers() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let laptop = remembered_browser(&app, &enrolled).await;
    let fresh = enrolled.next_code();
    let args = [("code", fresh.as_str())];
    let (code, body) = app
        .call_json(&ada, "new_recovery_codes.submit", &args)
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    app.call(&laptop, "logout", &[]).await;
    assert_eq!(
        log_in(&app, &laptop, "ada@example.com").await,
        "second_factor"
    );
}

#[tokio::test]
async fn ending_one_session_forgets_the_remembered_browsers() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let enrolled = enrol(&app, &ada).await;
    let laptop = remembered_browser(&app, &enrolled).await;
    let (_, sessions) = app.call_json(&ada, "my_sessions", &[]).await;
    let other = sessions
        .as_array()
        .expect("a list")
        .iter()
        .find(|s| s["current"] == false)
        .expect("the laptop's session")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (code, body) = app
        .call_json(&ada, "end_session", &[("id", other.as_str())])
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        log_in(&app, &laptop, "ada@example.com").await,
        "second_factor"
    );
}
