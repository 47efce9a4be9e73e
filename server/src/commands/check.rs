//! `server check [--deploy]`: the settings as the server would read them; with
//! `--deploy`, every problem of a production configuration (`mizan::deploy_check`).

use std::process::ExitCode;

use mizan::config::{Config, read_dotenv};
use mizan::deploy_check::{self, Severity};

/// Runs the check with the command line that follows `check`.
pub fn run(mut args: impl Iterator<Item = String>) -> ExitCode {
    let deploy = match args.next().as_deref() {
        None => false,
        Some("--deploy") => true,
        Some(other) => {
            eprintln!("error: check: unknown argument `{other}` (only --deploy)");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = read_dotenv() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let lookup = |name: &str| std::env::var(name).ok();
    if !deploy {
        return match Config::load_without_side_effects(app::project::NAME, lookup) {
            Ok(_) => {
                println!("The settings are valid.");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let findings = deploy_check::check(app::project::NAME, lookup);
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
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
