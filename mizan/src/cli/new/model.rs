//! `new model NAME field:type…`: a table (its migration), its row type with its queries
//! in `app/src/models/`, and a test that stores, finds, lists and deletes a row.

use std::path::Path;
use std::str::FromStr;

use super::edit;
use super::error::NewError;
use super::migration;
use super::name::Name;

const MODELS: &str = "app/src/models/mod.rs";

/// The framework's tables (`mizan/migrations`, besides its `mizan_…` ones).
const FRAMEWORK_TABLES: &[&str] = &["account_tokens", "sessions", "social_accounts", "users"];

/// Types a model's module uses by name: a model named like one would hide it.
const CLASHING: &[&str] = &[
    "Any",
    "AnyPool",
    "Deserialize",
    "Executor",
    "JsonSchema",
    "Option",
    "Result",
    "Serialize",
    "String",
    "Vec",
];

/// Words PostgreSQL reserves (and SQLite's own), which a column may not be named.
const SQL_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// A column of a generated model: `name:string`, `count:int`, `note:string?` (nullable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    name: Name,
    kind: Kind,
    optional: bool,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `String`, `TEXT`.
    Text,
    /// `i64`, `BIGINT`.
    Int,
}

impl FromStr for Field {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, kind) = text
            .split_once(':')
            .ok_or(format!("`{text}` is not name:type (e.g. title:string)"))?;
        let (kind, optional) = match kind.strip_suffix('?') {
            Some(kind) => (kind, true),
            None => (kind, false),
        };
        let kind = match kind {
            "string" | "text" => Kind::Text,
            "int" | "i64" => Kind::Int,
            other => {
                return Err(format!(
                    "`{other}` is not a field type: string or int, `?` for an optional one"
                ));
            }
        };
        let name: Name = name.parse()?;
        if ["id", "created_at"].contains(&name.snake()) {
            return Err(format!("`{name}` is a column every model has already"));
        }
        if SQL_KEYWORDS.contains(&name.snake()) {
            return Err(format!(
                "`{name}` is an SQL keyword (PostgreSQL refuses it as a column): pick another"
            ));
        }
        Ok(Self {
            name,
            kind,
            optional,
        })
    }
}

impl Field {
    fn rust_type(&self) -> String {
        let base = match self.kind {
            Kind::Text => "String",
            Kind::Int => "i64",
        };
        if self.optional {
            format!("Option<{base}>")
        } else {
            base.to_owned()
        }
    }

    fn sql_type(&self) -> String {
        let base = match self.kind {
            Kind::Text => "TEXT",
            Kind::Int => "BIGINT",
        };
        if self.optional {
            base.to_owned()
        } else {
            format!("{base} NOT NULL")
        }
    }

    /// A value of its type, for the generated test.
    fn example(&self) -> String {
        let value = match self.kind {
            Kind::Text => format!("\"a {}\".to_owned()", self.name.title().to_lowercase()),
            Kind::Int => "1".to_owned(),
        };
        if self.optional {
            format!("Some({value})")
        } else {
            value
        }
    }
}

/// The table of model `name`: its plural, naively (`widget` → `widgets`, `bus` →
/// `buses`, `story` → `stories`).
fn table_of(name: &Name) -> String {
    let singular = name.snake();
    if let Some(stem) = singular.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| singular.ends_with(end))
    {
        return format!("{singular}es");
    }
    format!("{singular}s")
}

