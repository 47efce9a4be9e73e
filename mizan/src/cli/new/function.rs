//! `new fn NAME --auth LEVEL`: a server function at `/api/NAME`, with a test of who may
//! call it.

use std::path::Path;

use super::edit::{self, Planned};
use super::error::NewError;
use super::name::{Name, capitalized};
use crate::auth::{CurrentUser, Level};

const API: &str = "app/src/api/mod.rs";
const TESTS: &str = "server/tests/accounts/auth.rs";

/// The statuses an anonymous caller, a user, staff and a superuser get from a function
/// of `level`, as [`Level::check`] decides.
pub(super) fn statuses(level: Level) -> [u16; 4] {
    let user = |is_staff, is_superuser| CurrentUser {
        id: String::new(),
        email: String::new(),
        name: String::new(),
        is_staff,
        is_superuser,
        email_verified: true,
    };
    let callers = [
        None,
        Some(user(false, false)),
        Some(user(true, false)),
        Some(user(true, true)),
    ];
    callers.map(|caller| match level.check(caller.as_ref()) {
        Ok(()) => 200,
        Err(error) => error.status(),
    })
}

/// Names the generated module uses: a function whose argument type (its name in
/// CamelCase, made by the macro) would be one of them does not compile.
const IMPORTED: &[&str] = &["AppError", "Deserialize", "JsonSchema", "Serialize"];

/// Plans the function's module, its `pub mod` line and its test, then writes them.
pub fn generate(root: &Path, name: &Name, level: Level) -> Result<Vec<String>, NewError> {
    let snake = name.snake();
    edit::outside_of(name, &["api"])?;
    let module = format!("app/src/api/{snake}.rs");
    if IMPORTED.contains(&name.camel().as_str()) {
        return Err(NewError::Invalid(format!(
            "`{snake}` would name its argument type {}, which the module imports: pick another name",
            name.camel()
        )));
    }
    if let Some(file) = edit::declared_in(&root.join("app/src"), &format!("fn {snake}(")) {
        return Err(NewError::Taken(format!(
            "{} has a function {snake} already (each answers at /api/<name>)",
            file.display()
        )));
    }

    let api = edit::read(root, API)?;
    let api = edit::insert_sorted(&api, None, "mod ", &format!("pub mod {snake};")).ok_or(
        NewError::Unplaced {
            file: API.to_owned(),
            place: "`pub mod` block",
        },
    )?;

    let tests = edit::read(root, TESTS)?;
    let test = format!("{snake}_admits_exactly_its_callers");
    let tests = edit::with_test(TESTS, &tests, &test, &function_test(&test, snake, level))?;

    let planned = vec![
        edit::create(root, module, function_module(name, level))?,
        Planned::edited(API, api),
        Planned::edited(TESTS, tests),
    ];
    edit::write_all(root, planned)
}

fn function_module(name: &Name, level: Level) -> String {
    let (snake, camel, keyword) = (name.snake(), name.camel(), level.name());
    // The user's type by its path: the browser's build drops the body, and an import
    // used only there would be unused in it.
    let (user_arg, message) = match level {
        Level::Public => (String::new(), format!("\"{snake}\".to_owned()")),
        _ => (
            "#[user] user: mizan::auth::CurrentUser".to_owned(),
            format!("format!(\"{snake}, for {{}}\", user.name)"),
        ),
    };
    format!(
        r#"//! `POST /api/{snake}`.

use mizan::AppError;
use schemars::JsonSchema;
use serde::{{Deserialize, Serialize}};

/// What `{snake}` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct {camel}Reply {{
    /// What happened.
    pub message: String,
}}

/// {level_doc}: what it does goes here.
#[mizan::server(auth = {keyword})]
pub async fn {snake}({user_arg}) -> Result<{camel}Reply, AppError> {{
    Ok({camel}Reply {{
        message: {message},
    }})
}}
"#,
        level_doc = capitalized(keyword),
    )
}

fn function_test(test: &str, snake: &str, level: Level) -> String {
    let [anonymous, user, staff, superuser] = statuses(level);
    format!(
        r#"
/// `{snake}` ({keyword}) answers exactly its callers.
#[tokio::test]
async fn {test}() {{
    let app = spawn_app().await;
    let c = callers(&app).await;
    let callers = [
        ("anonymous", &c.anonymous),
        ("user", &c.user),
        ("staff", &c.staff),
        ("superuser", &c.superuser),
    ];
    app.assert_statuses(
        &callers,
        &[("{snake}", &[], &[{anonymous}, {user}, {staff}, {superuser}])],
    )
    .await;
}}
"#,
        keyword = level.name(),
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const API_TEXT: &str =
        "//! Functions.\n\npub mod accounts;\npub mod jobs;\n\npub const X: u8 = 1;\n";
    const TESTS_TEXT: &str = "//! Tests.\n\nasync fn callers() {}\n";

    fn project() -> tempfile::TempDir {
        edit::project_with(&[(API, API_TEXT), (TESTS, TESTS_TEXT)])
    }

    #[test]
    fn a_function_is_written_registered_and_tested() {
        let dir = project();
        let name: Name = "greeting".parse().expect("a name");
        let report = generate(dir.path(), &name, Level::Staff).expect("generated");
        assert_eq!(report.len(), 3, "{report:?}");
        let read = |path: &str| fs::read_to_string(dir.path().join(path)).expect("readable");
        let module = read("app/src/api/greeting.rs");
        assert!(
            module.contains("#[mizan::server(auth = staff)]"),
            "{module}"
        );
        assert!(
            module.contains("pub async fn greeting(#[user] user: mizan::auth::CurrentUser)"),
            "{module}"
        );
        assert_eq!(
            read(API),
            "//! Functions.\n\npub mod accounts;\npub mod greeting;\npub mod jobs;\n\npub const X: u8 = 1;\n"
        );
        let tests = read(TESTS);
        assert!(
            tests.contains(r#"&[("greeting", &[], &[401, 403, 200, 200])]"#),
            "{tests}"
        );
        let refused = edit::refusal(generate(dir.path(), &name, Level::Staff));
        assert!(refused.contains("a function greeting already"), "{refused}");
    }

    #[test]
    fn a_name_whose_argument_type_is_imported_is_refused() {
        let dir = project();
        let refused = edit::refusal(generate(
            dir.path(),
            &"app_error".parse().expect("a name"),
            Level::Public,
        ));
        assert!(refused.contains("AppError"), "{refused}");
    }

    #[test]
    fn a_public_function_takes_no_user() {
        let module = function_module(&"ping".parse().expect("a name"), Level::Public);
        assert!(module.contains("pub async fn ping() -> Result<PingReply, AppError>"));
        assert!(!module.contains("CurrentUser"), "{module}");
    }
}
