//! Contexts: server-function results that a part of the page shares.
//!
//! - A **global** context (`#[mizan::server(…, context = global)]`) is resolved once
//!   during SSR for the whole page: `provide_<name>()` at the root, `use_<name>()` below.
//! - A **local** context (`context = local`) is fetched with params: the generated
//!   `<NameProvider param=…>` fetches it (again whenever a param signal changes) and its
//!   children read it with `use_<name>()`.
//!
//! Both are blocking resources: resolved on the server before the HTML is sent and
//! serialized into the page, so hydration reads them from the HTML and makes no request.

use std::future::{Future, IntoFuture};

use leptos::prelude::*;
use leptos::reactive::computed::AsyncDerivedFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A context's value as it stands: loading, ready or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextState<T> {
    /// Not resolved yet (only ever seen in the browser, after a param changed).
    Loading,
    /// The server function answered.
    Ready(T),
    /// The server function refused or failed.
    Failed(AppError),
}

/// A server function's result shared below a provider. Copy it freely.
pub struct Context<T: Send + Sync + 'static>(Resource<Result<T, AppError>>);

impl<T: Send + Sync + 'static> Clone for Context<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Context<T> {}

impl<T> Context<T>
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    /// Fetches with `fetcher(source())`, again whenever `source()` changes.
    pub fn new<S, Fut>(
        source: impl Fn() -> S + Send + Sync + 'static,
        fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
    ) -> Self
    where
        S: PartialEq + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        Self(Resource::new_blocking(source, fetcher))
    }

    /// The value, once there is one (subscribes to changes).
    pub fn get(&self) -> Option<Result<T, AppError>> {
        self.0.get()
    }

    /// The value as a [`ContextState`] (subscribes to changes).
    pub fn state(&self) -> ContextState<T> {
        match self.get() {
            None => ContextState::Loading,
            Some(Ok(value)) => ContextState::Ready(value),
            Some(Err(error)) => ContextState::Failed(error),
        }
    }

    /// Asks the server again (after signing in, say).
    pub fn refetch(&self) {
        self.0.refetch();
    }
}

impl<T> IntoFuture for Context<T>
where
    T: Clone + Send + Sync + 'static,
{
    type Output = Result<T, AppError>;
    type IntoFuture = AsyncDerivedFuture<Result<T, AppError>>;

    fn into_future(self) -> Self::IntoFuture {
        self.0.into_future()
    }
}

/// What a generated provider renders around its children: a transition, so that reads
/// of the context below wait for it during SSR and keep showing the old value while a
/// new one loads in the browser.
pub fn boundary(children: Children) -> impl IntoView {
    view! { <Transition fallback=|| ()>{children()}</Transition> }
}

/// The context of type `C`, or a panic that names the hook and the provider it needs: a
/// hook used outside its provider is a bug in the page, found the first time it renders.
pub fn expect<C: Clone + Send + Sync + 'static>(hook: &str, provider: &str) -> C {
    use_context::<C>().unwrap_or_else(|| panic!("{hook}() is called outside <{provider}>"))
}
