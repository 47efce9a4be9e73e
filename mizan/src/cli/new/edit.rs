//! Edits of a project's source files, planned in memory and written only once every one
//! of a generator's edits is known to apply: a refusal leaves every file as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file's new text, not yet written.
pub struct Planned {
    /// The file, relative to the project's root.
    pub path: PathBuf,
    /// Its whole text after the edit.
    pub text: String,
    /// Whether the file is new (it must not exist when written).
    pub new: bool,
}

impl Planned {
    /// An existing file's new text.
    pub fn edited(path: &str, text: String) -> Self {
        Self {
            path: path.into(),
            text,
            new: false,
        }
    }

    /// Whether rustfmt lays it out after the write: a Rust file that declares no
    /// modules of its own (rustfmt would go through those too), so new modules and test
    /// files, not `mod.rs`.
    fn formatted(&self) -> bool {
        self.path.extension().is_some_and(|ext| ext == "rs")
            && !self.text.lines().any(|line| {
                let line = line.strip_prefix("pub ").unwrap_or(line);
                line.starts_with("mod ") && line.ends_with(';')
            })
    }
}

/// The text of `path` under `root`, or a message naming the file.
pub fn read(root: &Path, path: &str) -> Result<String, String> {
    fs::read_to_string(root.join(path)).map_err(|e| {
        format!("cannot read {path}: {e} (run this in the project's root, where Cargo.toml is)")
    })
}

/// `path`, new, refused when it exists already.
pub fn create(root: &Path, path: &str, text: String) -> Result<Planned, String> {
    if root.join(path).exists() {
        return Err(format!("{path} exists already: nothing was written"));
    }
    Ok(Planned {
        path: path.into(),
        text,
        new: true,
    })
}

/// Writes every planned file, then formats the Rust ones (rustfmt lays out what was
/// inserted as `cargo fmt` would); answers a line for each (`created …`, `edited …`).
pub fn write_all(root: &Path, planned: Vec<Planned>) -> Result<Vec<String>, String> {
    let rust: Vec<PathBuf> = planned
        .iter()
        .filter(|file| file.formatted())
        .map(|file| root.join(&file.path))
        .collect();
    let mut report = Vec::new();
    for file in planned {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        fs::write(&path, &file.text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let verb = if file.new { "created" } else { "edited " };
        report.push(format!("{verb} {}", file.path.display()));
    }
    if !rust.is_empty() {
        report.extend(format(&rust));
    }
    Ok(report)
}

/// Formats `files` with rustfmt (edition 2024, the starter's); a line to report when it
/// could not.
fn format(files: &[PathBuf]) -> Option<String> {
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(files)
        .status();
    match status {
        Ok(status) if status.success() => None,
        Ok(status) => Some(format!("rustfmt failed ({status}): run `cargo fmt`")),
        Err(e) => Some(format!("rustfmt did not run ({e}): run `cargo fmt`")),
    }
}

/// `text` with `line` inserted, in sorted order, among the first run of lines that start
/// with `prefix` (a block of `mod …;` or `use …;`) after the last line that starts with
/// `after` (when given); the run must exist.
pub fn insert_sorted(text: &str, after: Option<&str>, prefix: &str, line: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let from = match after {
        Some(after) => lines.iter().rposition(|l| starts_item(l, after))? + 1,
        None => 0,
    };
    let first = from + lines[from..].iter().position(|l| starts_item(l, prefix))?;
    let end = lines[first..]
        .iter()
        .position(|l| !starts_item(l, prefix))
        .map_or(lines.len(), |n| first + n);
    let at = (first..end)
        .find(|&i| sort_key(lines[i]) > sort_key(line))
        .unwrap_or(end);
    Some(with_line_at(&lines, at, line, text.ends_with('\n')))
}

/// `text` with `line` inserted before the first line, after a line containing `after`,
/// whose trimmed text is `before`.
pub fn insert_before(text: &str, after: &str, before: &str, line: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.contains(after))?;
    let at = start + lines[start..].iter().position(|l| l.trim() == before)?;
    Some(with_line_at(&lines, at, line, text.ends_with('\n')))
}

/// The leading whitespace of the first line of `text` containing `marker`.
pub fn indent_of(text: &str, marker: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(marker))?;
    Some(line[..line.len() - line.trim_start().len()].to_owned())
}

fn starts_item(line: &str, prefix: &str) -> bool {
    line.strip_prefix("pub ")
        .unwrap_or(line)
        .starts_with(prefix)
}

/// What rustfmt orders a `mod`/`use` line by: the path, not its visibility.
fn sort_key(line: &str) -> &str {
    line.strip_prefix("pub ").unwrap_or(line)
}

fn with_line_at(lines: &[&str], at: usize, line: &str, final_newline: bool) -> String {
    let mut out: Vec<&str> = lines.to_vec();
    out.insert(at, line);
    let mut text = out.join("\n");
    if final_newline {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_joins_its_block_in_order() {
        let text = "use x::*;\n\nmod account;\nmod login;\n\nuse account::A;\npub use login::L;\n";
        assert_eq!(
            insert_sorted(text, None, "mod ", "mod home;").expect("a block"),
            "use x::*;\n\nmod account;\nmod home;\nmod login;\n\nuse account::A;\npub use login::L;\n"
        );
        assert_eq!(
            insert_sorted(text, Some("mod "), "use ", "use zebra::Z;").expect("a block"),
            "use x::*;\n\nmod account;\nmod login;\n\nuse account::A;\npub use login::L;\nuse zebra::Z;\n"
        );
        assert!(insert_sorted(text, None, "const ", "const A: u8 = 1;").is_none());
    }

    #[test]
    fn a_line_goes_before_the_end_of_its_block() {
        let text = "a! {\n    X,\n}\nb! {\n    Y,\n}\n";
        assert_eq!(
            insert_before(text, "b! {", "}", "    Z,").expect("found"),
            "a! {\n    X,\n}\nb! {\n    Y,\n    Z,\n}\n"
        );
        assert!(insert_before(text, "c! {", "}", "    Z,").is_none());
        assert_eq!(
            indent_of("x\n    <Routes>\n", "<Routes").as_deref(),
            Some("    ")
        );
    }
}
