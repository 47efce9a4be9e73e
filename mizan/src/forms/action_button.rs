//! `<ActionButton>`: a button that calls a server function without arguments.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A button in a form that calls the server function `S` (one without arguments, such as
/// a log-out): with JavaScript it dispatches `action` and the page stays; without, the
/// form posts to the function like any form and comes back to the page.
///
/// Lighter than Leptos' `<ActionForm>` for this case: that one parses the form's fields
/// into the arguments (serde_qs), 18 KB brotli of WebAssembly in every page it is on.
#[component]
pub fn ActionButton<S>(
    /// The action to dispatch.
    action: ServerAction<S>,
    /// The arguments (the empty struct of the function).
    args: S,
    /// The form's CSS class.
    #[prop(optional)]
    class: &'static str,
    /// The button's CSS class.
    #[prop(optional)]
    button_class: &'static str,
    /// The button's content.
    children: Children,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(args.clone());
    };
    view! {
        <form method="post" action=S::url() class=class on:submit=submit>
            <button type="submit" class=button_class>{children()}</button>
        </form>
    }
}
