//! `context = global | local` on `#[mizan::server]`: the provider and the hook.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::case::camel;
use crate::server_fn::argument_names;

/// Which kind of context a server function gives.
pub enum ContextKind {
    /// Resolved once for the whole page.
    Global,
    /// Fetched with params under a provider component.
    Local,
}

impl ContextKind {
    /// Parses the value of `context = …`.
    pub fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let ident: syn::Ident = input.parse()?;
        match ident.to_string().as_str() {
            "global" => Ok(Self::Global),
            "local" => Ok(Self::Local),
            _ => Err(syn::Error::new(
                ident.span(),
                "context is `global` or `local`",
            )),
        }
    }
}

/// The provider and hook for `function`, named after its endpoint (`current_user` →
/// `provide_current_user`, `use_current_user`; `greet` → `GreetProvider`, `use_greet`).
pub fn expand(kind: ContextKind, function: &ItemFn, endpoint: &str) -> syn::Result<TokenStream> {
    let sig = &function.sig;
    let vis = &function.vis;
    let name = &sig.ident;
    let stem = endpoint.replace(['.', '-'], "_");
    let value = ok_type(&sig.output)?;
    let marker = format_ident!("__Mizan{}Context", camel(&stem));
    let hook = format_ident!("use_{}", stem);
    let args = argument_names(sig)?;

    let common = quote! {
        #[doc(hidden)]
        #[derive(Clone, Copy)]
        #vis struct #marker(::mizan::context::Context<#value>);
    };

    match kind {
        ContextKind::Global => {
            if !args.is_empty() {
                return Err(syn::Error::new_spanned(
                    &sig.inputs,
                    "a global context takes no arguments: use `context = local` for params",
                ));
            }
            let provide = format_ident!("provide_{}", stem);
            let provide_doc = format!(
                "Resolves [`{name}`] once for the page (during SSR) and shares it below; \
                 call it once, at the root."
            );
            let hook_doc = format!(
                "The page's [`{name}`], resolved during SSR. Read it under `<Suspense>` or \
                 `<Transition>`."
            );
            Ok(quote! {
                #common

                #[doc = #provide_doc]
                #vis fn #provide() {
                    ::leptos::prelude::provide_context(#marker(
                        ::mizan::context::Context::new(|| (), |()| #name()),
                    ));
                }

                #[doc = #hook_doc]
                #vis fn #hook() -> ::mizan::context::Context<#value> {
                    ::mizan::context::expect::<#marker>(stringify!(#hook), stringify!(#provide)).0
                }
            })
        }
        ContextKind::Local => {
            let provider = format_ident!("{}Provider", camel(&stem));
            // `argument_names` refused a `self` above: every input is typed.
            let types: Vec<&Type> = sig
                .inputs
                .iter()
                .filter_map(|arg| match arg {
                    FnArg::Typed(typed) => Some(&*typed.ty),
                    FnArg::Receiver(_) => None,
                })
                .collect();
            let prop_docs = args
                .iter()
                .map(|arg| format!("`{arg}` for [`{name}`]: a value or a signal."));
            let provider_doc = format!(
                "Fetches [`{name}`] with these params (again whenever one changes) and shares \
                 the result with its children, who read it with [`{hook}`]."
            );
            let hook_doc = format!("The result of [`{name}`] from the nearest [`{provider}`].");
            Ok(quote! {
                #common

                #[doc = #provider_doc]
                #[::leptos::component]
                #vis fn #provider(
                    #(
                        #[doc = #prop_docs]
                        #[prop(into)]
                        #args: ::leptos::prelude::Signal<#types>,
                    )*
                    /// What may read the context.
                    children: ::leptos::prelude::Children,
                ) -> impl ::leptos::prelude::IntoView {
                    use ::leptos::prelude::Get as _;
                    let context = ::mizan::context::Context::new(
                        move || (#(#args.get(),)*),
                        |(#(#args,)*)| #name(#(#args),*),
                    );
                    ::leptos::prelude::provide_context(#marker(context));
                    ::mizan::context::boundary(children)
                }

                #[doc = #hook_doc]
                #vis fn #hook() -> ::mizan::context::Context<#value> {
                    ::mizan::context::expect::<#marker>(stringify!(#hook), stringify!(#provider)).0
                }
            })
        }
    }
}

/// `T` in `-> Result<T, AppError>`.
fn ok_type(output: &ReturnType) -> syn::Result<&Type> {
    let error =
        || syn::Error::new_spanned(output, "a context function returns `Result<T, AppError>`");
    let ReturnType::Type(_, ty) = output else {
        return Err(error());
    };
    let Type::Path(path) = &**ty else {
        return Err(error());
    };
    let segment = path.path.segments.last().ok_or_else(error)?;
    let PathArguments::AngleBracketed(generics) = &segment.arguments else {
        return Err(error());
    };
    match generics.args.first() {
        Some(GenericArgument::Type(ty)) if segment.ident == "Result" => Ok(ty),
        _ => Err(error()),
    }
}
