//! Edits of a project's source files, planned in memory and written only once every one
//! of a generator's edits is known to apply: a refusal, or a failed write, leaves every
//! file as it was.

use std::cmp::Ordering;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::NewError;

/// A file's new text, not yet written.
pub struct Planned {
    /// The file, relative to the project's root.
    path: String,
    /// Its whole text after the edit.
    text: String,
    /// Whether the file is new (it must not exist when written).
    new: bool,
}

impl Planned {
    /// An existing file's new text.
    pub fn edited(path: &str, text: String) -> Self {
        Self {
            path: path.to_owned(),
            text,
            new: false,
        }
    }

    /// Whether rustfmt lays it out after the write: a Rust file that declares no
    /// modules of its own (rustfmt would go through those too), so new modules and test
    /// files, not `mod.rs`.
    fn formatted(&self) -> bool {
        self.path.ends_with(".rs")
            && !self.text.lines().any(|line| {
                let line = line.strip_prefix("pub ").unwrap_or(line);
                line.starts_with("mod ") && line.ends_with(';')
            })
    }
}

/// The text of `path` under `root`.
pub fn read(root: &Path, path: &str) -> Result<String, NewError> {
    fs::read_to_string(root.join(path)).map_err(|source| NewError::NotAProject {
        path: path.to_owned(),
        source,
    })
}

/// `path`, new, refused when it exists already.
pub fn create(root: &Path, path: String, text: String) -> Result<Planned, NewError> {
    if root.join(&path).exists() {
        return Err(NewError::Taken(format!("{path} exists already")));
    }
    Ok(Planned {
        path,
        text,
        new: true,
    })
}

/// Writes every planned file (each beside its target first, then renamed over it, so a
/// failed write leaves every file as it was; only a failed rename, after every write
/// succeeded, can leave the files before it renamed), then formats the Rust ones as
/// `cargo fmt` would; answers a line for each (`created …`, `edited …`).
pub fn write_all(root: &Path, planned: Vec<Planned>) -> Result<Vec<String>, NewError> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let undo = |staged: &[(PathBuf, PathBuf)]| {
        for (temporary, _) in staged {
            let _ = fs::remove_file(temporary);
        }
    };
    for file in &planned {
        let target = root.join(&file.path);
        let temporary = root.join(format!("{}.mizan-new", file.path));
        let written = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&temporary, &file.text));
        if file.new && target.exists() {
            let _ = fs::remove_file(&temporary);
            undo(&staged);
            return Err(NewError::Taken(format!("{} exists already", file.path)));
        }
        staged.push((temporary, target));
        if let Err(source) = written {
            undo(&staged);
            return Err(NewError::Io {
                path: file.path.clone(),
                source,
            });
        }
    }
    for (done, (temporary, target)) in staged.iter().enumerate() {
        if let Err(source) = fs::rename(temporary, target) {
            // The files renamed so far stay; the rest are not written.
            undo(&staged[done..]);
            return Err(NewError::Io {
                path: target.display().to_string(),
                source,
            });
        }
    }
    let mut report: Vec<String> = planned
        .iter()
        .map(|file| {
            let verb = if file.new { "created" } else { "edited " };
            format!("{verb} {}", file.path)
        })
        .collect();
    let rust: Vec<PathBuf> = planned
        .iter()
        .filter(|file| file.formatted())
        .map(|file| root.join(&file.path))
        .collect();
    report.extend(format(&rust));
    Ok(report)
}

