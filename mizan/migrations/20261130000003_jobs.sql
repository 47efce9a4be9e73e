-- Background jobs (`mizan::jobs`): one row per job, claimed by one worker at a time.
-- Times are Unix milliseconds (a retry may come back within a second). Same SQL for
-- SQLite and PostgreSQL.
CREATE TABLE mizan_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- queued | running | done | dead
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    -- While running: the worker that holds it, and until when (past it, the job is
    -- taken up again: its worker died).
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX mizan_jobs_due ON mizan_jobs (state, run_at);

-- Periodic jobs: when each runs next. The process that moves `next_run` enqueues the
-- period's job, so each period runs once across every process.
CREATE TABLE mizan_schedule (
    name TEXT PRIMARY KEY NOT NULL,
    next_run BIGINT NOT NULL
);
