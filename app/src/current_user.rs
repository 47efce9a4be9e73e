//! The current user: a global context, resolved once during SSR and serialized into the
//! page, so hydration reads it from the HTML instead of asking the server again.

use leptos::prelude::*;
use mizan::AppError;
use mizan::auth::CurrentUser;

use crate::api::accounts::fetch_current_user;

/// The current user (`Ok(None)` for anonymous visitors), as a resource.
pub type CurrentUserResource = Resource<Result<Option<CurrentUser>, AppError>>;

#[derive(Clone, Copy)]
struct CurrentUserContext(CurrentUserResource);

/// Creates the context; called once, at the root of the app.
pub fn provide_current_user() {
    // Blocking: pages and the nav decide what to show (and redirects) from it.
    let resource = Resource::new_blocking(|| (), |()| fetch_current_user());
    provide_context(CurrentUserContext(resource));
}

/// The current user, anywhere below the root. Read it under `<Suspense>` or
/// `<Transition>`; call `.refetch()` after signing in or out.
pub fn use_current_user() -> CurrentUserResource {
    expect_context::<CurrentUserContext>().0
}
