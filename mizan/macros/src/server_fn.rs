//! `#[mizan::server(auth = …)]`: Leptos' `#[server]` with a stable endpoint and the auth
//! check at the top of the body.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::{FnArg, ItemFn, LitStr, Pat, Path};

use crate::context::{self, ContextKind};

/// Who may call the function, as written in `auth = …`.
pub enum Auth {
    /// `public`, `authenticated`, `staff` or `superuser`.
    Level(syn::Ident),
    /// `custom(path::to::check)`.
    Custom(Path),
}

impl Auth {
    /// Parses the value of `auth = …`.
    pub fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let ident: syn::Ident = input.parse()?;
        if ident == "custom" {
            let content;
            syn::parenthesized!(content in input);
            return Ok(Self::Custom(content.parse()?));
        }
        if ["public", "authenticated", "staff", "superuser"]
            .iter()
            .any(|level| ident == level)
        {
            Ok(Self::Level(ident))
        } else {
            Err(syn::Error::new(
                ident.span(),
                "auth is one of: public, authenticated, staff, superuser, custom(path)",
            ))
        }
    }

    /// The tokens to write back into `auth = …`.
    pub fn tokens(&self) -> TokenStream {
        match self {
            Self::Level(level) => quote!(#level),
            Self::Custom(path) => quote!(custom(#path)),
        }
    }
}

/// Expands `#[mizan::server(…)]` on `item`.
pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut auth = None;
    let mut endpoint = None;
    let mut input = None;
    let mut context = None;
    let mut cache = None;
    let mut cache_scope = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("auth") {
            auth = Some(Auth::parse(meta.value()?)?);
        } else if meta.path.is_ident("endpoint") {
            endpoint = Some(meta.value()?.parse::<LitStr>()?);
        } else if meta.path.is_ident("input") {
            input = Some(meta.value()?.parse::<Path>()?);
        } else if meta.path.is_ident("context") {
            context = Some(ContextKind::parse(meta.value()?)?);
        } else if meta.path.is_ident("cache") {
            let ttl: LitStr = meta.value()?.parse()?;
            let millis = parse_ttl(&ttl.value()).map_err(|e| syn::Error::new_spanned(&ttl, e))?;
            cache = Some(millis);
        } else if meta.path.is_ident("cache_scope") {
            let scope: LitStr = meta.value()?.parse()?;
            cache_scope = Some(match scope.value().as_str() {
                "shared" => quote!(Shared),
                "user" => quote!(User),
                _ => {
                    return Err(syn::Error::new_spanned(
                        scope,
                        "cache_scope is \"shared\" or \"user\"",
                    ));
                }
            });
        } else {
            return Err(meta.error(
                "expected `auth = …`, `endpoint = \"…\"`, `input = …`, `context = global|local`, \
                 `cache = \"60s\"` or `cache_scope = \"shared\"|\"user\"`",
            ));
        }
        Ok(())
    });
    parser.parse2(args)?;

    let function: ItemFn = syn::parse2(item)?;
    let Some(auth) = auth else {
        return Err(syn::Error::new_spanned(
            &function.sig.ident,
            "say who may call this function: #[mizan::server(auth = public)] (or authenticated, \
             staff, superuser, custom(check))",
        ));
    };
    let endpoint = endpoint
        .unwrap_or_else(|| LitStr::new(&function.sig.ident.to_string(), function.sig.ident.span()));
    let hooks = match context {
        Some(kind) => context::expand(kind, &function, &endpoint.value())?,
        None => TokenStream::new(),
    };

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let input = input.map(|input| quote!(, input = #input));

    // Public functions share one entry; the others keep one per user, unless told.
    let default_scope = match &auth {
        Auth::Level(level) if level == "public" => quote!(Shared),
        _ => quote!(User),
    };
    let guard = match auth {
        Auth::Level(level) => {
            let variant = syn::Ident::new(&crate::case::camel(&level.to_string()), level.span());
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
    let body = match cache {
        None => quote! { #(#statements)* },
        Some(millis) => {
            let scope = cache_scope.unwrap_or(default_scope);
            let args = argument_names(&sig)?;
            let names = args.iter().map(|arg| arg.to_string());
            quote! {
                ::mizan::cache::cached(
                    &::mizan::cache::CacheSpec {
                        name: #endpoint,
                        ttl: ::core::time::Duration::from_millis(#millis),
                        scope: ::mizan::cache::Scope::#scope,
                    },
                    ::mizan::cache::params(::std::vec![
                        #((#names, ::mizan::cache::param(&#args))),*
                    ])?,
                    async move { #(#statements)* },
                )
                .await
            }
        }
    };

    Ok(quote! {
        #[::leptos::server(prefix = "/api", endpoint = #endpoint #input)]
        #(#attrs)*
        // The argument struct `#[server]` generates has one field per argument.
        #[allow(missing_docs)]
        #vis #sig {
            #guard
            #body
        }

        #hooks
    })
}

/// The names of a function's arguments, in order.
pub fn argument_names(sig: &syn::Signature) -> syn::Result<Vec<syn::Ident>> {
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

/// `"60s"`, `"5m"`, `"1h"`, `"500ms"` → milliseconds.
fn parse_ttl(text: &str) -> Result<u64, String> {
    let error = || format!("`{text}` is not a duration like \"500ms\", \"60s\", \"5m\" or \"1h\"");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(error)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| error())?;
    let unit = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(error()),
    };
    match number.checked_mul(unit) {
        Some(0) | None => Err(error()),
        Some(millis) => Ok(millis),
    }
}
