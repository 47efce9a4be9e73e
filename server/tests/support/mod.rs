//! What this app's integration tests share: a server of this app per test
//! ([`spawn_app`]), and an account signed up through its sign-up form ([`SignUp`]).

use std::future::Future;

pub use mizan::testing::{REQUEST_TIMEOUT, TEST_PASSWORD, TestApp, TestSettings, jobs_settled};

/// Fresh settings (data directory, database) for this app, and `extra`.
pub async fn test_settings(extra: &[(&'static str, String)]) -> TestSettings {
    TestSettings::new(app::project::NAME, extra).await
}

/// Starts this app on a free port with a fresh data directory and database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts this app with a fresh data directory and database and these extra settings.
pub async fn spawn_app_with(extra: &[(&'static str, String)]) -> TestApp {
    spawn_app_from(test_settings(extra).await).await
}

/// Starts this app on `settings` (fresh, or those of a server that stopped).
pub async fn spawn_app_from(settings: TestSettings) -> TestApp {
    TestApp::spawn(settings, server::startup::build).await
}

/// Starts this app on `settings` with these site options (another `site_root`, say).
pub async fn spawn_app_serving(
    settings: TestSettings,
    leptos: leptos::config::LeptosOptions,
) -> TestApp {
    TestApp::spawn_serving(settings, leptos, server::startup::build).await
}

/// Accounts made through this app's sign-up form (`signup.submit`).
pub trait SignUp {
    /// Signs up a new account on a fresh visitor, which stays signed in.
    fn signed_up(&self, email: &str) -> impl Future<Output = reqwest::Client>;

    /// Signs up `name` <`email`> on a fresh visitor; returns it and the `Cookie` header its
    /// browser would send (for WebSocket handshakes).
    fn signed_up_as(
        &self,
        email: &str,
        name: &str,
    ) -> impl Future<Output = (reqwest::Client, String)>;
}

impl SignUp for TestApp {
    async fn signed_up(&self, email: &str) -> reqwest::Client {
        self.signed_up_as(email, "Test").await.0
    }

    async fn signed_up_as(&self, email: &str, name: &str) -> (reqwest::Client, String) {
        let (visitor, jar) = self.visitor_with_jar();
        let fields = [
            ("email", email),
            ("password", TEST_PASSWORD),
            ("name", name),
        ];
        let response = self.call(&visitor, "signup.submit", &fields).await;
        assert_eq!(
            response.status(),
            reqwest::StatusCode::OK,
            "sign-up of {email}"
        );
        let cookie = self.cookie_header(&jar).expect("a session cookie");
        (visitor, cookie)
    }
}

/// The token of the newest mail to `to` whose link goes to `path` (some mail leaves in
/// the background: waits for it a little).
pub async fn token_mailed(app: &TestApp, to: &str, path: &str) -> String {
    let marker = format!("{path}?token=");
    for _ in 0..100 {
        let found = app
            .state
            .mailer
            .messages()
            .into_iter()
            .filter(|mail| mail.to == to)
            .find_map(|mail| {
                let start = mail.body.find(&marker)? + marker.len();
                Some(mail.body[start..].split_whitespace().next()?.to_owned())
            });
        if let Some(token) = found {
            return token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no mail to {to} with a link to {path}")
}

/// Asks for the deletion of the account signed in on `client`, with its password; the
/// answer (when it goes).
pub async fn ask_deletion(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let (status, body) = app
        .call_json(client, "delete_account.submit", &[("proof", TEST_PASSWORD)])
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    body
}

/// Brings every scheduled deletion's time to now, then runs the hourly housekeeping, which
/// deletes the accounts due.
pub async fn deletion_grace_over(app: &TestApp) {
    use mizan::jobs::Job;
    app.sql("UPDATE users SET deletes_at = 1 WHERE deletes_at IS NOT NULL")
        .await;
    mizan::jobs::housekeeping::Housekeeping
        .run(app.state.clone())
        .await
        .expect("housekeeping runs");
}

/// The data of the account signed in on `client`, downloaded as its page's link does (a
/// `GET`).
pub async fn exported_data(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let response = client
        .get(app.url("/api/my_data"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.json().await.expect("JSON")
}
