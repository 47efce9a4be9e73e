//! Rate limits, in this process: login attempts per client address and per account, and
//! the account flows (mails we send, OAuth sign-ins) per key.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};

use crate::error::AppError;

/// Two keyed limiters: one per client address, one per account (email, lower-cased).
#[derive(Debug)]
pub struct LoginLimiter {
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    /// Allows `per_client` attempts a minute from one address and `per_account` a minute
    /// on one account (zero is read as one).
    pub fn per_minute(per_client: u32, per_account: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            per_client: RateLimiter::keyed(quota(per_client)),
            per_account: RateLimiter::keyed(quota(per_account)),
        }
    }

    /// Counts one attempt.
    ///
    /// # Errors
    /// [`AppError::RateLimited`] with the seconds to wait, when either limit is reached.
    pub fn check(&self, client: Option<IpAddr>, account: &str) -> Result<(), AppError> {
        if let Some(ip) = client {
            self.per_client.check_key(&ip).map_err(refusal)?;
        }
        self.per_account
            .check_key(&account.trim().to_lowercase())
            .map_err(refusal)
    }
}

/// So many attempts an hour per key (an email, a user id, a client address).
#[derive(Debug)]
pub struct HourlyLimit(DefaultKeyedRateLimiter<String>);

impl HourlyLimit {
    /// Allows `n` an hour per key, all of them at once if need be (zero is read as one).
    pub fn new(n: u32) -> Self {
        Self(RateLimiter::keyed(Quota::per_hour(
            NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN),
        )))
    }

    /// Counts one attempt for `key`.
    ///
    /// # Errors
    /// [`AppError::RateLimited`] with the seconds to wait, when the limit is reached.
    pub fn check(&self, key: &str) -> Result<(), AppError> {
        self.0.check_key(&key.to_owned()).map_err(refusal)
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

/// The limits of the account flows.
#[derive(Debug)]
pub struct AccountLimits {
    /// Verification mails, per user.
    pub verification_mails: HourlyLimit,
    /// Password-reset mails, per email address.
    pub reset_mails_per_email: HourlyLimit,
    /// Password-reset requests, per client address.
    pub reset_requests_per_client: HourlyLimit,
    /// Email-change mails, per user.
    pub email_change_mails: HourlyLimit,
    /// OAuth sign-ins started, per client address.
    pub oauth_per_client: HourlyLimit,
    /// Accounts made, per client address.
    pub sign_ups_per_client: HourlyLimit,
}

impl Default for AccountLimits {
    /// 3 verification mails an hour per user, 3 reset mails per address and 20 reset
    /// requests per client, 5 email changes per user, 60 OAuth sign-ins and 60 sign-ups
    /// per client.
    fn default() -> Self {
        Self {
            verification_mails: HourlyLimit::new(3),
            reset_mails_per_email: HourlyLimit::new(3),
            reset_requests_per_client: HourlyLimit::new(20),
            email_change_mails: HourlyLimit::new(5),
            oauth_per_client: HourlyLimit::new(60),
            sign_ups_per_client: HourlyLimit::new(60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_whatever_the_case_of_its_email() {
        let limiter = LoginLimiter::per_minute(100, 2);
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        assert!(limiter.check(ip, "a@example.com").is_ok());
        assert!(limiter.check(ip, "A@Example.com").is_ok());
        let Err(AppError::RateLimited { retry_after }) = limiter.check(ip, "a@example.com") else {
            panic!("third attempt in a minute is refused");
        };
        assert!((1..=61).contains(&retry_after), "{retry_after}");
        assert!(
            limiter.check(ip, "b@example.com").is_ok(),
            "other accounts are not affected"
        );
    }

    #[test]
    fn an_hourly_limit_counts_per_key() {
        let limit = HourlyLimit::new(2);
        assert!(limit.check("a").is_ok());
        assert!(limit.check("a").is_ok());
        let Err(AppError::RateLimited { retry_after }) = limit.check("a") else {
            panic!("the third in an hour is refused");
        };
        assert!((1..=3601).contains(&retry_after), "{retry_after}");
        assert!(limit.check("b").is_ok());
    }

    #[test]
    fn a_client_is_limited_across_accounts() {
        let limiter = LoginLimiter::per_minute(2, 100);
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        assert!(limiter.check(ip, "a@example.com").is_ok());
        assert!(limiter.check(ip, "b@example.com").is_ok());
        assert!(limiter.check(ip, "c@example.com").is_err());
        assert!(
            limiter
                .check(Some(IpAddr::from([10, 0, 0, 2])), "d@example.com")
                .is_ok()
        );
    }
}
