//! The pages of the site, one module each, and their routes: each page is a lazy route,
//! so a release build with `--split` gives every page a WebAssembly part of its own that
//! the browser loads with the page it first shows or when it navigates there.

use leptos::prelude::*;

mod account;
mod admin;
mod home;
mod login;
mod not_found;
mod password;
mod signup;
mod staff;
mod verify_email;

use account::AccountPage;
use admin::AdminPage;
use home::Home;
use login::{LoginPage, SecondFactorPage};
pub use not_found::NotFound;
use password::{ForgotPasswordPage, ResetPasswordPage};
use signup::SignupPage;
use staff::StaffPage;
use verify_email::{ConfirmEmailPage, KeepAccountPage, VerifyEmailPage};

/// Declares, for each `Route => Page`, a route type whose view is the page component,
/// loaded lazily: `<Route path=… view=Lazy::<Route>::new()/>`.
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $route:ident => $page:ident,)*) => {$(
        $(#[$doc])*
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

// By path too, so that any module can declare its pages this way.
pub(crate) use lazy_pages;

self::lazy_pages! {
    /// `/`.
    HomeRoute => Home,
    /// `/signup`.
    SignupRoute => SignupPage,
    /// `/login`.
    LoginRoute => LoginPage,
    /// `/login/code`.
    SecondFactorRoute => SecondFactorPage,
    /// `/account`.
    AccountRoute => AccountPage,
    /// `/staff`.
    StaffRoute => StaffPage,
    /// `/admin`.
    AdminRoute => AdminPage,
    /// `/forgot-password`.
    ForgotPasswordRoute => ForgotPasswordPage,
    /// `/reset-password`.
    ResetPasswordRoute => ResetPasswordPage,
    /// `/verify-email`.
    VerifyEmailRoute => VerifyEmailPage,
    /// `/confirm-email`.
    ConfirmEmailRoute => ConfirmEmailPage,
    /// `/keep-account`.
    KeepAccountRoute => KeepAccountPage,
}
