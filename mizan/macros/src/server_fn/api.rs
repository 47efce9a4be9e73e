//! What the API document and the edge worker learn of a function: its
//! `mizan::api::Operation`, and whether the edge may cache its results.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, LitStr, Pat, Path};

use super::options::Auth;

/// What the API document says of the function: `mizan::api::Operation`.
pub fn operation(
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
        Auth::Level(level, span) => {
            let variant = level.variant(*span);
            quote!(::mizan::api::Access::Level(::mizan::auth::Level::#variant))
        }
        Auth::Custom(_) => quote!(::mizan::api::Access::Custom),
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
            access: #access,
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
pub fn at_edge(
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
