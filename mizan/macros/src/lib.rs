//! Mizan's macros. They stay thin: each expands to Leptos' own `#[server]` (and, for
//! contexts and forms, a component or a hook) plus calls into the `mizan` crate, so the
//! logic lives in ordinary, tested Rust.

use proc_macro::TokenStream;

mod case;
mod context;
mod form;
mod server_fn;

/// A server function with a stable endpoint (`/api/<name>`) and an auth level that is
/// checked before its body runs, on every path: HTTP calls and direct calls during SSR.
///
/// Its examples, which run as tests, are on `mizan::server`.
///
/// - `auth` (required): `public`, `authenticated`, `staff`, `superuser` or
///   `custom(path)`, where `path(user: Option<&CurrentUser>, &arg1, …)` returns
///   `Result<(), AppError>`.
/// - `endpoint`: the name in the URL; the function's name by default.
/// - `input`: Leptos' input encoding (`PostUrl` by default, e.g. `GetUrl`).
/// - `context = global`: also `provide_<name>()` (call it once, at the root) and
///   `use_<name>()`; `context = local`: also `<NameProvider arg=…>` and `use_<name>()`,
///   where `<name>` is the endpoint's name.
/// - `cache = "60s"`: answers are kept that long, shared for a public function that
///   does not take its caller, per user otherwise (`cache_scope = "shared"|"user"`);
///   `<name>::purge(…)` and `<name>::purge_all()` forget them.
/// - `errors(not_found, …)`: the refusals it may answer, for the API document.
#[proc_macro_attribute]
pub fn server(args: TokenStream, item: TokenStream) -> TokenStream {
    server_fn::expand(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A form declared once: schema, validate and submit endpoints, and a browser hook.
///
/// Its examples, which run as tests, are on `mizan::Form`.
///
/// Generates `impl mizan::forms::Form`, the server functions `<name>_schema`,
/// `<name>_validate` and `<name>_submit` (at `/api/<name>.schema|validate|submit`), and
/// `use_<struct_name>()` (`use_contact_form()`). The server side implements
/// `mizan::forms::FormHandler` for the struct.
#[proc_macro_derive(Form, attributes(form, field))]
pub fn derive_form(item: TokenStream) -> TokenStream {
    form::expand(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