/// Formats `files` with rustfmt (edition 2024, the starter's); a line to report when it
/// could not.
fn format(files: &[PathBuf]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
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

/// The test file `path`'s `text` with `test`, the function named `name`, appended;
/// refused when the file has a function of that name already.
pub fn with_test(path: &str, text: &str, name: &str, test: &str) -> Result<String, NewError> {
    if text.contains(&format!("fn {name}(")) {
        return Err(NewError::Taken(format!("{path} has {name} already")));
    }
    Ok(format!("{}\n{test}", text.trim_end_matches('\n')))
}

/// The module list `path` (a `mod.rs`) with `pub mod {module};` among its modules, or
/// after its text when it lists none yet.
pub fn with_module(root: &Path, path: &str, module: &str) -> Result<Planned, NewError> {
    let text = read(root, path)?;
    let line = format!("pub mod {module};");
    if text.lines().any(|l| l.trim() == line) {
        return Err(NewError::Taken(format!("{path} lists `{module}` already")));
    }
    let text = insert_sorted(&text, None, "mod ", &line)
        .unwrap_or_else(|| format!("{}\n{line}\n", text.trim_end_matches('\n')));
    Ok(Planned::edited(path, text))
}

/// The project's test file `server/tests/accounts/{module}.rs` with `test`, the function
/// named `name`, appended; the file is created (with `header` and its `mod` line in the
/// test binary's `main.rs`) when it is not there yet.
pub fn with_test_in(
    root: &Path,
    module: &str,
    header: &str,
    name: &str,
    test: &str,
) -> Result<Vec<Planned>, NewError> {
    const MAIN: &str = "server/tests/accounts/main.rs";
    let path = format!("server/tests/accounts/{module}.rs");
    if let Ok(text) = read(root, &path) {
        return Ok(vec![Planned::edited(
            &path,
            with_test(&path, &text, name, test)?,
        )]);
    }
    let main = read(root, MAIN)?;
    let line = format!("mod {module};");
    let file = create(root, path.clone(), with_test(&path, header, name, test)?)?;
    if main.lines().any(|l| l.trim() == line) {
        return Ok(vec![file]);
    }
    // Among the test modules, after the shared helpers' `mod helpers;`.
    let main =
        insert_sorted(&main, Some("mod helpers"), "mod ", &line).ok_or(NewError::Unplaced {
            file: MAIN.to_owned(),
            place: "`mod` block",
        })?;
    Ok(vec![Planned::edited(MAIN, main), file])
}

/// Refuses to go on in a project without the module list `path` (made before its
/// generator existed): says to add it, and `declaration` in `app/src/lib.rs`.
pub fn home(root: &Path, path: &str, declaration: &str) -> Result<(), NewError> {
    if root.join(path).exists() || !root.join("app/src/lib.rs").exists() {
        // Present, or not a project at all: reading it says which.
        return Ok(());
    }
    Err(NewError::Invalid(format!(
        "{path} is missing (a project made before this generator): add it with a doc \
         comment, and `{declaration}` in app/src/lib.rs"
    )))
}

/// Refuses `name` for a module that would sit inside a module of the same name (clippy's
/// `module_inception`): its folder's, or one the generated file declares.
pub fn outside_of(name: &super::Name, modules: &[&str]) -> Result<(), NewError> {
    if modules.contains(&name.snake()) {
        return Err(NewError::Invalid(format!(
            "`{name}` would be a module inside a module of the same name: pick another name"
        )));
    }
    Ok(())
}

/// Whether `text` has `needle` where it starts a word (not `rename = "x"` for `name = "x"`).
pub fn has_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The first Rust file under `dir` (recursively) whose text has `needle` at the start of
/// a word.
pub fn declared_in(dir: &Path, needle: &str) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let path = entry.path();
        if path.is_dir() {
            declared_in(&path, needle)
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).ok()?;
            has_word(&text, needle).then_some(path)
        } else {
            None
        }
    })
}

/// `text` with `line` inserted, in rustfmt's order, among the first block of items that
/// start with `prefix` (`mod …;` or `use …;`, an item running to its `;`) after the last
/// item that starts with `after` (when given); the block must exist.
pub fn insert_sorted(text: &str, after: Option<&str>, prefix: &str, line: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let from = match after {
        Some(after) => lines.iter().rposition(|l| starts_item(l, after))? + 1,
        None => 0,
    };
    let mut at = from + lines[from..].iter().position(|l| starts_item(l, prefix))?;
    let key = item_key(line, prefix);
    while at < lines.len() && starts_item(lines[at], prefix) {
        if version_order(item_key(lines[at], prefix), key) == Ordering::Greater {
            break;
        }
        while at < lines.len() && !ends_item(lines[at]) {
            at += 1;
        }
        at += 1;
    }
    Some(with_line_at(text, &lines, at.min(lines.len()), line))
}

/// `text` with `line` inserted before the first line, after a line containing `after`,
/// whose trimmed text is `before`.
pub fn insert_before(text: &str, after: &str, before: &str, line: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.contains(after))?;
    let at = start + lines[start..].iter().position(|l| l.trim() == before)?;
    Some(with_line_at(text, &lines, at, line))
}

/// The leading whitespace of the first line of `text` containing `marker`.
pub fn indent_of(text: &str, marker: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(marker))?;
    Some(line[..line.len() - line.trim_start().len()].to_owned())
}

/// Whether `line` ends an item: its code (before any `//` comment) ends with `;`.
fn ends_item(line: &str) -> bool {
    let code = line.split_once("//").map_or(line, |(code, _)| code);
    code.trim_end().ends_with(';')
}

fn starts_item(line: &str, prefix: &str) -> bool {
    let item = line.strip_prefix("pub ").unwrap_or(line);
    // `mod name;` only: an inline `mod tests {` is not part of the module list.
    item.starts_with(prefix) && (prefix != "mod " || ends_item(line))
}

/// What rustfmt orders a `mod`/`use` item by: its first path segment.
fn item_key<'a>(line: &'a str, prefix: &str) -> &'a str {
    let line = line.strip_prefix("pub ").unwrap_or(line);
    let rest = line.strip_prefix(prefix).unwrap_or(line);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// rustfmt's "version sort" of identifiers: runs of digits compare as numbers, so
