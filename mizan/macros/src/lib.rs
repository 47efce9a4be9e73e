//! Mizan's attribute macros. They stay thin: each expands to Leptos' own `#[server]` plus
//! a call into the `mizan` crate, so the logic lives in ordinary, tested Rust.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{FnArg, ItemFn, LitStr, Pat, Path, parse_macro_input};

/// Who may call the function, as written in `auth = …`.
enum Auth {
    /// `public`, `authenticated`, `staff` or `superuser`.
    Level(syn::Ident),
    /// `custom(path::to::check)`: `check(user: Option<&CurrentUser>, &arg1, &arg2, …)`
    /// returns `Result<(), AppError>`.
    Custom(Path),
}

/// A server function with a stable endpoint (`/api/<name>`) and an auth level that is
/// checked before its body runs, on every path: HTTP calls and direct calls during SSR.
///
/// ```ignore
/// #[mizan::server(auth = staff)]
/// pub async fn list_users() -> Result<Vec<UserRow>, AppError> { … }
///
/// #[mizan::server(auth = custom(can_read_user), endpoint = "user")]
/// pub async fn user_detail(user_id: String) -> Result<UserRow, AppError> { … }
/// ```
///
/// `auth` is required: `public`, `authenticated`, `staff`, `superuser` or
/// `custom(path)`. `endpoint` defaults to the function's name.
#[proc_macro_attribute]
pub fn server(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut auth = None;
    let mut endpoint = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("auth") {
            let value = meta.value()?;
            let ident: syn::Ident = value.parse()?;
            if ident == "custom" {
                let content;
                syn::parenthesized!(content in value);
                auth = Some(Auth::Custom(content.parse()?));
            } else if ["public", "authenticated", "staff", "superuser"]
                .iter()
                .any(|level| ident == level)
            {
                auth = Some(Auth::Level(ident));
            } else {
                return Err(meta.error(
                    "auth is one of: public, authenticated, staff, superuser, custom(path)",
                ));
            }
            Ok(())
        } else if meta.path.is_ident("endpoint") {
            endpoint = Some(meta.value()?.parse::<LitStr>()?);
            Ok(())
        } else {
            Err(meta.error("expected `auth = …` or `endpoint = \"…\"`"))
        }
    });
    parse_macro_input!(args with parser);

    let function = parse_macro_input!(item as ItemFn);
    let Some(auth) = auth else {
        return syn::Error::new_spanned(
            &function.sig.ident,
            "say who may call this function: #[mizan::server(auth = public)] (or authenticated, \
             staff, superuser, custom(check))",
        )
        .into_compile_error()
        .into();
    };
    expand(auth, endpoint, function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand(auth: Auth, endpoint: Option<LitStr>, function: ItemFn) -> syn::Result<TokenStream2> {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let endpoint =
        endpoint.unwrap_or_else(|| LitStr::new(&sig.ident.to_string(), sig.ident.span()));

    let guard = match auth {
        Auth::Level(level) => {
            let variant = syn::Ident::new(&capitalize(&level.to_string()), level.span());
            quote! { ::mizan::auth::authorize(::mizan::auth::Level::#variant).await?; }
        }
        Auth::Custom(check) => {
            let args = argument_names(&sig)?;
            quote! {
                ::mizan::auth::authorize_with(|user| #check(user, #(&#args),*)).await?;
            }
        }
    };
    let statements = &block.stmts;

    Ok(quote! {
        #[::leptos::server(prefix = "/api", endpoint = #endpoint)]
        #(#attrs)*
        // The argument struct `#[server]` generates has one field per argument.
        #[allow(missing_docs)]
        #vis #sig {
            #guard
            #(#statements)*
        }
    })
}

fn argument_names(sig: &syn::Signature) -> syn::Result<Vec<syn::Ident>> {
    sig.inputs
        .iter()
        .map(|arg| match arg {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Ok(ident.ident.clone()),
                other => Err(syn::Error::new_spanned(other, "use a plain argument name")),
            },
            FnArg::Receiver(receiver) => Err(syn::Error::new_spanned(
                receiver,
                "server functions take no `self`",
            )),
        })
        .collect()
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
