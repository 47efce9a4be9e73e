//! `check [--deploy]`: the settings as the server would read them; with `--deploy`, every
//! problem of a production configuration ([`crate::deploy_check`]).

use super::Failure;
use crate::config::{Config, read_dotenv};
use crate::deploy_check::{self, Severity};

/// Checks the settings of project `name` (`.env`, then the environment) and prints what
/// it found.
///
/// # Errors
/// A [`Failure`] when the settings are invalid, or (with `deploy`) on any error found.
pub fn run(name: &'static str, deploy: bool) -> Result<(), Failure> {
    read_dotenv().map_err(|e| Failure::new("check", e))?;
    let lookup = |var: &str| std::env::var(var).ok();
    if !deploy {
        Config::load_without_side_effects(name, lookup).map_err(|e| Failure::new("check", e))?;
        println!("The settings are valid.");
        return Ok(());
    }
    let findings = deploy_check::check(name, lookup);
    for finding in &findings {
        println!("{finding}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    println!(
        "Deploy check: {errors} error(s), {} warning(s).",
        findings.len() - errors
    );
    match errors {
        0 => Ok(()),
        n => Err(Failure::new(
            "check --deploy",
            format!("{n} error(s) in a production configuration"),
        )),
    }
}
