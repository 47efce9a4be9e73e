//! The pages of the site, one module each.

mod account;
mod admin;
mod chat;
mod contact;
mod greet;
mod home;
mod login;
mod not_found;
mod password;
mod signup;
mod staff;
mod verify_email;

pub use account::AccountPage;
pub use admin::AdminPage;
pub use chat::ChatPage;
pub use contact::ContactPage;
pub use greet::GreetPage;
pub use home::Home;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use password::{ForgotPasswordPage, ResetPasswordPage};
pub use signup::SignupPage;
pub use staff::StaffPage;
pub use verify_email::{ConfirmEmailPage, VerifyEmailPage};
