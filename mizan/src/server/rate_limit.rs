//! Rate limits: login attempts per client address and per account, and the account flows
//! (mails we send, sign-ups, OAuth sign-ins) per key.
//!
//! With Redis ([`Shared`]) every process counts in one place: a fixed window per key,
//! counted by a small script (`INCR`, and the window's expiry on the first count), so two
//! servers allow together what one would. Without Redis, or while Redis does not answer
//! within its timeout, each process counts on its own (governor's keyed limiters), and
//! forgets keys whose window has passed ([`Limit::prune`], every minute).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::server::client::ClientKey;

/// Counts one attempt in the key's window; answers the count and the window's
/// milliseconds left.
const COUNT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
";

/// The Redis every process shares limits through.
#[derive(Clone)]
pub struct Shared {
    connection: ConnectionManager,
    timeout: Duration,
    script: Arc<redis::Script>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Limits counted in Redis through `connection`, waiting at most `timeout` for it.
    pub fn new(connection: ConnectionManager, timeout: Duration) -> Self {
        Self {
            connection,
            timeout,
            script: Arc::new(redis::Script::new(COUNT)),
        }
    }

    /// Counts one attempt on `key`: (attempts in the window, time left in it).
    async fn count(&self, key: &str, window: Duration) -> Option<(u64, Duration)> {
        let mut connection = self.connection.clone();
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        let mut invocation = self.script.key(key);
        invocation.arg(window_ms);
        let call = invocation.invoke_async::<(u64, u64)>(&mut connection);
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok((count, left))) => Some((count, Duration::from_millis(left))),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "rate limit: Redis failed, counting in this process");
                None
            }
            Err(_) => {
                tracing::warn!("rate limit: Redis too slow, counting in this process");
                None
            }
        }
    }
}

/// At most `max` attempts per key in each `window`.
#[derive(Debug)]
pub struct Limit {
    name: &'static str,
    max: NonZeroU32,
    window: Duration,
    local: DefaultKeyedRateLimiter<String>,
    shared: Option<Shared>,
}

impl Limit {
    /// `max` attempts per key each `window` (zero is read as one), named `name` in Redis.
    pub fn new(name: &'static str, max: u32, window: Duration, shared: Option<Shared>) -> Self {
        let max = NonZeroU32::new(max).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(window / max.get())
            .unwrap_or_else(|| Quota::per_second(max))
            .allow_burst(max);
        Self {
            name,
            max,
            window,
            local: RateLimiter::keyed(quota),
            shared,
        }
    }

    /// So many an hour per key.
    pub fn per_hour(name: &'static str, max: u32, shared: Option<Shared>) -> Self {
        Self::new(name, max, Duration::from_secs(3600), shared)
    }

    /// So many a minute per key.
    pub fn per_minute(name: &'static str, max: u32, shared: Option<Shared>) -> Self {
        Self::new(name, max, Duration::from_secs(60), shared)
    }

    /// Counts one attempt for `key`.
    ///
    /// # Errors
    /// [`AppError::RateLimited`] with the whole seconds to wait, when the limit is reached.
    pub async fn check(&self, key: &str) -> Result<(), AppError> {
        if let Some(shared) = &self.shared
            && let Some((count, left)) = shared.count(&self.redis_key(key), self.window).await
        {
            return if count <= u64::from(self.max.get()) {
                Ok(())
            } else {
                Err(AppError::RateLimited {
                    retry_after: left.as_secs() + 1,
                })
            };
        }
        self.local.check_key(&key.to_owned()).map_err(refusal)
    }

    /// Forgets the keys whose attempts no longer count.
    pub fn prune(&self) {
        self.local.retain_recent();
        self.local.shrink_to_fit();
    }

    /// Keys this process remembers.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.local.len()
    }

    /// `mizan:limit:<name>:<digest of the key>`: keys come from input (emails), so they
    /// are hashed to a fixed length.
    fn redis_key(&self, key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        format!("mizan:limit:{}:{}", self.name, hex::encode(&digest[..16]))
    }
}

/// The 429 for a limit reached, with the whole seconds to wait (rounded up).
fn refusal(not_until: NotUntil<<DefaultClock as Clock>::Instant>) -> AppError {
    AppError::RateLimited {
        retry_after: not_until
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            + 1,
    }
}

/// The limits on signing in (and on checking a password before a change), made to slow an
/// attacker's client rather than lock the owner out: per client address, per client and
/// account, and per account with a bound no single client can reach.
#[derive(Debug)]
pub struct LoginLimiter {
    per_client: Limit,
    per_client_account: Limit,
    per_account: Limit,
}