/// Plans the model's migration, module, `pub mod` line and test, then writes them.
pub fn generate(root: &Path, name: &Name, fields: &[Field]) -> Result<Vec<String>, NewError> {
    let snake = name.snake();
    let table = table_of(name);
    edit::outside_of(name, &["models", "queries"])?;
    let module = format!("app/src/models/{snake}.rs");
    if fields.is_empty() {
        return Err(NewError::Invalid(
            "name its fields: new model widget title:string count:int".into(),
        ));
    }
    if CLASHING.contains(&name.camel().as_str()) {
        return Err(NewError::Invalid(format!(
            "`{snake}` would name its type {}, which its module uses: pick another name",
            name.camel()
        )));
    }
    if FRAMEWORK_TABLES.contains(&table.as_str()) || table.starts_with("mizan_") {
        return Err(NewError::Taken(format!(
            "the framework has a table {table}"
        )));
    }
    let create = format!("CREATE TABLE {table} (");
    if let Some(file) = migration::containing(root, &create)? {
        return Err(NewError::Taken(format!("{file} creates {table} already")));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = fields.iter().find(|field| !seen.insert(field.name.snake())) {
        return Err(NewError::Invalid(format!(
            "the field {} is named twice",
            twice.name
        )));
    }

    let test = format!("a_{snake}_is_stored_found_listed_and_deleted");
    let tests = edit::with_test_in(
        root,
        "models",
        TESTS_HEADER,
        &test,
        &model_test(&test, name, fields),
    )?;

    let migration_name: Name = format!("create_{table}")
        .parse()
        .map_err(NewError::Invalid)?;
    let (migration_path, migration_text) =
        migration::file(root, &migration_name, &create_table(&table, fields))?;
    let mut planned = vec![
        edit::create(root, migration_path, migration_text)?,
        edit::create(root, module, model_module(name, &table, fields))?,
        edit::with_module(root, MODELS, snake)?,
    ];
    planned.extend(tests);
    edit::write_all(root, planned)
}

const TESTS_HEADER: &str = "//! The app's models (`app::models`) against the real database.\n";

fn create_table(table: &str, fields: &[Field]) -> String {
    let columns: String = fields
        .iter()
        .map(|field| format!("    {} {},\n", field.name, field.sql_type()))
        .collect();
    format!(
        "CREATE TABLE {table} (\n    id TEXT PRIMARY KEY NOT NULL,\n{columns}    created_at BIGINT NOT NULL\n);\n"
    )
}

fn model_module(name: &Name, table: &str, fields: &[Field]) -> String {
    let camel = name.camel();
    let names: Vec<&str> = fields.iter().map(|field| field.name.snake()).collect();
    let struct_fields: String = fields
        .iter()
        .map(|field| {
            format!(
                "    /// {}.\n    pub {}: {},\n",
                field.name.title(),
                field.name,
                field.rust_type()
            )
        })
        .collect();
    let new_args = fields
        .iter()
        .map(|field| format!("{}: {}", field.name, field.rust_type()))
        .collect::<Vec<_>>()
        .join(", ");
    let columns = format!("id, {}, created_at", names.join(", "));
    let placeholders = (1..=names.len() + 2)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    // Text by reference; numbers are Copy.
    let binds: String = fields
        .iter()
        .map(|field| match field.kind {
            Kind::Text => format!("            .bind(&self.{})\n", field.name),
            Kind::Int => format!("            .bind(self.{})\n", field.name),
        })
        .collect();
    format!(
        r#"//! `{table}`. Its queries answer `sqlx::Error`: `?` makes it an `AppError` in a
//! server function and keeps its detail in a job.

use schemars::JsonSchema;
use serde::{{Deserialize, Serialize}};

/// A row of `{table}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct {camel} {{
    /// Its id (time-ordered).
    pub id: String,
{struct_fields}    /// When it was stored, Unix seconds.
    pub created_at: i64,
}}

#[cfg(feature = "ssr")]
mod queries {{
    use sqlx::{{Any, AnyPool, Executor}};

    use super::{camel};

    impl {camel} {{
        /// A new row, not stored yet: a fresh id, made now.
        pub fn new({new_args}) -> Self {{
            Self {{
                id: mizan::server::db::new_id(),
                {field_list},
                created_at: mizan::server::db::now(),
            }}
        }}

        /// Stores the row (on the pool, or in a transaction).
        pub async fn insert<'e, E>(&self, executor: E) -> Result<(), sqlx::Error>
        where
            E: Executor<'e, Database = Any>,
        {{
            sqlx::query(
                "INSERT INTO {table} ({columns}) \
                 VALUES ({placeholders})",
            )
            .bind(&self.id)
{binds}            .bind(self.created_at)
            .execute(executor)
            .await?;
            Ok(())
        }}

        /// The row with id `id`, if there is one.
        pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<Self>, sqlx::Error> {{
            sqlx::query_as("SELECT {columns} FROM {table} WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        }}

        /// The newest `limit` rows, newest first.
        pub async fn list(pool: &AnyPool, limit: i64) -> Result<Vec<Self>, sqlx::Error> {{
            sqlx::query_as(
                "SELECT {columns} FROM {table} ORDER BY created_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        }}

        /// Deletes the row with id `id`; answers whether there was one.
        pub async fn delete(pool: &AnyPool, id: &str) -> Result<bool, sqlx::Error> {{
            let done = sqlx::query("DELETE FROM {table} WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        }}
    }}
}}
"#,
        field_list = names.join(", "),
    )
}

fn model_test(test: &str, name: &Name, fields: &[Field]) -> String {
    let (snake, camel) = (name.snake(), name.camel());
    let examples = fields
        .iter()
        .map(Field::example)
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
/// `{camel}`: stored, found by id, listed, deleted.
#[tokio::test]
async fn {test}() {{
    use app::models::{snake}::{camel};

    let app = crate::helpers::spawn_app().await;
    let db = &app.state.db;
    let row = {camel}::new({examples});
    row.insert(db).await.expect("stored");
    assert_eq!({camel}::find(db, &row.id).await.expect("read"), Some(row.clone()));
    assert_eq!({camel}::list(db, 10).await.expect("listed"), vec![row.clone()]);
    assert!({camel}::delete(db, &row.id).await.expect("deleted"));
    assert_eq!({camel}::find(db, &row.id).await.expect("read"), None);
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const TESTS_MAIN: &str = "server/tests/accounts/main.rs";
    const TESTS: &str = "server/tests/accounts/models.rs";

    fn fields(specs: &[&str]) -> Vec<Field> {
        specs.iter().map(|s| s.parse().expect("a field")).collect()
    }

    #[test]
    fn fields_and_tables_are_read() {
        assert_eq!(table_of(&"widget".parse().expect("a name")), "widgets");
        assert_eq!(
            table_of(&"match_box".parse().expect("a name")),
            "match_boxes"
        );
        assert_eq!(table_of(&"story".parse().expect("a name")), "stories");
        assert_eq!(table_of(&"day".parse().expect("a name")), "days");
        let [title, count, note] =
            <[Field; 3]>::try_from(fields(&["title:string", "count:int", "note:string?"]))
                .expect("three");
        assert_eq!(
            (title.rust_type(), title.sql_type()),
            ("String".into(), "TEXT NOT NULL".into())
        );
        assert_eq!(
            (count.rust_type(), count.sql_type()),
            ("i64".into(), "BIGINT NOT NULL".into())
        );
        assert_eq!(
            (note.rust_type(), note.sql_type()),
            ("Option<String>".into(), "TEXT".into())
        );
        for bad in [
            "title",
            "title:float",
            "Title:string",
            "id:string",
            "user:string",
        ] {
            assert!(bad.parse::<Field>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_model_is_written_with_its_table_registration_and_test() {
        let dir = edit::project_with(&[
            (MODELS, "//! Models.\n// One module per table.\n"),
            (
                TESTS_MAIN,
                "//! Tests.\n\nmod helpers;\n\nmod auth;\nmod pages;\n",
            ),
        ]);
        fs::create_dir(dir.path().join("migrations")).expect("created");
        let name: Name = "widget".parse().expect("a name");
        let report = generate(dir.path(), &name, &fields(&["title:string", "count:int"]))
            .expect("generated");
        assert_eq!(report.len(), 5, "{report:?}");
        let read = |path: &str| fs::read_to_string(dir.path().join(path)).expect("readable");
        assert_eq!(
            read(MODELS),
            "//! Models.\n// One module per table.\npub mod widget;\n"
        );
        assert_eq!(
            read(TESTS_MAIN),
            "//! Tests.\n\nmod helpers;\n\nmod auth;\nmod models;\nmod pages;\n"
        );
        let module = read("app/src/models/widget.rs");
        assert!(module.contains("pub struct Widget {"), "{module}");
        assert!(
            module.contains("pub fn new(title: String, count: i64) -> Self"),
            "{module}"
        );
        assert!(
            module.contains("\"INSERT INTO widgets (id, title, count, created_at) \\\n"),
            "{module}"
        );
        assert!(module.contains("VALUES ($1, $2, $3, $4)\","), "{module}");
        let migration = report
            .iter()
            .find_map(|line| line.strip_prefix("created migrations/"))
            .expect("a migration");
        assert!(migration.ends_with("_create_widgets.sql"), "{migration}");
        let sql = read(&format!("migrations/{migration}"));
        assert!(
            sql.contains("CREATE TABLE widgets (\n    id TEXT PRIMARY KEY NOT NULL,\n    title TEXT NOT NULL,\n    count BIGINT NOT NULL,\n    created_at BIGINT NOT NULL\n);"),
            "{sql}"
        );
        assert!(read(TESTS).contains("let row = Widget::new(\"a title\".to_owned(), 1);"));

        let refused = edit::refusal(generate(dir.path(), &name, &fields(&["title:string"])));
        assert!(refused.contains("already"), "{refused}");
        let twice = edit::refusal(generate(
            dir.path(),
            &"gadget".parse().expect("a name"),
            &fields(&["a:int", "a:string"]),
        ));
        assert!(twice.contains("named twice"), "{twice}");
        for (taken, why) in [
            ("user", "framework has a table users"),
            ("result", "type Result"),
        ] {
            let refused = edit::refusal(generate(
                dir.path(),
                &taken.parse().expect("a name"),
                &fields(&["a:int"]),
            ));
            assert!(refused.contains(why), "{refused}");
        }
        std::fs::write(
            dir.path().join("migrations/1_gadgets.sql"),
            "CREATE TABLE gadgets (\n    id TEXT\n);\n",
        )
        .expect("written");
        let refused = edit::refusal(generate(
            dir.path(),
            &"gadget".parse().expect("a name"),
            &fields(&["a:int"]),
        ));
        assert!(refused.contains("creates gadgets already"), "{refused}");
    }
}
