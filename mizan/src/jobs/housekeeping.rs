//! The framework's own periodic job: what expired goes.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tower_sessions::session_store::ExpiredDeletion;

use super::queue::{self, millis, now_ms};
use super::worker::{Job, JobError};
use crate::runtime::AppState;
use crate::server::db::now;
use crate::server::sessions::DbSessionStore;

/// How long finished jobs are kept (to be listed) before they go.
pub const KEEP_DONE: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How often [`Housekeeping`] runs.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// Removes expired sessions (those in the database: Redis expires its own) and their rows
/// on the sessions lists, expired mailed-link tokens, jobs finished more than
/// [`KEEP_DONE`] ago, and the accounts whose owners asked to delete them once their grace
/// is over ([`crate::auth::deletion::delete_due_accounts`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Housekeeping;

impl Job for Housekeeping {
    const KIND: &'static str = "mizan.housekeeping";
    const MAX_ATTEMPTS: u32 = 3;

    async fn run(self, state: AppState) -> Result<(), JobError> {
        DbSessionStore::new(state.db.clone())
            .delete_expired()
            .await?;
        let now = now();
        let tokens = sqlx::query("DELETE FROM account_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(&state.db)
            .await?
            .rows_affected();
        let jobs = queue::prune_done(&state.db, now_ms().saturating_sub(millis(KEEP_DONE))).await?;
        let session_rows = crate::auth::user_sessions::prune(&state.db).await?;
        let accounts = crate::auth::deletion::delete_due_accounts(&state).await?;
        tracing::info!(
            tokens,
            jobs,
            session_rows,
            accounts,
            "housekeeping: expired sessions, tokens and jobs, and accounts due, removed"
        );
        Ok(())
    }
}