/// `home` < `home2` < `home10`.
fn version_order(a: &str, b: &str) -> Ordering {
    let chunks = |s: &str| -> Vec<String> {
        let mut chunks: Vec<String> = Vec::new();
        for c in s.chars() {
            match chunks.last_mut() {
                Some(last)
                    if last.starts_with(|d: char| d.is_ascii_digit()) == c.is_ascii_digit() =>
                {
                    last.push(c);
                }
                _ => chunks.push(c.to_string()),
            }
        }
        chunks
    };
    for (x, y) in chunks(a).iter().zip(chunks(b).iter()) {
        let order = if x.starts_with(|d: char| d.is_ascii_digit())
            && y.starts_with(|d: char| d.is_ascii_digit())
        {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        } else {
            x.cmp(y)
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    chunks(a).len().cmp(&chunks(b).len())
}

/// `text`'s lines with `line` at index `at`, in `text`'s own line endings.
fn with_line_at(text: &str, lines: &[&str], at: usize, line: &str) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out: Vec<&str> = lines.to_vec();
    out.insert(at, line);
    let mut joined = out.join(newline);
    if text.ends_with('\n') {
        joined.push_str(newline);
    }
    joined
}

/// A project in a temporary folder holding `files` (path, text): the generators' tests
/// run on it.
#[cfg(test)]
pub fn project_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("directories");
        fs::write(path, text).expect("written");
    }
    dir
}

/// The message a generator refused with, for the generators' tests.
#[cfg(test)]
pub fn refusal(result: Result<Vec<String>, NewError>) -> String {
    result.expect_err("refused").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_joins_its_block_in_rustfmt_order() {
        let text = "use x::*;\n\nmod account;\nmod home;\nmod login;\n\nuse account::A;\npub use login::L;\n";
        assert_eq!(
            insert_sorted(text, None, "mod ", "mod help;").expect("a block"),
            "use x::*;\n\nmod account;\nmod help;\nmod home;\nmod login;\n\nuse account::A;\npub use login::L;\n"
        );
        assert_eq!(
            insert_sorted(text, None, "mod ", "mod home2;").expect("a block"),
            "use x::*;\n\nmod account;\nmod home;\nmod home2;\nmod login;\n\nuse account::A;\npub use login::L;\n"
        );
        assert_eq!(
            insert_sorted(text, Some("mod "), "use ", "use zebra::Z;").expect("a block"),
            "use x::*;\n\nmod account;\nmod home;\nmod login;\n\nuse account::A;\npub use login::L;\nuse zebra::Z;\n"
        );
        assert!(insert_sorted(text, None, "const ", "const A: u8 = 1;").is_none());
    }

    #[test]
    fn a_comment_after_an_item_does_not_hide_its_end() {
        let text = "pub mod a;\npub mod c; // The showcase's.\npub mod widget;\n";
        assert_eq!(
            insert_sorted(text, None, "mod ", "pub mod note;").expect("a block"),
            "pub mod a;\npub mod c; // The showcase's.\npub mod note;\npub mod widget;\n"
        );
    }

    #[test]
    fn an_inline_module_is_not_in_the_module_list() {
        let text = "mod a;\nmod c;\n\n#[cfg(test)]\nmod tests {\n    mod z;\n}\n";
        assert_eq!(
            insert_sorted(text, None, "mod ", "mod x;").expect("a block"),
            "mod a;\nmod c;\nmod x;\n\n#[cfg(test)]\nmod tests {\n    mod z;\n}\n"
        );
        let only_inline = "//! Docs.\n\nmod tests {\n}\n";
        assert!(insert_sorted(only_inline, None, "mod ", "mod x;").is_none());
    }

    #[test]
    fn a_name_is_found_where_a_word_starts() {
        assert!(has_word("#[form(name = \"a\")]", "name = \"a\""));
        assert!(!has_word("#[sqlx(rename = \"a\")]", "name = \"a\""));
        assert!(has_word("x\nname = \"a\"", "name = \"a\""));
    }

    #[test]
    fn an_item_over_several_lines_is_kept_whole() {
        let text = "mod a;\n\nuse a::{\n    One,\n    Two,\n};\nuse zed::Z;\n";
        assert_eq!(
            insert_sorted(text, Some("mod "), "use ", "use pricing::P;").expect("a block"),
            "mod a;\n\nuse a::{\n    One,\n    Two,\n};\nuse pricing::P;\nuse zed::Z;\n"
        );
    }

    #[test]
    fn versions_sort_as_numbers_and_line_endings_stay() {
        assert_eq!(version_order("home", "home2"), Ordering::Less);
        assert_eq!(version_order("home10", "home2"), Ordering::Greater);
        assert_eq!(version_order("account", "about_us"), Ordering::Greater);
        assert_eq!(
            insert_sorted("mod a;\r\nmod c;\r\n", None, "mod ", "mod b;").expect("a block"),
            "mod a;\r\nmod b;\r\nmod c;\r\n"
        );
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

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("kept.rs"), "// kept\n").expect("written");
        std::fs::write(dir.path().join("blocker"), "a file, not a folder").expect("written");
        let planned = vec![
            Planned::edited("kept.rs", "// changed\n".to_owned()),
            create(
                dir.path(),
                "blocker/new.rs".to_owned(),
                "// new\n".to_owned(),
            )
            .expect("planned"),
        ];
        assert!(matches!(
            write_all(dir.path(), planned),
            Err(NewError::Io { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("kept.rs")).expect("readable"),
            "// kept\n"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("listed").collect();
        assert_eq!(left.len(), 2, "only kept.rs and blocker: {left:?}");
    }
}
