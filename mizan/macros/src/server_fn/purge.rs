//! A cached function's module of typed purges: `report::purge_all()`,
//! `my_note_count::purge(user_id)`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, LitStr, Pat, Visibility};

use super::options::CacheScope;

/// The module named after the function, beside it (server only).
pub fn module(
    vis: &Visibility,
    sig: &syn::Signature,
    endpoint: &LitStr,
    scope: CacheScope,
    user_scoped: bool,
) -> TokenStream {
    let module = &sig.ident;
    let scope = scope.variant();
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
}
