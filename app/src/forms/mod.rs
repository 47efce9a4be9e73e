//! The app's forms, each declared once with `#[derive(mizan::Form)]`: its fields and rules,
//! and beside them its server side (`FormHandler`).

pub mod contact;
pub mod profile;
pub mod signup;

pub use contact::{ContactForm, ContactReceipt, use_contact_form};
pub use profile::{ProfileForm, use_profile_form};
pub use signup::{SignupForm, use_signup_form};