impl LoginLimiter {
    /// Allows `per_client` attempts a minute from one client, `per_client_account` a
    /// minute from one client on one account, and on one account ten times what one client
    /// may try on it in ten minutes (only many clients together reach it).
    pub fn per_minute(per_client: u32, per_client_account: u32, shared: Option<Shared>) -> Self {
        Self {
            per_client: Limit::per_minute("login-client", per_client, shared.clone()),
            per_client_account: Limit::per_minute(
                "login-client-account",
                per_client_account,
                shared.clone(),
            ),
            per_account: Limit::new(
                "login-account",
                per_client_account.saturating_mul(100),
                Duration::from_secs(600),
                shared,
            ),
        }
    }

    /// Counts one attempt of `client` on `account`.
    ///
    /// # Errors
    /// [`AppError::RateLimited`] with the seconds to wait, when a limit is reached.
    pub async fn check(&self, client: ClientKey, account: &str) -> Result<(), AppError> {
        let account = account.trim().to_lowercase();
        let client = client.to_string();
        self.per_client.check(&client).await?;
        self.per_client_account
            .check(&format!("{client} {account}"))
            .await?;
        self.per_account.check(&account).await
    }

    /// Forgets what no longer counts.
    pub fn prune(&self) {
        self.per_client.prune();
        self.per_client_account.prune();
        self.per_account.prune();
    }
}

/// A limit an app declares once, by name, and checks wherever it applies:
/// `const CONTACT: Rate = Rate::per_hour("contact", 10);` then
/// [`per_client`]`(&CONTACT)` in the function it limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Its name (in Redis keys): unique among the app's rates.
    pub name: &'static str,
    /// Attempts allowed per key in each window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

impl Rate {
    /// `max` attempts per key an hour.
    pub const fn per_hour(name: &'static str, max: u32) -> Self {
        Self {
            name,
            max,
            window: Duration::from_secs(3600),
        }
    }

    /// `max` attempts per key a minute.
    pub const fn per_minute(name: &'static str, max: u32) -> Self {
        Self {
            name,
            max,
            window: Duration::from_secs(60),
        }
    }
}

/// The app's [`Rate`]s, each made into a [`Limit`] on first use and shared by every
/// request (and, with Redis, every process).
#[derive(Debug)]
pub struct AppLimits {
    shared: Option<Shared>,
    limits: std::sync::Mutex<std::collections::HashMap<&'static str, Arc<Limit>>>,
}

impl AppLimits {
    /// No limit yet; those made later count in Redis when `shared` is given.
    pub fn new(shared: Option<Shared>) -> Self {
        Self {
            shared,
            limits: std::sync::Mutex::default(),
        }
    }

    /// Counts one attempt on `key` under `rate`.
    ///
    /// # Errors
    /// [`AppError::RateLimited`] with the seconds to wait, when the limit is reached.
    pub async fn check(&self, rate: &Rate, key: &str) -> Result<(), AppError> {
        let limit = {
            let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
            limits
                .entry(rate.name)
                .or_insert_with(|| {
                    Arc::new(Limit::new(
                        rate.name,
                        rate.max,
                        rate.window,
                        self.shared.clone(),
                    ))
                })
                .clone()
        };
        // Counted apart from the framework's own limits, whatever the names.
        limit.check(&format!("app:{key}")).await
    }

    /// Forgets what no longer counts.
    pub fn prune(&self) {
        let limits: Vec<Arc<Limit>> = self
            .limits
            .lock()
            .map(|limits| limits.values().cloned().collect())
            .unwrap_or_default();
        for limit in limits {
            limit.prune();
        }
    }
}

/// Counts one attempt of the current request's client under `rate` (from a server
/// function or a form handler).
///
/// # Errors
/// [`AppError::RateLimited`] when the limit is reached; [`AppError::Internal`] outside a
/// request.
pub async fn per_client(rate: &Rate) -> Result<(), AppError> {
    let state = crate::runtime::state()?;
    let client = crate::server::client::current()?;
    state.rate_limits.check(rate, &client.to_string()).await
}

/// The limits of the account flows.
#[derive(Debug)]
pub struct AccountLimits {
    /// Verification mails, per user.
    pub verification_mails: Limit,
    /// Password-reset mails, per email address.
    pub reset_mails_per_email: Limit,
    /// Password-reset requests, per client address.
    pub reset_requests_per_client: Limit,
    /// Email-change mails, per user.
    pub email_change_mails: Limit,
    /// OAuth sign-ins started, per client address.
    pub oauth_per_client: Limit,
    /// Sign-up checks (every answer that could say an address has an account: sign-up,
    /// its form's check, an email change), per client address.
    pub sign_ups_per_client: Limit,
    /// Notices to an address that has an account (someone tried to sign up or move an
    /// account to it), per address.
    pub notices_per_address: Limit,
    /// Mails about sign-ins from browsers an account never used, per account (each takes
    /// its password: this only bounds what someone holding it can send).
    pub new_browser_notices: Limit,
    /// Second-factor codes tried per account, at sign-in (after its password) and from a
    /// signed-in session (to turn two-factor sign-in on or off, or renew its recovery
    /// codes) counted apart: this keeps guessing six digits out of reach.
    pub second_factor_codes: Limit,
    /// Mails about a right password and a wrong second-factor code, per account.
    pub second_factor_notices: Limit,
    /// Deletions asked, per account (each mails its owner).
    pub deletion_requests: Limit,
}

