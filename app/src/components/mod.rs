//! Components shared by several pages.

mod access;
pub mod form;
mod layout;

pub use access::{AccessDenied, Guarded};
pub use layout::Layout;
