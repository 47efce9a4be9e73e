//! This project's names: the title its pages carry, and the name of its database file and
//! session cookie.

/// The name in files and cookies: the SQLite file `data/<NAME>.db`, the session cookie
/// `<NAME>_session`.
pub const NAME: &str = "{{crate_name}}";

/// The site's title: the nav bar's brand, the home page's heading, every tab's title.
pub const TITLE: &str = "{{project-name | title_case}}";

/// The home page's first line.
pub const TAGLINE: &str = "Sign up, log in, and make it yours: start in app/src/pages/home.rs.";

/// What search engines show under the site's title: one line about the site.
pub const DESCRIPTION: &str = "{{project-name | title_case}}.";