impl AccountLimits {
    /// 3 verification mails an hour per user, 3 reset mails per address and 20 reset
    /// requests per client, 5 email changes per user, 60 OAuth sign-ins per client,
    /// 120 sign-up checks per client (a sign-up from the form is two: its check and
    /// the account made), 3 notices per address, 10 new-browser notices per account, and
    /// 20 second-factor codes, 3 mails about wrong ones and 3 deletions asked per account.
    pub fn new(shared: Option<Shared>) -> Self {
        let hourly = |name, max| Limit::per_hour(name, max, shared.clone());
        Self {
            verification_mails: hourly("verification-mails", 3),
            reset_mails_per_email: hourly("reset-mails", 3),
            reset_requests_per_client: hourly("reset-requests", 20),
            email_change_mails: hourly("email-change-mails", 5),
            oauth_per_client: hourly("oauth-client", 60),
            sign_ups_per_client: hourly("sign-ups-client", 120),
            notices_per_address: hourly("address-notices", 3),
            new_browser_notices: hourly("new-browser-notices", 10),
            second_factor_codes: hourly("second-factor-codes", 20),
            second_factor_notices: hourly("second-factor-notices", 3),
            deletion_requests: hourly("deletion-requests", 3),
        }
    }

    /// Forgets what no longer counts.
    pub fn prune(&self) {
        for limit in [
            &self.verification_mails,
            &self.reset_mails_per_email,
            &self.reset_requests_per_client,
            &self.email_change_mails,
            &self.oauth_per_client,
            &self.sign_ups_per_client,
            &self.notices_per_address,
            &self.new_browser_notices,
            &self.second_factor_codes,
            &self.second_factor_notices,
            &self.deletion_requests,
        ] {
            limit.prune();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(ip: [u8; 4]) -> ClientKey {
        ClientKey::of(std::net::IpAddr::from(ip))
    }

    #[tokio::test]
    async fn an_account_is_limited_whatever_the_case_of_its_email() {
        let limiter = LoginLimiter::per_minute(100, 2, None);
        let ip = client([127, 0, 0, 1]);
        assert!(limiter.check(ip, "a@example.com").await.is_ok());
        assert!(limiter.check(ip, "A@Example.com").await.is_ok());
        let Err(AppError::RateLimited { retry_after }) = limiter.check(ip, "a@example.com").await
        else {
            panic!("third attempt in a minute is refused");
        };
        assert!((1..=61).contains(&retry_after), "{retry_after}");
        assert!(
            limiter.check(ip, "b@example.com").await.is_ok(),
            "other accounts are not affected"
        );
        assert!(
            limiter
                .check(client([192, 0, 2, 1]), "a@example.com")
                .await
                .is_ok(),
            "nor the account's owner on another client"
        );
    }

    #[tokio::test]
    async fn an_hourly_limit_counts_per_key() {
        let limit = Limit::per_hour("test", 2, None);
        assert!(limit.check("a").await.is_ok());
        assert!(limit.check("a").await.is_ok());
        let Err(AppError::RateLimited { retry_after }) = limit.check("a").await else {
            panic!("the third in an hour is refused");
        };
        assert!((1..=3601).contains(&retry_after), "{retry_after}");
        assert!(limit.check("b").await.is_ok());
    }

    #[tokio::test]
    async fn a_client_is_limited_across_accounts() {
        let limiter = LoginLimiter::per_minute(2, 100, None);
        let ip = client([10, 0, 0, 1]);
        assert!(limiter.check(ip, "a@example.com").await.is_ok());
        assert!(limiter.check(ip, "b@example.com").await.is_ok());
        assert!(limiter.check(ip, "c@example.com").await.is_err());
        assert!(
            limiter
                .check(client([10, 0, 0, 2]), "d@example.com")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn keys_whose_window_has_passed_are_forgotten() {
        let limit = Limit::new("test", 2, Duration::from_millis(20), None);
        for key in ["a", "b", "c"] {
            assert!(limit.check(key).await.is_ok());
        }
        assert_eq!(limit.remembered(), 3);
        tokio::time::sleep(Duration::from_millis(30)).await;
        limit.prune();
        assert_eq!(limit.remembered(), 0, "every window has passed");
    }
}
