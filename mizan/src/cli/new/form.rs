//! `new form NAME --auth LEVEL`: a form declared once in `app/src/forms/` (its fields and
//! rules for both sides, its server side), with a test of its checks and its answer.

use std::path::Path;

use super::edit;
use super::error::NewError;
use super::name::Name;
use crate::auth::Level;

const FORMS: &str = "app/src/forms/mod.rs";
const TESTS: &str = "server/tests/accounts/forms.rs";

/// What a form's module imports by name.
const IMPORTED: &[&str] = &["Deserialize", "JsonSchema", "Serialize"];

/// Plans the form's module, its `pub mod` line and its test, then writes them.
pub fn generate(root: &Path, name: &Name, level: Level) -> Result<Vec<String>, NewError> {
    let snake = name.snake();
    edit::outside_of(name, &["forms", "handler"])?;
    // The derive's types: the form, its receipt and its functions' argument structs.
    if let Some(clash) = ["Form", "Receipt", "Schema", "Validate", "Submit"]
        .map(|suffix| format!("{}{suffix}", name.camel()))
        .into_iter()
        .find(|ty| IMPORTED.contains(&ty.as_str()))
    {
        return Err(NewError::Invalid(format!(
            "`{snake}` would name a type {clash}, which its module imports: pick another name"
        )));
    }
    if let Some(file) = edit::declared_in(&root.join("app/src"), &format!("name = \"{snake}\"")) {
        return Err(NewError::Taken(format!(
            "{} has a form {snake} already (each answers at /api/<name>.submit)",
            file.display()
        )));
    }
    let tests = edit::read(root, TESTS)?;
    let test = format!("the_{snake}_form_checks_and_answers");
    let tests = edit::with_test(TESTS, &tests, &test, &form_test(&test, snake, level))?;
    let planned = vec![
        edit::create(
            root,
            format!("app/src/forms/{snake}.rs"),
            form_module(name, level),
        )?,
        edit::with_module(root, FORMS, snake)?,
        edit::Planned::edited(TESTS, tests),
    ];
    edit::write_all(root, planned)
}

fn form_module(name: &Name, level: Level) -> String {
    let (snake, camel, title) = (name.snake(), name.camel(), name.title());
    let caller = match level {
        Level::Public => "Option<CurrentUser>",
        _ => "CurrentUser",
    };
    format!(
        r#"//! The {lower} form: `POST /api/{snake}.submit` (and `.schema`, `.validate`), its
//! rules checked in the browser and again on the server. In a page:
//! `<MizanForm form=use_{snake}_form() submit_label="Send"/>` (`mizan::forms::MizanForm`).

use schemars::JsonSchema;
use serde::{{Deserialize, Serialize}};

/// {title}: its fields and their rules.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "{snake}", auth = {keyword}, output = {camel}Receipt)]
pub struct {camel}Form {{
    /// The message.
    #[field(label = "Message", widget = "textarea", length(min = 1, max = 2000))]
    pub message: String,
}}

/// What the sender gets back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct {camel}Receipt {{
    /// The message, as received.
    pub message: String,
}}

#[cfg(feature = "ssr")]
mod handler {{
    use mizan::AppError;
    use mizan::auth::CurrentUser;
    use mizan::forms::{{FormHandler, Submission}};

    use super::{{{camel}Form, {camel}Receipt}};

    impl FormHandler for {camel}Form {{
        async fn on_submit(
            self,
            _submission: Submission<{caller}>,
        ) -> Result<{camel}Receipt, AppError> {{
            // What the form is for: store it (a model), enqueue a job, … Its sender is
            // `submission.user` (drop the underscore to use it).
            Ok({camel}Receipt {{
                message: self.message,
            }})
        }}
    }}
}}
"#,
        lower = title.to_lowercase(),
        keyword = level.name(),
    )
}

