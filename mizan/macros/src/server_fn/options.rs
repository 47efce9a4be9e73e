//! The attribute `#[mizan::server(…)]` parsed into [`Options`]: each value checked where
//! it is written, so a mistake is reported at its own span.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{LitStr, Path};

use crate::context::ContextKind;

/// One of the framework's auth levels, as written in `auth = …`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `public`: anyone.
    Public,
    /// `authenticated`: a signed-in user.
    Authenticated,
    /// `staff`.
    Staff,
    /// `superuser`.
    Superuser,
}

impl Level {
    const ALL: [Self; 4] = [
        Self::Public,
        Self::Authenticated,
        Self::Staff,
        Self::Superuser,
    ];

    /// Its keyword in the attribute (`staff`).
    fn keyword(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Authenticated => "authenticated",
            Self::Staff => "staff",
            Self::Superuser => "superuser",
        }
    }

    /// Its variant of `mizan::auth::Level` (`Staff`).
    pub fn variant(self, span: Span) -> syn::Ident {
        syn::Ident::new(&crate::case::camel(self.keyword()), span)
    }
}

/// Who may call the function, as written in `auth = …`.
pub enum Auth {
    /// `public`, `authenticated`, `staff` or `superuser`, with where it is written.
    Level(Level, Span),
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
        Level::ALL
            .into_iter()
            .find(|level| ident == level.keyword())
            .map(|level| Self::Level(level, ident.span()))
            .ok_or_else(|| {
                syn::Error::new(
                    ident.span(),
                    "auth is one of: public, authenticated, staff, superuser, custom(path)",
                )
            })
    }

    /// Whether anyone may call: `public`.
    pub fn is_public(&self) -> bool {
        matches!(self, Self::Level(Level::Public, _))
    }

    /// The tokens to write back into `auth = …`.
    pub fn tokens(&self) -> TokenStream {
        match self {
            Self::Level(level, span) => {
                let keyword = syn::Ident::new(level.keyword(), *span);
                quote!(#keyword)
            }
            Self::Custom(path) => quote!(custom(#path)),
        }
    }
}

/// Whose entry a cached call reads and writes, as written in `cache_scope = "…"`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CacheScope {
    /// One entry for everyone.
    Shared,
    /// One entry per user.
    User,
}

impl CacheScope {
    /// Its variant of `mizan::cache::Scope`.
    pub fn variant(self) -> TokenStream {
        match self {
            Self::Shared => quote!(Shared),
            Self::User => quote!(User),
        }
    }
}

/// The options of `#[mizan::server(…)]`, each checked.
pub struct Options {
    /// `auth = …` (required).
    pub auth: Auth,
    /// `endpoint = "…"`: the name in the URL.
    pub endpoint: Option<LitStr>,
    /// `input = …`: Leptos' input encoding.
    pub input: Option<Path>,
    /// `context = global|local`.
    pub context: Option<ContextKind>,
    /// `cache = "60s"`, in milliseconds.
    pub cache: Option<u64>,
    /// `cache_scope = "shared"|"user"`, when written.
    pub cache_scope: Option<CacheScope>,
    /// `errors(not_found, …)`: variants of `mizan::api::Refusal`.
    pub errors: Vec<TokenStream>,
    /// `api_arguments = path`: the arguments' schema, described by hand.
    pub api_arguments: Option<Path>,
}

impl Options {
    /// Parses the attribute's arguments; `function` is named when `auth` is missing.
    pub fn parse(args: TokenStream, function: &syn::Ident) -> syn::Result<Self> {
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
                endpoint = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("input") {
                input = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("context") {
                context = Some(ContextKind::parse(meta.value()?)?);
            } else if meta.path.is_ident("cache") {
                let ttl: LitStr = meta.value()?.parse()?;
                cache =
                    Some(parse_ttl(&ttl.value()).map_err(|e| syn::Error::new_spanned(&ttl, e))?);
            } else if meta.path.is_ident("cache_scope") {
                let scope: LitStr = meta.value()?.parse()?;
                cache_scope = Some(match scope.value().as_str() {
                    "shared" => CacheScope::Shared,
                    "user" => CacheScope::User,
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
                api_arguments = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error(
                    "expected `auth = …`, `endpoint = \"…\"`, `input = …`, `context = global|local`, \
                     `cache = \"60s\"`, `cache_scope = \"shared\"|\"user\"` or `errors(not_found, …)`",
                ));
            }
            Ok(())
        });
        parser.parse2(args)?;
        let auth = auth.ok_or_else(|| {
            syn::Error::new_spanned(
                function,
                "say who may call this function: #[mizan::server(auth = public)] (or authenticated, \
                 staff, superuser, custom(check))",
            )
        })?;
        Ok(Self {
            auth,
            endpoint,
            input,
            context,
            cache,
            cache_scope,
            errors,
            api_arguments,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn durations_read_in_their_unit_and_nothing_else() {
        assert_eq!(parse_ttl("500ms"), Ok(500));
        assert_eq!(parse_ttl("60s"), Ok(60_000));
        assert_eq!(parse_ttl("5m"), Ok(300_000));
        assert_eq!(parse_ttl("1h"), Ok(3_600_000));
        for wrong in [
            "",
            "s",
            "60",
            "0s",
            "1d",
            "1.5s",
            "-1s",
            "99999999999999999999h",
        ] {
            assert!(parse_ttl(wrong).is_err(), "{wrong}");
        }
    }
}
