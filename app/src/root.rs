//! The HTML document around the app, and the route table.

use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};
use mizan::assets::{AutoReload, HydrationScripts, Stylesheet};
use mizan::auth::AccountPages;

use crate::api::accounts::provide_current_user;
use crate::components::Layout;
use crate::pages::{
    AccountRoute, AdminRoute, ConfirmEmailRoute, ForgotPasswordRoute, HomeRoute, KeepAccountRoute,
    LoginRoute, NotFound, ResetPasswordRoute, SecondFactorRoute, SignupRoute, StaffRoute,
    VerifyEmailRoute,
};
use crate::project::{DESCRIPTION, TITLE};

/// Where the account pages of the route table below live, for the framework's mails and
/// sign-ins (start-up checks each is a route).
pub const ACCOUNT_PAGES: AccountPages = AccountPages {
    login: "/login",
    second_factor: "/login/code",
    account: "/account",
    verify_email: "/verify-email",
    reset_password: "/reset-password",
    confirm_email: "/confirm-email",
    keep_account: "/keep-account",
};

/// The whole HTML document, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <Stylesheet options=options.clone()/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// How pages render on the server: every resource is resolved first and the HTML is sent
/// in one piece, with each `<Suspense>` in place. So a page reads right without
/// JavaScript, and its status and redirects are decided before any byte is sent.
/// (Leptos 0.8's out-of-order streaming may send a resolved `<Suspense>` as a fragment
/// that only JavaScript puts in place, and `PartiallyBlocked` is not implemented there.)
const SSR: SsrMode = SsrMode::Async;

/// The application: metadata, the layout and the route table.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_current_user();

    view! {
        <Title formatter=page_title/>
        <Meta name="description" content=DESCRIPTION/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()} ssr=SSR/>
                    <Route path=path!("signup") view={Lazy::<SignupRoute>::new()} ssr=SSR/>
                    <Route path=path!("login") view={Lazy::<LoginRoute>::new()} ssr=SSR/>
                    <Route path=path!("login/code") view={Lazy::<SecondFactorRoute>::new()} ssr=SSR/>
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()} ssr=SSR/>
                    <Route path=path!("staff") view={Lazy::<StaffRoute>::new()} ssr=SSR/>
                    <Route path=path!("admin") view={Lazy::<AdminRoute>::new()} ssr=SSR/>
                    <Route path=path!("forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SSR/>
                    <Route path=path!("reset-password") view={Lazy::<ResetPasswordRoute>::new()} ssr=SSR/>
                    <Route path=path!("verify-email") view={Lazy::<VerifyEmailRoute>::new()} ssr=SSR/>
                    <Route path=path!("confirm-email") view={Lazy::<ConfirmEmailRoute>::new()} ssr=SSR/>
                    <Route path=path!("keep-account") view={Lazy::<KeepAccountRoute>::new()} ssr=SSR/>
                    // Add a page: its module and `lazy_pages!` row in `pages`, its route here.{% if showcase %}
                    <Route path=path!("contact") view={Lazy::<crate::showcase::ContactRoute>::new()} ssr=SSR/>
                    <Route path=path!("greet") view={Lazy::<crate::showcase::GreetRoute>::new()} ssr=SSR/>
                    <Route path=path!("chat/:room") view={Lazy::<crate::showcase::ChatRoute>::new()} ssr=SSR/> // The showcase's pages.{% endif %}
                </Routes>
            </Layout>
        </Router>
    }
}

/// The browser tab's title for a page: the page's own title first, then the site's name.
fn page_title(page: String) -> String {
    if page.is_empty() {
        TITLE.to_owned()
    } else {
        format!("{page} · {TITLE}")
    }
}

#[cfg(test)]
mod tests {
    use super::page_title;
    use crate::project::TITLE;

    #[test]
    fn home_page_title_is_the_site_name() {
        assert_eq!(page_title(String::new()), TITLE);
    }

    #[test]
    fn other_pages_put_their_own_title_first() {
        assert_eq!(
            page_title("Page not found".into()),
            format!("Page not found · {TITLE}")
        );
    }
}