fn form_test(test: &str, snake: &str, level: Level) -> String {
    let [visitor, ..] = super::function::statuses(level);
    let submit = format!("/api/{snake}.submit");
    let promote = match level {
        Level::Staff => {
            "\n    app.sql(\"UPDATE users SET is_staff = TRUE WHERE email = 'sender@example.com'\")\n        .await;"
        }
        Level::Superuser => {
            "\n    app.sql(\"UPDATE users SET is_staff = TRUE, is_superuser = TRUE WHERE email = 'sender@example.com'\")\n        .await;"
        }
        _ => "",
    };
    let sender = if level == Level::Public {
        "    let sender = app.visitor();".to_owned()
    } else {
        format!(
            r#"    let (status, _) = app.post_form(&app.visitor(), "{submit}", &filled).await;
    assert_eq!(status, {visitor}, "a visitor");
    let sender = crate::helpers::SignUp::signed_up(&app, "sender@example.com").await;{promote}"#
        )
    };
    format!(
        r#"
/// `{submit}` ({keyword}): an empty message is refused with the field's error, a
/// filled one answered.
#[tokio::test]
async fn {test}() {{
    let app = crate::helpers::spawn_app().await;
    let filled = [("message", "hello".to_owned())];
{sender}
    let (status, body) = app
        .post_form(&sender, "{submit}", &[("message", String::new())])
        .await;
    assert_eq!(status, 422, "{{body}}");
    assert!(body["fields"]["message"][0].is_string(), "{{body}}");
    let (status, body) = app.post_form(&sender, "{submit}", &filled).await;
    assert_eq!((status, body), (200, serde_json::json!({{ "message": "hello" }})));
}}
"#,
        keyword = level.name(),
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn project() -> tempfile::TempDir {
        edit::project_with(&[
            (
                FORMS,
                "//! Forms.\n\npub mod account;\npub mod profile;\n\npub use profile::ProfileForm;\n",
            ),
            (TESTS, "//! Tests.\n"),
        ])
    }

    #[test]
    fn a_form_is_written_registered_and_tested() {
        let dir = project();
        let read = |path: &str| fs::read_to_string(dir.path().join(path)).expect("readable");
        let name: Name = "feedback".parse().expect("a name");
        generate(dir.path(), &name, Level::Staff).expect("generated");
        let module = read("app/src/forms/feedback.rs");
        assert!(
            module.contains("#[form(name = \"feedback\", auth = staff, output = FeedbackReceipt)]"),
            "{module}"
        );
        assert!(
            module.contains("_submission: Submission<CurrentUser>,"),
            "{module}"
        );
        assert_eq!(
            read(FORMS),
            "//! Forms.\n\npub mod account;\npub mod feedback;\npub mod profile;\n\npub use profile::ProfileForm;\n"
        );
        let tests = read(TESTS);
        assert!(
            tests.contains("assert_eq!(status, 401, \"a visitor\");"),
            "{tests}"
        );
        assert!(tests.contains("SET is_staff = TRUE"), "{tests}");
        let refused = edit::refusal(generate(dir.path(), &name, Level::Staff));
        assert!(refused.contains("a form feedback already"), "{refused}");
    }

    #[test]
    fn names_that_would_not_compile_are_refused() {
        let dir = project();
        for name in ["json", "forms", "handler"] {
            let refused = edit::refusal(generate(
                dir.path(),
                &name.parse().expect("a name"),
                Level::Public,
            ));
            assert!(refused.contains("pick another name"), "{name}: {refused}");
        }
    }

    #[test]
    fn a_public_form_takes_anyone() {
        let module = form_module(&"feedback".parse().expect("a name"), Level::Public);
        assert!(
            module.contains("Submission<Option<CurrentUser>>"),
            "{module}"
        );
        let test = form_test("t", "feedback", Level::Public);
        assert!(test.contains("let sender = app.visitor();"), "{test}");
        assert!(!test.contains("a visitor\""), "{test}");
    }
}
