//! Components shared by several pages.

mod access;
pub mod form;
mod layout;

pub use access::AccessDenied;
pub use layout::Layout;
