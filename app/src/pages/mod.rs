//! The pages of the site, one module each.

mod account;
mod admin;
mod chat;
mod contact;
mod greet;
mod home;
mod login;
mod not_found;
mod signup;
mod staff;

pub use account::AccountPage;
pub use admin::AdminPage;
pub use chat::ChatPage;
pub use contact::ContactPage;
pub use greet::GreetPage;
pub use home::Home;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use signup::SignupPage;
pub use staff::StaffPage;
