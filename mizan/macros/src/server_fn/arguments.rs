//! The function's arguments: the caller's `#[user]` one taken out, the others by name.

use syn::{FnArg, Pat};

/// Removes the argument marked `#[user]` (at most one) and returns its name and type.
pub fn take_user_param(sig: &mut syn::Signature) -> syn::Result<Option<(syn::Ident, syn::Type)>> {
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
