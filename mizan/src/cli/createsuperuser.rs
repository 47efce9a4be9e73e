//! `createsuperuser`: creates a staff + superuser account.
//!
//! Interactive by default (prompts, password typed twice and not echoed). For scripts:
//! `createsuperuser --email E [--name N] --no-input` with the password in
//! `MIZAN_SUPERUSER_PASSWORD`.

use std::io::{BufRead, Write};

use clap::Args;
use sqlx::AnyPool;

use crate::AppError;
use crate::auth::{NewPassword, password, users};
use crate::forms::{REQUIRED, Rule};

/// The environment variable that holds the password with `--no-input`.
pub const PASSWORD_VAR: &str = "MIZAN_SUPERUSER_PASSWORD";

/// The command line of `createsuperuser`; what it leaves out is asked for.
#[derive(Debug, Default, PartialEq, Eq, Args)]
pub struct Options {
    /// The account's email address.
    #[arg(long)]
    pub email: Option<String>,
    /// Its display name ("Admin" with --no-input).
    #[arg(long)]
    pub name: Option<String>,
    /// Never prompt: needs --email, and reads the password from MIZAN_SUPERUSER_PASSWORD.
    #[arg(long)]
    pub no_input: bool,
}

/// Why no account was created.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Bad or missing input.
    #[error("{0}")]
    Input(String),
    /// The account could not be written.
    #[error("{0}")]
    App(#[from] AppError),
}

fn describe(error: AppError) -> CommandError {
    match error {
        AppError::Validation { fields } => CommandError::Input(
            fields
                .iter()
                .map(|(field, problems)| format!("{field}: {}", problems.join("; ")))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => CommandError::App(other),
    }
}

fn prompt(label: &str) -> Result<String, CommandError> {
    print!("{label}: ");
    std::io::stdout()
        .flush()
        .map_err(|e| CommandError::Input(e.to_string()))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CommandError::Input(e.to_string()))?;
    Ok(line.trim().to_owned())
}

fn prompt_password() -> Result<String, CommandError> {
    let read = |label: &str| {
        rpassword::prompt_password(label).map_err(|e| CommandError::Input(e.to_string()))
    };
    let first = read("Password: ")?;
    if read("Password (again): ")? != first {
        return Err(CommandError::Input("the passwords differ".into()));
    }
    Ok(first)
}

/// Creates the account and returns its email.
///
/// # Errors
/// [`CommandError::Input`] for invalid or missing input (nothing is written), or the
/// database's failure.
pub async fn run(pool: &AnyPool, options: Options) -> Result<String, CommandError> {
    let email = match (options.email, options.no_input) {
        (Some(email), _) => email,
        (None, true) => return Err(CommandError::Input("--no-input needs --email".into())),
        (None, false) => prompt("Email")?,
    };
    let name = match (options.name, options.no_input) {
        (Some(name), _) => name,
        (None, true) => "Admin".to_owned(),
        (None, false) => prompt("Name")?,
    };
    let password = if options.no_input {
        std::env::var(PASSWORD_VAR).map_err(|_| {
            CommandError::Input(format!(
                "--no-input reads the password from {PASSWORD_VAR}: set it"
            ))
        })?
    } else {
        prompt_password()?
    };
    // The framework's rules for an account: an address, a name, its password rule.
    let mut problems = Vec::new();
    if let Some(problem) = Rule::Email.check(email.trim()) {
        problems.push(format!("email: {problem}"));
    }
    if name.trim().is_empty() {
        problems.push(format!("name: {REQUIRED}"));
    }
    let password = NewPassword::parse(&password).map_err(|problem| {
        problems.push(format!("password: {problem}"));
    });
    let password = match password {
        Ok(password) if problems.is_empty() => password,
        _ => return Err(CommandError::Input(problems.join(", "))),
    };

    let password_hash = password::hash(password.into_inner()).await?;
    users::create(
        pool,
        users::NewUser {
            email: email.trim(),
            name: name.trim(),
            password_hash: &password_hash,
            is_staff: true,
            is_superuser: true,
            email_verified: true,
        },
    )
    .await
    .map_err(describe)?;
    Ok(email.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command::Createsuperuser;
    use crate::cli::args::parse;

    #[test]
    fn reads_its_flags() {
        assert_eq!(
            parse(&["createsuperuser", "--email", "a@example.com", "--no-input"]),
            Ok(Some(Createsuperuser(Options {
                email: Some("a@example.com".into()),
                name: None,
                no_input: true
            })))
        );
        assert_eq!(
            parse(&["createsuperuser"]),
            Ok(Some(Createsuperuser(Options::default())))
        );
    }

    #[test]
    fn refuses_unknown_or_incomplete_flags() {
        assert!(parse(&["createsuperuser", "--email"]).is_err());
        assert!(parse(&["createsuperuser", "--force"]).is_err());
    }
}
