//! The app's background jobs (server only), one module each: a value stored in the queue
//! and the `run` that does the work, registered where it is declared (`mizan::job!`).
//! `cargo run -p server -- new job NAME` adds one, with its test.
// One module per job.
