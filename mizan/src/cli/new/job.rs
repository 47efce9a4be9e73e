//! `new job NAME`: a background job in `app/src/jobs/`, registered where it is declared,
//! with a test that the app's worker runs it.

use std::path::Path;

use super::edit;
use super::error::NewError;
use super::name::Name;

const JOBS: &str = "app/src/jobs/mod.rs";

/// Types a job's module uses by name: a job named like one would hide it.
const CLASHING: &[&str] = &[
    "AppState",
    "Deserialize",
    "Job",
    "JobError",
    "Ok",
    "Result",
    "Serialize",
];

/// Plans the job's module, its `pub mod` line and its test, then writes them.
pub fn generate(root: &Path, name: &Name) -> Result<Vec<String>, NewError> {
    let (snake, camel) = (name.snake(), name.camel());
    if CLASHING.contains(&camel.as_str()) {
        return Err(NewError::Invalid(format!(
            "`{snake}` would name its type {camel}, which its module uses: pick another name"
        )));
    }
    edit::outside_of(name, &["jobs"])?;
    edit::home(root, JOBS, "#[cfg(feature = \"ssr\")] pub mod jobs;")?;
    if let Some(file) = edit::declared_in(&root.join("app/src"), &format!("\"app.{snake}\"")) {
        return Err(NewError::Taken(format!(
            "{} has a job of kind app.{snake} already",
            file.display()
        )));
    }
    let test = format!("a_{snake}_job_is_run_by_the_worker");
    let mut planned = vec![
        edit::create(root, format!("app/src/jobs/{snake}.rs"), job_module(name))?,
        edit::with_module(root, JOBS, snake)?,
    ];
    planned.extend(edit::with_test_in(
        root,
        "jobs",
        "//! The app's background jobs (`app::jobs`), run by a real worker.\n",
        &test,
        &job_test(&test, name),
    )?);
    edit::write_all(root, planned)
}

fn job_module(name: &Name) -> String {
    let (snake, camel) = (name.snake(), name.camel());
    format!(
        r#"//! `{camel}`: background work, run by a worker (`server worker`, or the server
//! itself) and retried with backoff when it fails. Enqueue it where its work arises, in
//! the transaction that writes its data (`mizan::jobs::enqueue(&mut *tx, &job)`), or
//! alone: in a server function's body,
//! `mizan::runtime::state()?.jobs.enqueue(&crate::jobs::{snake}::{camel}).await?`.

use mizan::jobs::{{Job, JobError}};
use mizan::runtime::AppState;
use serde::{{Deserialize, Serialize}};

/// What the job needs, stored with it in the queue: give it fields (ids, not rows).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct {camel};

mizan::job!({camel});

impl Job for {camel} {{
    const KIND: &'static str = "app.{snake}";

    async fn run(self, _state: AppState) -> Result<(), JobError> {{
        // The work, with the state's `db`, `mailer` and `jobs`. An error is retried
        // later; a job may run more than once, so make it safe to repeat.
        Ok(())
    }}
}}
"#
    )
}

fn job_test(test: &str, name: &Name) -> String {
    let (snake, camel) = (name.snake(), name.camel());
    format!(
        r#"
/// A `{camel}` enqueued is run by the app's worker, without failing.
#[tokio::test]
async fn {test}() {{
    let app = crate::helpers::spawn_app().await;
    let id = app
        .state
        .jobs
        .enqueue(&app::jobs::{snake}::{camel})
        .await
        .expect("enqueued");
    crate::helpers::jobs_settled(&app.state.db).await;
    let done = mizan::jobs::list(&app.state.db, Some(mizan::jobs::JobState::Done), 100)
        .await
        .expect("the queue is readable");
    assert!(
        done.iter().any(|job| job.id == id && job.kind == "app.{snake}"),
        "{{done:?}}"
    );
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const MAIN: &str = "server/tests/accounts/main.rs";

    fn project() -> tempfile::TempDir {
        edit::project_with(&[
            (JOBS, "//! Jobs.\n// One module per job.\n"),
            (
                MAIN,
                "//! Tests.\n\nmod helpers;\n\nmod auth;\nmod pages;\n",
            ),
        ])
    }

    #[test]
    fn a_job_is_written_registered_and_tested() {
        let dir = project();
        let read = |path: &str| fs::read_to_string(dir.path().join(path)).expect("readable");
        let name: Name = "send_report".parse().expect("a name");
        generate(dir.path(), &name).expect("generated");
        let module = read("app/src/jobs/send_report.rs");
        assert!(module.contains("mizan::job!(SendReport);"), "{module}");
        assert!(
            module.contains("const KIND: &'static str = \"app.send_report\";"),
            "{module}"
        );
        assert_eq!(
            read(JOBS),
            "//! Jobs.\n// One module per job.\npub mod send_report;\n"
        );
        assert_eq!(
            read(MAIN),
            "//! Tests.\n\nmod helpers;\n\nmod auth;\nmod jobs;\nmod pages;\n"
        );
        let tests = read("server/tests/accounts/jobs.rs");
        assert!(
            tests.contains(".enqueue(&app::jobs::send_report::SendReport)"),
            "{tests}"
        );

        generate(dir.path(), &"purge".parse().expect("a name")).expect("a second job");
        assert!(read(JOBS).ends_with("pub mod purge;\npub mod send_report;\n"));
        assert!(read("server/tests/accounts/jobs.rs").contains("fn a_purge_job_is_run"));
        let refused = edit::refusal(generate(dir.path(), &name));
        assert!(
            refused.contains("a job of kind app.send_report already"),
            "{refused}"
        );
    }

    #[test]
    fn a_name_its_module_uses_or_a_kind_taken_is_refused() {
        let dir = project();
        for name in ["job", "result", "jobs"] {
            let refused = edit::refusal(generate(dir.path(), &name.parse().expect("a name")));
            assert!(refused.contains("pick another name"), "{name}: {refused}");
        }
        fs::write(
            dir.path().join("app/src/jobs/digest.rs"),
            "impl Job for Mail {\n    const KIND: &'static str = \"app.notify\";\n}\n",
        )
        .expect("written");
        let refused = edit::refusal(generate(dir.path(), &"notify".parse().expect("a name")));
        assert!(
            refused.contains("a job of kind app.notify already"),
            "{refused}"
        );
    }

    #[test]
    fn a_project_without_the_jobs_module_is_told_what_to_add() {
        let dir = project();
        fs::remove_file(dir.path().join(JOBS)).expect("removed");
        fs::write(dir.path().join("app/src/lib.rs"), "//! App.\n").expect("written");
        let refused = edit::refusal(generate(dir.path(), &"notify".parse().expect("a name")));
        assert!(refused.contains("pub mod jobs;"), "{refused}");
    }
}
