//! Cached server functions: a report shared by everyone, and a count kept per user.

use mizan::AppError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The site in numbers, as the home page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StatsReport {
    /// Accounts.
    pub users: i64,
    /// Contact messages.
    pub messages: i64,
    /// When it was computed, Unix seconds.
    pub computed_at: i64,
    /// How long computing it took, in milliseconds.
    pub took_ms: u64,
}

/// Public, cached for 30 seconds and shared by every visitor: the report costs queries
/// on every visit it is computed for, the cache answers from memory. Its figures are up
/// to 30 seconds old (staff may recompute it: [`refresh_site_stats`]).
#[mizan::server(auth = public, cache = "30s")]
pub async fn site_stats() -> Result<StatsReport, AppError> {
    let started = std::time::Instant::now();
    let db = &mizan::runtime::state()?.db;
    let users = mizan::auth::users::count(db).await?;
    let messages = crate::models::contact_message::ContactMessage::count(db).await?;
    Ok(StatsReport {
        users,
        messages,
        computed_at: mizan::server::db::now(),
        took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// Staff: forgets the cached report, so the next visit computes it again.
#[mizan::server(auth = staff)]
pub async fn refresh_site_stats() -> Result<(), AppError> {
    site_stats::purge_all().await
}

/// What [`my_message_count`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MessageCount {
    /// Contact messages the caller sent while signed in.
    pub sent: i64,
    /// When it was counted, Unix seconds.
    pub counted_at: i64,
}

/// Authenticated, cached for a minute per user (one user never sees another's count);
/// sending a message purges the sender's entry.
#[mizan::server(auth = authenticated, cache = "60s")]
pub async fn my_message_count(
    #[user] user: mizan::auth::CurrentUser,
) -> Result<MessageCount, AppError> {
    Ok(MessageCount {
        sent: crate::models::contact_message::ContactMessage::count_sent_by(
            &mizan::runtime::state()?.db,
            &user.id,
        )
        .await?,
        counted_at: mizan::server::db::now(),
    })
}

/// `HH:MM:SS` (UTC) of a Unix time, for "computed at".
pub fn clock(unix_seconds: i64) -> String {
    let day = unix_seconds.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02} UTC", day / 3600, day / 60 % 60, day % 60)
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_shows_the_time_of_day_in_utc() {
        assert_eq!(clock(0), "00:00:00 UTC");
        assert_eq!(clock(86_400 + 3_600 * 13 + 60 * 5 + 9), "13:05:09 UTC");
    }
}
