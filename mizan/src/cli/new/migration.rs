//! `new migration NAME`: an SQL migration of the app, named by the time it was made.

use std::path::Path;

use time::OffsetDateTime;

use super::Name;
use super::edit;

/// Writes `migrations/<UTC timestamp>_NAME.sql`; answers what it wrote.
pub fn generate(root: &Path, name: &Name) -> Result<String, String> {
    if !root.join("migrations").is_dir() {
        return Err(
            "no migrations/ here: run this in the project's root, where Cargo.toml is".into(),
        );
    }
    let path = format!(
        "migrations/{}_{name}.sql",
        timestamp(OffsetDateTime::now_utc())
    );
    let text = format!(
        "-- {}: runs once, at the next start, after the framework's migrations.\n\
         -- One SQL for SQLite and PostgreSQL: TEXT ids, BIGINT Unix times, BOOLEAN flags.\n",
        name.title()
    );
    let planned = edit::create(root, &path, text)?;
    let mut report = edit::write_all(root, vec![planned])?;
    Ok(report.remove(0))
}

/// `20261202153000`: sqlx's version of a migration, sorting as time does.
fn timestamp(at: OffsetDateTime) -> String {
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
        assert_eq!(timestamp(at), "20261202120353");
    }

    #[test]
    fn a_migration_is_written_once_its_folder_exists() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let name: Name = "create_widgets".parse().expect("a name");
        assert!(generate(dir.path(), &name).is_err());
        std::fs::create_dir(dir.path().join("migrations")).expect("created");
        let report = generate(dir.path(), &name).expect("generated");
        let file = report.trim_start_matches("created ");
        assert!(file.ends_with("_create_widgets.sql"), "{report}");
        let text = std::fs::read_to_string(dir.path().join(file)).expect("written");
        assert!(text.starts_with("-- Create widgets: runs once"), "{text}");
    }
}
