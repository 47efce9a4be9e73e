//! The command line of a project's binary, like Django's `manage.py`: the project's
//! `main` is one call, [`main`], given the [`Project`]; every command has its `--help`.
//!
//! - `serve` (the default): serve the site until SIGINT/SIGTERM.
//! - `worker`: run background jobs only.
//! - `check [--deploy]`: the settings; with `--deploy`, every problem of a production
//!   configuration.
//! - `createsuperuser`: a staff + superuser account ([`createsuperuser`]).
//! - `cache key|purge|edge-key`: the origin cache ([`cache`]).
//! - `jobs list|retry|discard`: the job queue ([`jobs`]).
//! - `new page|fn|form|channel|job|model|migration NAME`: generators, run in the project's root
//!   ([`new`]).

pub mod cache;
pub mod check;
pub mod createsuperuser;
pub mod jobs;
pub mod new;

mod args;
mod run;

pub use args::{Cli, Command};
pub use run::{Failure, Project, main};
