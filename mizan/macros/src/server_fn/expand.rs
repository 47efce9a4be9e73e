//! The expansion: Leptos' `#[server]` on the function, whose body starts with the guard
//! (and, when cached, answers from the cache), then its registration on its own route,
//! its purges and its context hooks.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemFn, LitStr, Path, Stmt};

use super::api;
use super::arguments::{argument_names, take_user_param};
use super::options::{Auth, CacheScope, Level, Options};
use super::purge;
use crate::context;

/// A cached call's key, made the same way in the body and in the stored-answer lookup:
/// `__mizan_scope_user` and `__mizan_params`, then the spec.
struct CacheKey {
    /// The statements that bind `__mizan_scope_user` and `__mizan_params`.
    key: TokenStream,
    /// The `mizan::cache::CacheSpec`.
    spec: TokenStream,
}

/// The guard at the top of the body, and how it names the caller for a cache key.
struct Guard {
    /// The statement that checks the caller and leaves it in `__mizan_user` (a
    /// `CurrentUser` behind a level, an `Option<CurrentUser>` behind `custom(…)` and,
    /// when it is asked for, `public`), if anything is to check.
    check: Option<TokenStream>,
    /// The caller's id as an `Option<String>`.
    user_id: TokenStream,
}

/// Expands `#[mizan::server(…)]` on `item`.
pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut function: ItemFn = syn::parse2(item)?;
    let Options {
        auth,
        endpoint,
        input,
        context,
        cache,
        cache_scope,
        errors,
        api_arguments,
    } = Options::parse(args, &function.sig.ident)?;
    let endpoint = endpoint
        .unwrap_or_else(|| LitStr::new(&function.sig.ident.to_string(), function.sig.ident.span()));
    // `#[user] name: CurrentUser` is filled by the guard, not sent by the caller.
    let user_param = take_user_param(&mut function.sig)?;
    let takes_user = user_param.is_some();
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
    // A function with its own Leptos `#[middleware]` stays with Leptos' handler, which
    // runs it.
    let has_middleware = attrs.iter().any(|a| a.path().is_ident("middleware"));
    let dispatch_input = dispatch_input(input.as_ref(), has_middleware);
    let input = input.map(|input| quote!(, input = #input));

    let scope = cache_scope_of(&auth, takes_user, cache.is_some(), cache_scope, &sig.ident)?;
    let user_scoped = cache.is_some() && scope == CacheScope::User;
    let guard = guard(&auth, &sig, takes_user || user_scoped)?;
    let bind_user = user_param.map(|(name, ty)| quote! { let #name: #ty = __mizan_user; });
    let cache_key = match cache {
        Some(millis) => Some(cache_key(
            &sig,
            &endpoint,
            millis,
            scope,
            user_scoped,
            &guard,
        )?),
        None => None,
    };
    let body = body(&block.stmts, bind_user, cache_key.as_ref());
    let purge_handle = cache.map(|_| purge::module(&vis, &sig, &endpoint, scope, user_scoped));

    // Each function is mounted on its own route (`mizan::runtime::dispatch`); a cached
    // one answers a hit there with the stored JSON (its guard first, on the arguments).
    let args_type = syn::Ident::new(
        &crate::case::camel(&sig.ident.to_string()),
        sig.ident.span(),
    );
    let stored_answer = match &cache_key {
        Some(cache_key) if dispatch_input.is_some() => {
            Some(stored_answer(&sig, &args_type, &guard, cache_key)?)
        }
        _ => None,
    };
    let cache_args = match (&cache_key, &stored_answer) {
        (Some(CacheKey { spec, .. }), Some(_)) => {
            let at_edge = api::at_edge(
                &sig,
                auth.is_public(),
                user_scoped,
                takes_user,
                api_arguments.is_some(),
            )?;
            Some(quote!(, #spec, #at_edge))
        }
        _ => None,
    };
    let constructor = if stored_answer.is_some() {
        quote!(cached)
    } else {
        quote!(of)
    };
    let operation = api::operation(&sig, &attrs, &auth, &errors, api_arguments.as_ref())?;
    let registration = dispatch_input.map(|input| {
        quote! {
            #[cfg(feature = "ssr")]
            ::mizan::runtime::dispatch::inventory::submit! {
                ::mizan::runtime::dispatch::Endpoint::#constructor::<#args_type>(
                    ::mizan::runtime::dispatch::Input::#input,
                    #operation
                    #cache_args
                )
            }

            #stored_answer
        }
    });
    let check = &guard.check;

    Ok(quote! {
        #[::leptos::server(prefix = "/api", endpoint = #endpoint #input)]
        #(#attrs)*
        // The argument struct `#[server]` generates has one field per argument.
        #[allow(missing_docs)]
        #vis #sig {
            #check
            #body
        }

        #registration

        #purge_handle

        #hooks
    })
}

/// The input the framework's own route takes (`Post`, or `Get` for `GetUrl`); `None`
/// leaves the function with Leptos' handler: another encoding, or its own middleware.
fn dispatch_input(input: Option<&Path>, has_middleware: bool) -> Option<TokenStream> {
    match input {
        _ if has_middleware => None,
        None => Some(quote!(Post)),
        Some(path) if path.segments.last().is_some_and(|s| s.ident == "GetUrl") => {
            Some(quote!(Get))
        }
        Some(_) => None,
    }
}

/// Whose entry a cached call uses. Public functions share one entry; the others, and
/// every function that takes its caller, keep one per user: a shared entry of a function
/// that reads its caller would hand one caller's answer to everyone.
fn cache_scope_of(
    auth: &Auth,
    takes_user: bool,
    cached: bool,
    written: Option<CacheScope>,
    function: &syn::Ident,
) -> syn::Result<CacheScope> {
    if takes_user && cached && written == Some(CacheScope::Shared) {
        return Err(syn::Error::new_spanned(
            function,
            "a cached function that takes its caller (`#[user]`) keeps one entry per user: \
             remove `cache_scope = \"shared\"`, or the `#[user]` argument",
        ));
    }
    let default = if auth.is_public() && !takes_user {
        CacheScope::Shared
    } else {
        CacheScope::User
    };
    Ok(written.unwrap_or(default))
}

/// The guard of `auth`; a public function looks its caller up only when `needs_user`.
fn guard(auth: &Auth, sig: &syn::Signature, needs_user: bool) -> syn::Result<Guard> {
    let optional_id = quote!(__mizan_user.as_ref().map(|user| user.id.clone()));
    Ok(match auth {
        Auth::Level(Level::Public, _) => Guard {
            check: needs_user.then(|| {
                quote! { let __mizan_user = ::mizan::auth::current_user().await?; }
            }),
            user_id: optional_id,
        },
        Auth::Level(level, span) => {
            let variant = level.variant(*span);
            Guard {
                check: Some(quote! {
                    let __mizan_user =
                        ::mizan::auth::require(::mizan::auth::Level::#variant).await?;
                }),
                user_id: quote!(::core::option::Option::Some(__mizan_user.id.clone())),
            }
        }
        Auth::Custom(check) => {
            let args = argument_names(sig)?;
            Guard {
                check: Some(quote! {
                    let __mizan_user = ::mizan::auth::authorize_with(|user| #check(user, #(&#args),*)).await?;
                }),
                user_id: optional_id,
            }
        }
    })
}

/// The key and spec of a call cached for `millis`.
fn cache_key(
    sig: &syn::Signature,
    endpoint: &LitStr,
    millis: u64,
    scope: CacheScope,
    user_scoped: bool,
    guard: &Guard,
) -> syn::Result<CacheKey> {
    let args = argument_names(sig)?;
    let names = args.iter().map(|arg| arg.to_string());
    let scope_user = if user_scoped {
        guard.user_id.clone()
    } else {
        quote!(::core::option::Option::None)
    };
    let scope = scope.variant();
    Ok(CacheKey {
        key: quote! {
            let __mizan_scope_user: ::core::option::Option<::std::string::String> = #scope_user;
            let __mizan_params = ::mizan::cache::params(::std::vec![
                #((#names, ::mizan::cache::param(&#args))),*
            ])?;
        },
        spec: quote! {
            ::mizan::cache::CacheSpec {
                name: #endpoint,
                ttl: ::core::time::Duration::from_millis(#millis),
                scope: ::mizan::cache::Scope::#scope,
            }
        },
    })
}

/// The body after the guard: the caller bound to its `#[user]` argument, then the
/// function's own statements, through the cache when it has one.
fn body(
    statements: &[Stmt],
    bind_user: Option<TokenStream>,
    cache: Option<&CacheKey>,
) -> TokenStream {
    match cache {
        None => quote! { #bind_user #(#statements)* },
        Some(CacheKey { key, spec }) => quote! {
            #key
            #bind_user
            ::mizan::runtime::cached(
                &#spec,
                __mizan_scope_user.as_deref(),
                __mizan_params,
                move || async move { #(#statements)* },
            )
            .await
        },
    }
}

/// The lookup the function's route makes before it calls the function: the guard on
/// the arguments, then the stored JSON of the call, if any.
fn stored_answer(
    sig: &syn::Signature,
    args_type: &syn::Ident,
    guard: &Guard,
    CacheKey { key, spec }: &CacheKey,
) -> syn::Result<TokenStream> {
    let args = argument_names(sig)?;
    let check = &guard.check;
    Ok(quote! {
        #[cfg(feature = "ssr")]
        impl ::mizan::runtime::dispatch::StoredAnswer for #args_type {
            async fn stored_answer(
                &self,
            ) -> ::core::result::Result<
                ::core::option::Option<::std::sync::Arc<str>>,
                ::mizan::AppError,
            > {
                #(let #args = &self.#args;)*
                #check
                #key
                ::mizan::runtime::cache::lookup(
                    &#spec,
                    __mizan_scope_user.as_deref(),
                    &__mizan_params,
                )
                .await
            }
        }
    })
}
