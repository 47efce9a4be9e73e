//! Why a generator wrote nothing.

use std::io;

/// A generator's refusal or failure; in every case the project is as it was.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// A file the generator edits is missing: not run in a project's root.
    #[error("cannot read {path}: {source} (run this in the project's root, where Cargo.toml is)")]
    NotAProject {
        /// The file, relative to the root.
        path: String,
        /// Why it could not be read.
        source: io::Error,
    },
    /// The name is taken by something the project has already.
    #[error("{0}: nothing was written")]
    Taken(String),
    /// A file lacks the place where the edit goes.
    #[error("{file} has no {place} to add it to: add it by hand (nothing was written)")]
    Unplaced {
        /// The file, relative to the root.
        file: String,
        /// What was looked for.
        place: &'static str,
    },
    /// The arguments do not describe anything to generate.
    #[error("{0}")]
    Invalid(String),
    /// Writing failed; what had been written is undone.
    #[error("cannot write {path}: {source} (nothing was written)")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
}
