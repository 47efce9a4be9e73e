//! `new migration NAME`: an SQL migration of the app, named by the time it was made.

use std::collections::BTreeSet;
use std::path::Path;

use time::{Duration, OffsetDateTime};

use super::Name;
use super::edit;
use super::error::NewError;

/// Writes `migrations/<UTC timestamp>_NAME.sql`; answers what it wrote.
pub fn generate(root: &Path, name: &Name) -> Result<Vec<String>, NewError> {
    let (path, text) = file(root, name, "")?;
    edit::write_all(root, vec![edit::create(root, path, text)?])
}

/// The path and text of a new migration `name` holding `sql`: its version is the UTC
/// time, a second later than any migration of the same second (sqlx needs each version
/// once).
pub fn file(root: &Path, name: &Name, sql: &str) -> Result<(String, String), NewError> {
    let dir = root.join("migrations");
    let taken: BTreeSet<String> = std::fs::read_dir(&dir)
        .map_err(|source| NewError::NotAProject {
            path: "migrations/".to_owned(),
            source,
        })?
        .filter_map(|entry| {
            let file = entry.ok()?.file_name().into_string().ok()?;
            Some(file.split('_').next()?.to_owned())
        })
        .collect();
    let mut at = OffsetDateTime::now_utc();
    while taken.contains(&version(at)) {
        at += Duration::SECOND;
    }
    let text = format!(
        "-- {}: runs once, at the next start, after the framework's migrations.\n\
         -- One SQL for SQLite and PostgreSQL: TEXT ids, BIGINT Unix times.\n{sql}",
        name.title()
    );
    Ok((format!("migrations/{}_{name}.sql", version(at)), text))
}

/// The first migration (`migrations/<file>`) whose text contains `needle`, if any.
pub fn containing(root: &Path, needle: &str) -> Result<Option<String>, NewError> {
    let entries =
        std::fs::read_dir(root.join("migrations")).map_err(|source| NewError::NotAProject {
            path: "migrations/".to_owned(),
            source,
        })?;
    Ok(entries.flatten().find_map(|entry| {
        let text = std::fs::read_to_string(entry.path()).ok()?;
        text.contains(needle)
            .then(|| format!("migrations/{}", entry.file_name().to_string_lossy()))
    }))
}

/// `20261202153000`: sqlx's version of a migration, sorting as time does.
fn version(at: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_utc_time() {
        let at = OffsetDateTime::from_unix_timestamp(1_796_213_033).expect("a time");
        assert_eq!(version(at), "20261202120353");
    }

    #[test]
    fn migrations_are_written_once_their_folder_exists_each_with_its_own_version() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let name: Name = "create_widgets".parse().expect("a name");
        assert!(generate(dir.path(), &name).is_err());
        std::fs::create_dir(dir.path().join("migrations")).expect("created");
        let first = generate(dir.path(), &name).expect("generated").remove(0);
        let file = first.trim_start_matches("created ");
        assert!(file.ends_with("_create_widgets.sql"), "{first}");
        let text = std::fs::read_to_string(dir.path().join(file)).expect("written");
        assert!(text.starts_with("-- Create widgets: runs once"), "{text}");
        let second = generate(dir.path(), &"add_notes".parse().expect("a name"))
            .expect("made")
            .remove(0);
        let version = |report: &str| report.split(['/', '_']).nth(1).map(str::to_owned);
        assert_ne!(version(&first), version(&second), "{first} {second}");
    }
}
