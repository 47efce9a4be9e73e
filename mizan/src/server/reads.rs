//! Counts of the session and user reads the framework makes: on `/metrics`, and what
//! tests read to prove that a request reads each at most once (and none without a
//! session cookie).

use std::sync::atomic::{AtomicU64, Ordering};

/// Session-store loads and current-user lookups since the server started.
#[derive(Debug, Default)]
pub struct StoreReads {
    sessions: AtomicU64,
    users: AtomicU64,
}

impl StoreReads {
    /// One session loaded from its store.
    pub fn count_session_read(&self) {
        self.sessions.fetch_add(1, Ordering::Relaxed);
    }

    /// One signed-in user looked up.
    pub fn count_user_read(&self) {
        self.users.fetch_add(1, Ordering::Relaxed);
    }

    /// Sessions loaded so far.
    pub fn session_reads(&self) -> u64 {
        self.sessions.load(Ordering::Relaxed)
    }

    /// Users looked up so far.
    pub fn user_reads(&self) -> u64 {
        self.users.load(Ordering::Relaxed)
    }
}
