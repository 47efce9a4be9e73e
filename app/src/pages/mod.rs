//! The pages of the site, one module each.

mod home;
mod not_found;

pub use home::Home;
pub use not_found::NotFound;
