//! This project's names: the title its pages carry, and the name of its database file and
//! session cookie.

/// The name in files and cookies: the SQLite file `data/<NAME>.db`, the session cookie
/// `<NAME>_session`.
pub const NAME: &str = "mizan";

/// The site's title: the nav bar's brand, the home page's heading, every tab's title.
pub const TITLE: &str = "Mizan";

/// The home page's first line.
pub const TAGLINE: &str = "Typed server functions, auth levels, forms, channels and caching, in one language on both sides.";

/// What search engines show under the site's title: one line about the site.
pub const DESCRIPTION: &str = "Mizan for Leptos: a full-stack Rust starter with typed server \
    functions, auth levels, forms, realtime chat and caching.";
