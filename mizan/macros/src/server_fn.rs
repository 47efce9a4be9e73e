//! `#[mizan::server(auth = …)]`: Leptos' `#[server]` with a stable endpoint and the auth
//! check at the top of the body.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::spanned::Spanned;
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
    let mut errors = Vec::new();
    let mut api_arguments = None;
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
        } else if meta.path.is_ident("errors") {
            meta.parse_nested_meta(|error| {
                errors.push(refusal(&error.path)?);
                Ok(())
            })?;
        } else if meta.path.is_ident("api_arguments") {
            api_arguments = Some(meta.value()?.parse::<Path>()?);
        } else {
            return Err(meta.error(
                "expected `auth = …`, `endpoint = \"…\"`, `input = …`, `context = global|local`, \
                 `cache = \"60s\"`, `cache_scope = \"shared\"|\"user\"` or `errors(not_found, …)`",
            ));
        }
        Ok(())
    });
    parser.parse2(args)?;

    let mut function: ItemFn = syn::parse2(item)?;
    let Some(auth) = auth else {
        return Err(syn::Error::new_spanned(
            &function.sig.ident,
            "say who may call this function: #[mizan::server(auth = public)] (or authenticated, \
             staff, superuser, custom(check))",
        ));
    };
    let endpoint = endpoint
        .unwrap_or_else(|| LitStr::new(&function.sig.ident.to_string(), function.sig.ident.span()));
    // `#[user] name: CurrentUser` is filled by the guard, not sent by the caller.
    let user_param = take_user_param(&mut function.sig)?;
    let takes_user = user_param.is_some();
    let hooks = match context {
        Some(kind) => context::expand(kind, &function, &endpoint.value())?,
        None => TokenStream::new(),
    };

    let sig_ident = function.sig.ident.clone();
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    // A function with its own Leptos `#[middleware]` stays with Leptos' handler, which
    // runs it.
    let has_middleware = attrs.iter().any(|a| a.path().is_ident("middleware"));
    let dispatch_input = match &input {
        _ if has_middleware => None,
        None => Some(quote!(Post)),
        Some(path) if path.segments.last().is_some_and(|s| s.ident == "GetUrl") => {
            Some(quote!(Get))
        }
        // Other encodings stay with Leptos' own handler.
        Some(_) => None,
    };
    let input = input.map(|input| quote!(, input = #input));

    let is_public = matches!(&auth, Auth::Level(level) if level == "public");
    // Public functions share one entry; the others, and every function that takes its
    // caller, keep one per user. A shared entry of a function that reads its caller would
    // hand one caller's answer to everyone.
    if takes_user
        && cache.is_some()
        && cache_scope
            .as_ref()
            .is_some_and(|scope| scope.to_string() == "Shared")
    {
        return Err(syn::Error::new_spanned(
            &sig_ident,
            "a cached function that takes its caller (`#[user]`) keeps one entry per user: \
             remove `cache_scope = \"shared\"`, or the `#[user]` argument",
        ));
    }
    let default_scope = if is_public && !takes_user {
        quote!(Shared)
    } else {
        quote!(User)
    };
    let scope = cache_scope.unwrap_or(default_scope);
    let user_scoped = cache.is_some() && scope.to_string() == "User";

    // The guard leaves the caller in `__mizan_user`: a `CurrentUser` behind a level, an
    // `Option<CurrentUser>` behind `custom(…)` and (when it is asked for) `public`.
    let (guard, scope_user) = match &auth {
        Auth::Level(_) if is_public => {
            let needs_user = user_param.is_some() || user_scoped;
            let guard = needs_user.then(|| {
                quote! { let __mizan_user = ::mizan::auth::current_user().await?; }
            });
            (
                guard,
                quote!(__mizan_user.as_ref().map(|user| user.id.clone())),
            )
        }
        Auth::Level(level) => {
            let variant = syn::Ident::new(&crate::case::camel(&level.to_string()), level.span());
            (
                Some(quote! {
                    let __mizan_user =
                        ::mizan::auth::require(::mizan::auth::Level::#variant).await?;
                }),
                quote!(::core::option::Option::Some(__mizan_user.id.clone())),
            )
        }
        Auth::Custom(check) => {
            let args = argument_names(&sig)?;
            (
                Some(quote! {
                    let __mizan_user = ::mizan::auth::authorize_with(|user| #check(user, #(&#args),*)).await?;
                }),
                quote!(__mizan_user.as_ref().map(|user| user.id.clone())),
            )
        }
    };
    let bind_user = user_param.map(|(name, ty)| quote! { let #name: #ty = __mizan_user; });
    let statements = &block.stmts;
    // A cached call's key, made the same way in the body and in the stored-answer lookup:
    // `__mizan_scope_user` and `__mizan_params`, then the spec.
    let cache_key = match cache {
        None => None,
        Some(millis) => {
            let args = argument_names(&sig)?;
            let names = args.iter().map(|arg| arg.to_string());
            let scope_user = if user_scoped {
                scope_user.clone()
            } else {
                quote!(::core::option::Option::None)
            };
            let key = quote! {
                let __mizan_scope_user: ::core::option::Option<::std::string::String> = #scope_user;
                let __mizan_params = ::mizan::cache::params(::std::vec![
                    #((#names, ::mizan::cache::param(&#args))),*
                ])?;
            };
            let spec = quote! {
                ::mizan::cache::CacheSpec {
                    name: #endpoint,
                    ttl: ::core::time::Duration::from_millis(#millis),
                    scope: ::mizan::cache::Scope::#scope,
                }
            };
            Some((key, spec))
        }
    };
    let body = match &cache_key {
        None => quote! { #bind_user #(#statements)* },
        Some((key, spec)) => quote! {
            #key
            #bind_user
            ::mizan::runtime::cached(
                &#spec,
                __mizan_scope_user.as_deref(),
                __mizan_params,
                async move { #(#statements)* },
            )
            .await
        },
    };

    // A cached function gets a module of its name with typed purges:
    // `site_stats::purge_all()`, `my_message_count::purge(user_id)`.
    let purge_handle = cache.map(|_| {
        let module = &sig.ident;
        let mut names = Vec::new();
        let mut types = Vec::new();
        for arg in &sig.inputs {
            if let FnArg::Typed(typed) = arg
                && let Pat::Ident(name) = &*typed.pat
            {
                names.push(name.ident.clone());
                types.push((*typed.ty).clone());
            }
        }
        let keys = names.iter().map(|name| name.to_string());
        let (user_param, user_arg, scope_doc) = if user_scoped {
            (
                quote!(user_id: &str,),
                quote!(::core::option::Option::Some(user_id)),
                "Forgets the cached result of one call, for the user `user_id`.",
            )
        } else {
            (
                quote!(),
                quote!(::core::option::Option::None),
                "Forgets the cached result of one call.",
            )
        };
        let module_doc = format!("The cache of [`{module}`]: typed purges.");
        quote! {
            #[cfg(feature = "ssr")]
            #[doc = #module_doc]
            #vis mod #module {
                #[allow(unused_imports)]
                use super::*;

                /// The name its entries are stored under.
                pub const NAME: &str = #endpoint;

                /// Forgets every cached result (all params, all users).
                ///
                /// # Errors
                /// [`::mizan::AppError::Internal`] when the store fails.
                pub async fn purge_all() -> ::core::result::Result<(), ::mizan::AppError> {
                    ::mizan::runtime::purge_all(NAME).await
                }

                #[doc = #scope_doc]
                /// Returns whether there was one.
                ///
                /// # Errors
                /// [`::mizan::AppError::Internal`] when the store fails.
                pub async fn purge(
                    #user_param
                    #(#names: &#types),*
                ) -> ::core::result::Result<bool, ::mizan::AppError> {
                    let params = ::mizan::cache::params(::std::vec![
                        #((#keys, ::mizan::cache::param(#names))),*
                    ])?;
                    ::mizan::runtime::purge(
                        NAME,
                        &params,
                        ::mizan::cache::Scope::#scope,
                        #user_arg,
                    )
                    .await
                }
            }
        }
    });

    // Each function is mounted on its own route (`mizan::runtime::dispatch`); a cached
    // one answers a hit there with the stored JSON (its guard first, on the arguments).
    let args_type = syn::Ident::new(
        &crate::case::camel(&sig.ident.to_string()),
        sig.ident.span(),
    );
    let stored_answer = match &cache_key {
        Some((key, spec)) if dispatch_input.is_some() => {
            let args = argument_names(&sig)?;
            Some(quote! {
                #[cfg(feature = "ssr")]
                impl ::mizan::runtime::dispatch::StoredAnswer for #args_type {
                    async fn stored_answer(
                        &self,
                    ) -> ::core::result::Result<
                        ::core::option::Option<::std::sync::Arc<str>>,
                        ::mizan::AppError,
                    > {
                        #(let #args = &self.#args;)*
                        #guard
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
        _ => None,
    };
    let cache_args = match (&cache_key, &stored_answer) {
        (Some((_, spec)), Some(_)) => {
            let at_edge = at_edge(
                &sig,
                is_public,
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
    let operation = operation(&sig, &attrs, &auth, &errors, api_arguments.as_ref())?;
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

    Ok(quote! {
        #[::leptos::server(prefix = "/api", endpoint = #endpoint #input)]
        #(#attrs)*
        // The argument struct `#[server]` generates has one field per argument.
        #[allow(missing_docs)]
        #vis #sig {
            #guard
            #body
        }

        #registration

        #purge_handle

        #hooks
    })
}

/// `errors(not_found, …)`: the names of `mizan::api::Refusal`'s variants, in snake case.
fn refusal(path: &Path) -> syn::Result<TokenStream> {
    const NAMES: [&str; 6] = [
        "bad_request",
        "unauthenticated",
        "forbidden",
        "not_found",
        "validation",
        "rate_limited",
    ];
    let name = path
        .get_ident()
        .map(ToString::to_string)
        .filter(|name| NAMES.contains(&name.as_str()))
        .ok_or_else(|| {
            syn::Error::new_spanned(path, format!("errors are named: {}", NAMES.join(", ")))
        })?;
    let variant = syn::Ident::new(&crate::case::camel(&name), path.span());
    Ok(quote!(::mizan::api::Refusal::#variant))
}

/// What the API document says of the function: `mizan::api::Operation`.
fn operation(
    sig: &syn::Signature,
    attrs: &[syn::Attribute],
    auth: &Auth,
    errors: &[TokenStream],
    api_arguments: Option<&Path>,
) -> syn::Result<TokenStream> {
    let function = sig.ident.to_string();
    // Named after the argument struct `#[server]` makes (`Echo` → `EchoArguments`).
    let arguments_name = format!("{}Arguments", crate::case::camel(&function));
    let doc = doc_comment(attrs);
    let access = match auth {
        Auth::Level(level) => {
            syn::Ident::new(&crate::case::camel(&level.to_string()), level.span())
        }
        Auth::Custom(_) => syn::Ident::new("Custom", proc_macro2::Span::call_site()),
    };
    let arguments = match api_arguments {
        Some(path) => quote!(#path),
        None => {
            let mut parts = Vec::new();
            for arg in &sig.inputs {
                let FnArg::Typed(typed) = arg else { continue };
                let Pat::Ident(name) = &*typed.pat else {
                    continue;
                };
                let ty = &typed.ty;
                let options = server_arg_options(&typed.attrs)?;
                if options.flatten {
                    parts.push(quote!(.flatten::<#ty>()));
                } else {
                    let name = options.rename.unwrap_or_else(|| name.ident.to_string());
                    let required = !options.default && !is_option(ty);
                    parts.push(quote!(.arg::<#ty>(#name, #required)));
                }
            }
            quote! {
                |generator: &mut ::mizan::api::schemars::SchemaGenerator| {
                    ::mizan::api::Arguments::new(generator) #(#parts)* .finish()
                }
            }
        }
    };
    Ok(quote! {
        ::mizan::api::Operation {
            function: #function,
            doc: #doc,
            access: ::mizan::api::Access::#access,
            errors: &[#(#errors),*],
            arguments: #arguments,
            arguments_name: #arguments_name,
        }
    })
}

/// Whether the edge worker may cache a cached function's results
/// (`::mizan::cache::edge::AtEdge`): only shared results of public functions, whose
/// arguments are the request's own fields, each required (the worker reads them exactly
/// as the origin does, or leaves the call to the origin).
fn at_edge(
    sig: &syn::Signature,
    is_public: bool,
    user_scoped: bool,
    takes_user: bool,
    described_by_hand: bool,
) -> syn::Result<TokenStream> {
    let never = |reason: &str| Ok(quote!(::mizan::cache::edge::AtEdge::Never(#reason)));
    if !is_public {
        return never("it needs a signed-in caller");
    }
    if user_scoped {
        return never("its entries are per user");
    }
    if takes_user {
        return never("it reads the caller");
    }
    if described_by_hand {
        return never("its arguments are described by hand (api_arguments)");
    }
    let mut names = Vec::new();
    for arg in &sig.inputs {
        let FnArg::Typed(typed) = arg else { continue };
        let Pat::Ident(name) = &*typed.pat else {
            continue;
        };
        let options = server_arg_options(&typed.attrs)?;
        let name = name.ident.to_string();
        if options.flatten || options.default || options.rename.is_some() || is_option(&typed.ty) {
            return never(&format!(
                "argument `{name}` is optional, renamed or flattened"
            ));
        }
        names.push(name);
    }
    Ok(quote!(::mizan::cache::edge::AtEdge::Args(&[#(#names),*])))
}

/// The function's doc comment, its lines joined.
fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines
        .iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What Leptos' `#[server(…)]` on an argument says about its place in the body.
#[derive(Default)]
struct ServerArgOptions {
    flatten: bool,
    default: bool,
    rename: Option<String>,
}

fn server_arg_options(attrs: &[syn::Attribute]) -> syn::Result<ServerArgOptions> {
    let mut options = ServerArgOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("server")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("flatten") {
                options.flatten = true;
            } else if meta.path.is_ident("default") {
                options.default = true;
            } else if meta.path.is_ident("rename") {
                options.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else {
                // Leptos checks its own options.
                let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
            }
            Ok(())
        })?;
    }
    Ok(options)
}

/// Whether a type is written `Option<…>` (serde lets such a field be left out).
fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path)
        if path.path.segments.last().is_some_and(|segment| segment.ident == "Option"))
}

/// Removes the argument marked `#[user]` (at most one) and returns its name and type.
fn take_user_param(sig: &mut syn::Signature) -> syn::Result<Option<(syn::Ident, syn::Type)>> {
    let mut found = None;
    let mut inputs = syn::punctuated::Punctuated::new();
    for arg in std::mem::take(&mut sig.inputs) {
        let FnArg::Typed(typed) = &arg else {
            inputs.push(arg);
            continue;
        };
        if !typed.attrs.iter().any(|a| a.path().is_ident("user")) {
            inputs.push(arg);
            continue;
        }
        let Pat::Ident(name) = &*typed.pat else {
            return Err(syn::Error::new_spanned(
                &typed.pat,
                "use a plain argument name",
            ));
        };
        if found.is_some() {
            return Err(syn::Error::new_spanned(
                typed,
                "only one argument can be `#[user]`",
            ));
        }
        found = Some((name.ident.clone(), (*typed.ty).clone()));
    }
    sig.inputs = inputs;
    Ok(found)
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
