//! Who is signed in on a session, remembered by this process for a few seconds: a
//! signed-in request then costs no session read and no user query.
//!
//! Each of those reads is a round trip to sqlx's SQLite connection thread; under load the
//! two thread switches per query were most of an authenticated call's time (a `perf`
//! profile: 41% of the server's samples in `finish_task_switch`, SQLite itself under 2%).
//!
//! It is used only when sessions live in the database and there is no Redis, that is when
//! this process makes every change to sessions and users that matters:
//! - signing in or out forgets the session here ([`SignedInCache::forget_session`]), and
//!   a request that was resolving it at that moment cannot put it back: an ended id is
//!   never remembered again (ids are not reused);
//! - every change to a user through [`super::users`] (password, role, name, email) moves
//!   a process-wide generation, and entries of an older generation are not used;
//! - an entry lives [`TTL`] at most, which bounds anything else: a row changed by hand in
//!   SQL, or a second process on the same database without Redis (not a supported
//!   scale-out: channels need Redis too). With Redis, sessions are shared there and this
//!   cache is off.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tower_sessions::session::Id;

use super::CurrentUser;

/// How long an entry may be used.
pub const TTL: Duration = Duration::from_secs(5);

/// Most entries kept; past it, expired entries are dropped, then all if need be.
const CAPACITY: usize = 10_000;

/// How long an ended session is remembered as ended: longer than any lookup that began
/// before it ended can take (requests time out well before).
const ENDED_FOR: Duration = Duration::from_secs(120);

/// Moves whenever a user changes through [`super::users`] (or [`users_changed`]).
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Says that users changed: every remembered sign-in is looked up again. Called by the
/// functions of [`super::users`] that change a user; call it after changing users in SQL
/// yourself.
pub fn users_changed() {
    GENERATION.fetch_add(1, Ordering::Release);
}

/// One remembered sign-in.
#[derive(Debug, Clone)]
pub struct Remembered {
    /// The user, as the database had them.
    pub user: CurrentUser,
    /// When the session was last saved (see `session::refresh_if_due`).
    pub refreshed_at: i64,
    /// The session's handle on its account's sessions list.
    pub handle: Arc<str>,
    stored_at: Instant,
    generation: u64,
}

/// The sessions this process resolved lately, by session id.
#[derive(Debug, Default)]
pub struct SignedInCache {
    entries: RwLock<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    signed_in: HashMap<Id, Remembered>,
    /// Sessions that ended lately, and when.
    ended: HashMap<Id, Instant>,
    /// When `ended` was last swept.
    swept: Option<Instant>,
}

impl Entries {
    /// Drops the endings older than [`ENDED_FOR`], at most once a second (a sweep reads
    /// them all).
    fn forget_old_endings(&mut self) {
        if self
            .swept
            .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.ended.retain(|_, at| at.elapsed() < ENDED_FOR);
        self.swept = Some(Instant::now());
    }
}

impl SignedInCache {
    /// Who is signed in on session `id`, if it was resolved less than [`TTL`] ago and no
    /// user changed since.
    pub fn get(&self, id: Id) -> Option<Remembered> {
        let entries = self.entries.read().ok()?;
        let entry = entries.signed_in.get(&id)?;
        let fresh = entry.stored_at.elapsed() < TTL
            && entry.generation == GENERATION.load(Ordering::Acquire);
        fresh.then(|| entry.clone())
    }

    /// Remembers that `user` is signed in on session `id` (saved at `refreshed_at`, its
    /// row `handle`), unless that session ended. `generation` is
    /// [`SignedInCache::generation`] read before the user was looked up, so a change made
    /// meanwhile is not hidden.
    pub fn insert(
        &self,
        id: Id,
        user: CurrentUser,
        refreshed_at: i64,
        handle: Arc<str>,
        generation: u64,
    ) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        // An ended id is never remembered; while too many sessions ended lately to keep
        // them all in mind, nothing is (every request reads the store).
        if entries.ended.len() >= CAPACITY {
            entries.forget_old_endings();
        }
        if entries.ended.contains_key(&id) || entries.ended.len() >= CAPACITY {
            return;
        }
        if entries.signed_in.len() >= CAPACITY {
            entries
                .signed_in
                .retain(|_, entry| entry.stored_at.elapsed() < TTL);
            if entries.signed_in.len() >= CAPACITY {
                entries.signed_in.clear();
            }
        }
        entries.signed_in.insert(
            id,
            Remembered {
                user,
                refreshed_at,
                handle,
                stored_at: Instant::now(),
                generation,
            },
        );
    }

    /// The current generation of users, to pass to [`SignedInCache::insert`].
    pub fn generation() -> u64 {
        GENERATION.load(Ordering::Acquire)
    }

    /// Forgets session `id` for good (it signed in again under a new id, or out).
    pub fn forget_session(&self, id: Id) {
        if let Ok(mut entries) = self.entries.write() {
            entries.signed_in.remove(&id);
            if entries.ended.len() >= CAPACITY {
                entries.forget_old_endings();
                if entries.ended.len() >= CAPACITY {
                    // Still full: nothing is remembered until it drains (see `insert`).
                    entries.signed_in.clear();
                    return;
                }
            }
            entries.ended.insert(id, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> CurrentUser {
        CurrentUser {
            id: "u1".into(),
            email: "a@example.com".into(),
            name: "A".into(),
            is_staff: false,
            is_superuser: false,
            email_verified: true,
        }
    }

    // One test: the generation is process-wide, so tests that move it must not run in
    // parallel with tests that depend on it.
    #[test]
    fn entries_are_used_until_forgotten_or_until_a_user_changes() {
        let cache = SignedInCache::default();
        let id = Id(42);
        assert!(cache.get(id).is_none());
        cache.insert(id, user(), 7, "h".into(), SignedInCache::generation());
        let found = cache.get(id).expect("remembered");
        assert_eq!(
            (found.user, found.refreshed_at, &*found.handle),
            (user(), 7, "h")
        );
        cache.forget_session(id);
        assert!(cache.get(id).is_none());

        cache.insert(Id(1), user(), 0, "".into(), SignedInCache::generation());
        users_changed();
        assert!(cache.get(Id(1)).is_none(), "a change to any user");

        let before = SignedInCache::generation();
        users_changed();
        cache.insert(Id(2), user(), 0, "".into(), before);
        assert!(
            cache.get(Id(2)).is_none(),
            "a lookup that raced a change is not used"
        );
    }

    #[test]
    fn a_session_that_ends_while_a_request_resolves_it_is_never_remembered() {
        let cache = SignedInCache::default();
        // A request starts resolving session 7; meanwhile the session signs out; then the
        // request finishes and remembers what it read before the sign-out.
        let generation = SignedInCache::generation();
        cache.forget_session(Id(7));
        cache.insert(Id(7), user(), 0, "".into(), generation);
        assert!(cache.get(Id(7)).is_none());
    }
}
