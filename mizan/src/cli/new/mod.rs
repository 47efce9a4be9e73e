//! `new page|fn|form|channel|job|model|migration NAME`: generators that write a project's files *and* their
//! wiring, run from the project's root. Each refuses to overwrite: run twice, the second
//! run changes nothing and says why.
//!
//! - `new page NAME [--nav]`: `app/src/pages/NAME.rs`, its `mod`, `use` and `lazy_pages!`
//!   rows, its `<Route>` in `app/src/root.rs` (and a link in the nav bar), and a test in
//!   `server/tests/accounts/pages.rs`.
//! - `new fn NAME --auth LEVEL`: `app/src/api/NAME.rs` (a function at `/api/NAME`), its
//!   `pub mod` line, and a test of who may call it in `server/tests/accounts/auth.rs`.
//! - `new form NAME --auth LEVEL`: `app/src/forms/NAME.rs` (fields, rules, server side),
//!   its `pub mod` line, and a test of its checks in `server/tests/accounts/forms.rs`.
//! - `new channel NAME`: `app/src/channels/NAME.rs` (a WebSocket at `/ws/NAME` and its
//!   browser hook), its `pub mod` line, and a test in `server/tests/accounts/channels.rs`.
//! - `new job NAME`: `app/src/jobs/NAME.rs` (background work, registered where it is
//!   declared), its `pub mod` line, and a test in `server/tests/accounts/jobs.rs`.
//! - `new model NAME field:type…`: a table (its migration), its row type and queries in
//!   `app/src/models/NAME.rs`, and a test in `server/tests/accounts/models.rs`.
//! - `new migration NAME`: `migrations/<UTC timestamp>_NAME.sql`, run at the next start.

mod channel;
mod edit;
mod error;
mod form;
mod function;
mod job;
mod migration;
mod model;
mod name;
mod page;

use std::path::Path;

use clap::Subcommand;

pub use error::NewError;
pub use model::Field;
pub use name::Name;

/// What the command line asked to generate.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// A page at /NAME (dashes for underscores): its module, lazy route, `<Route>` and test.
    Page {
        /// The page's name in snake_case (or kebab-case), e.g. `about_us`.
        name: Name,
        /// Also link it from the nav bar, after the links for everyone.
        #[arg(long)]
        nav: bool,
    },
    /// A server function at /api/NAME, with a test of who may call it.
    Fn {
        /// The function's name in snake_case, e.g. `greeting`.
        name: Name,
        /// Who may call it: public, authenticated, staff or superuser.
        #[arg(long)]
        auth: crate::auth::Level,
    },
    /// A form at /api/NAME.submit (fields and rules for both sides), with a test.
    Form {
        /// The form's name in snake_case, e.g. `feedback` (type `FeedbackForm`).
        name: Name,
        /// Who may submit it: public, authenticated, staff or superuser.
        #[arg(long)]
        auth: crate::auth::Level,
    },
    /// A WebSocket channel at /ws/NAME for signed-in users, with a test.
    Channel {
        /// The channel's name in snake_case, e.g. `live_feed` (at /ws/live-feed).
        name: Name,
    },
    /// A background job, registered where it is declared, with a test.
    Job {
        /// The job's name in snake_case, e.g. `send_report` (type `SendReport`).
        name: Name,
    },
    /// A table, its row type and queries in app/src/models/, and a test.
    Model {
        /// The row's name in snake_case, singular, e.g. `widget` (table `widgets`).
        name: Name,
        /// Its columns besides `id` and `created_at`: `title:string`, `count:int`,
        /// `note:string?` (optional).
        #[arg(required = true)]
        fields: Vec<Field>,
    },
    /// An empty SQL migration, `migrations/<UTC timestamp>_NAME.sql`.
    Migration {
        /// What it does, in snake_case, e.g. `create_widgets`.
        name: Name,
    },
}

/// Generates what `command` asks for in the project at `root`; answers what it wrote.
///
/// # Errors
/// A [`NewError`] when `root` is not a project made from the starter, when the name is
/// taken, or when a write fails; the project is left as it was.
pub fn run(root: &Path, command: Command) -> Result<String, NewError> {
    let written = match command {
        Command::Page { name, nav } => page::generate(root, &name, nav)?,
        Command::Fn { name, auth } => function::generate(root, &name, auth)?,
        Command::Form { name, auth } => form::generate(root, &name, auth)?,
        Command::Channel { name } => channel::generate(root, &name)?,
        Command::Job { name } => job::generate(root, &name)?,
        Command::Model { name, fields } => model::generate(root, &name, &fields)?,
        Command::Migration { name } => migration::generate(root, &name)?,
    };
    Ok(written
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n"))
}

#[cfg(test)]
mod tests {
    use super::Command;
    use crate::auth::Level;
    use crate::cli::Command::New;
    use crate::cli::args::parse;

    #[test]
    fn a_function_needs_a_level_by_its_name() {
        assert_eq!(
            parse(&["new", "fn", "ping", "--auth", "staff"]),
            Ok(Some(New(Command::Fn {
                name: "ping".parse().expect("a name"),
                auth: Level::Staff
            })))
        );
        let refused = parse(&["new", "fn", "ping", "--auth", "admin"]).expect_err("refused");
        assert!(refused.contains("not a level"), "{refused}");
        assert!(parse(&["new", "fn", "ping"]).is_err());
        assert!(
            parse(&["new", "model", "widget"]).is_err(),
            "a model needs fields"
        );
    }
}
