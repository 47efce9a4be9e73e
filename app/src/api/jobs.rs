//! Staff: the background jobs that need a look.

use mizan::AppError;
use mizan::jobs::JobRecord;

/// Staff: dead jobs, and those waiting for a retry after a failure, most recent first
/// (`server jobs retry ID` runs a dead one again).
#[mizan::server(auth = staff)]
pub async fn troubled_jobs() -> Result<Vec<JobRecord>, AppError> {
    mizan::jobs::list_troubled(&mizan::runtime::state()?.db, 50).await
}
