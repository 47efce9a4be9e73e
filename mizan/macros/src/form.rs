//! `#[derive(mizan::Form)]`: the schema, the typed reader, the three endpoints and the
//! browser hook of a form, from its struct.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Expr, Fields, LitStr, Path, Type};

use crate::case::{label, snake};
use crate::server_fn::Auth;

/// What `#[form(…)]` says.
struct FormArgs {
    name: Option<LitStr>,
    auth: Option<Auth>,
    output: Option<Type>,
    check: Option<Path>,
    errors: Vec<Path>,
}

/// What `#[field(…)]` says of one field.
#[derive(Default)]
struct FieldArgs {
    label: Option<LitStr>,
    help: Option<LitStr>,
    widget: Option<LitStr>,
    rules: Vec<TokenStream>,
    email: bool,
}

/// Expands the derive on `item`.
pub fn expand(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    let ident = &input.ident;
    let vis = &input.vis;
    let args = form_args(&input)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "a form is a struct"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(ident, "a form's fields have names"));
    };

    let struct_name = ident.to_string();
    let name = match &args.name {
        Some(name) => name.value(),
        None => snake(struct_name.strip_suffix("Form").unwrap_or(&struct_name)),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(syn::Error::new_spanned(
            ident,
            "a form's name is lowercase letters, digits and `_`: #[form(name = \"contact\")]",
        ));
    }
    let Some(auth) = &args.auth else {
        return Err(syn::Error::new_spanned(
            ident,
            "say who may submit this form: #[form(auth = public)] (or authenticated, staff, \
             superuser, custom(check))",
        ));
    };
    let Some(output) = &args.output else {
        return Err(syn::Error::new_spanned(
            ident,
            "say what a submission answers: #[form(output = Receipt)] (or `()`)",
        ));
    };
    // Behind a level the caller is known to be signed in; `public` and `custom(…)` may
    // let anonymous callers through.
    let caller = match auth {
        Auth::Level(..) if !auth.is_public() => quote!(::mizan::auth::CurrentUser),
        _ => quote!(::core::option::Option<::mizan::auth::CurrentUser>),
    };
    let auth = auth.tokens();
    // Validation always; what the form's handler declares besides (a rate limit).
    let errors = &args.errors;
    let errors = quote!(errors(validation #(, #errors)*));
    let body = quote!(api_arguments = ::mizan::forms::body_schema::<#ident>);

    let mut schema_fields = Vec::new();
    let mut readers = Vec::new();
    let mut idents = Vec::new();
    for (index, field) in fields.named.iter().enumerate() {
        let field_ident = field
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(field, "a form's fields have names"))?;
        let ty = &field.ty;
        let field_args = field_args(field)?;
        let field_name = field_ident.to_string();
        let label = field_args
            .label
            .map(|l| l.value())
            .unwrap_or_else(|| label(&field_name));
        let help = match field_args.help {
            Some(help) => quote!(::core::option::Option::Some(::std::borrow::Cow::Borrowed(#help))),
            None => quote! {
                <#ty as ::mizan::forms::FieldType>::HELP.map(::std::borrow::Cow::Borrowed)
            },
        };
        let kind = match field_args.widget.as_ref().map(LitStr::value).as_deref() {
            Some("textarea") => quote!(::mizan::forms::FieldKind::Textarea),
            Some("password") => quote!(::mizan::forms::FieldKind::Password),
            Some("email") => quote!(::mizan::forms::FieldKind::Email),
            Some("text") => quote!(::mizan::forms::FieldKind::Text),
            Some("hidden") => quote!(::mizan::forms::FieldKind::Hidden),
            Some(_) => {
                return Err(syn::Error::new_spanned(
                    field_args.widget,
                    "widget is one of: text, textarea, email, password, hidden",
                ));
            }
            None if field_args.email => quote!(::mizan::forms::FieldKind::Email),
            None => quote!(<#ty as ::mizan::forms::FieldType>::KIND),
        };
        let rules = field_args.rules;
        schema_fields.push(quote! {
            ::mizan::forms::FieldSchema {
                name: ::std::borrow::Cow::Borrowed(#field_name),
                kind: #kind,
                label: ::std::borrow::Cow::Borrowed(#label),
                help: #help,
                required: <#ty as ::mizan::forms::FieldType>::REQUIRED,
                rules: {
                    let mut rules = <#ty as ::mizan::forms::FieldType>::rules();
                    rules.extend([#(#rules),*]);
                    rules
                },
            }
        });
        readers.push(quote! {
            let #field_ident = ::mizan::forms::read::<#ty>(values, &fields[#index], &mut errors);
        });
        idents.push(field_ident);
    }

    let check = args.check.map(|check| {
        quote! {
            fn check(&self) -> ::mizan::FieldErrors {
                #check(self)
            }
        }
    });

    let schema_fn = format_ident!("{}_schema", name);
    let validate_fn = format_ident!("{}_validate", name);
    let submit_fn = format_ident!("{}_submit", name);
    let hook = format_ident!("use_{}", snake(&struct_name));
    let schema_endpoint = format!("{name}.schema");
    let validate_endpoint = format!("{name}.validate");
    let submit_endpoint = format!("{name}.submit");
    let schema_doc =
        format!("`GET /api/{name}.schema`: the fields and rules of [`{struct_name}`].");
    let validate_doc =
        format!("`POST /api/{name}.validate`: checks a [`{struct_name}`] without submitting it.");
    let submit_doc =
        format!("`POST /api/{name}.submit`: checks a [`{struct_name}`], then submits it.");
    let hook_doc = format!("The browser side of [`{struct_name}`]: values, errors and submit.");

    Ok(quote! {
        impl ::mizan::forms::Form for #ident {
            const NAME: &'static str = #name;
            type Output = #output;
            type Caller = #caller;

            fn schema() -> &'static ::mizan::forms::FormSchema {
                static SCHEMA: ::std::sync::LazyLock<::mizan::forms::FormSchema> =
                    ::std::sync::LazyLock::new(|| ::mizan::forms::FormSchema {
                        name: ::std::borrow::Cow::Borrowed(#name),
                        fields: ::std::vec![#(#schema_fields),*],
                    });
                &SCHEMA
            }

            fn build(values: &::mizan::forms::FormValues) -> ::core::result::Result<Self, ::mizan::FieldErrors> {
                let fields = &<Self as ::mizan::forms::Form>::schema().fields;
                let mut errors = ::mizan::FieldErrors::new();
                #(#readers)*
                match (#(#idents,)*) {
                    (#(::core::option::Option::Some(#idents),)*) => ::core::result::Result::Ok(Self { #(#idents),* }),
                    _ => ::core::result::Result::Err(errors),
                }
            }

            #check

            fn submit(
                values: ::mizan::forms::FormValues,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#output, ::mizan::AppError>> + Send + 'static {
                #submit_fn(values)
            }
        }

        #[doc = #schema_doc]
        #[::mizan::server(auth = public, endpoint = #schema_endpoint, input = ::leptos::server_fn::codec::GetUrl)]
        #vis async fn #schema_fn() -> ::core::result::Result<::mizan::forms::FormSchema, ::mizan::AppError> {
            ::core::result::Result::Ok(<#ident as ::mizan::forms::Form>::schema().clone())
        }

        #[doc = #validate_doc]
        #[::mizan::server(auth = #auth, endpoint = #validate_endpoint, #errors, #body)]
        #vis async fn #validate_fn(
            #[server(flatten)] values: ::mizan::forms::FormValues,
        ) -> ::core::result::Result<(), ::mizan::AppError> {
            ::mizan::forms::validate_on_server::<#ident>(values).await.map(|_| ())
        }

        #[doc = #submit_doc]
        #[::mizan::server(auth = #auth, endpoint = #submit_endpoint, #errors, #body)]
        #vis async fn #submit_fn(
            #[server(flatten)] values: ::mizan::forms::FormValues,
        ) -> ::core::result::Result<#output, ::mizan::AppError> {
            ::mizan::forms::submit_on_server::<#ident>(values).await
        }

        #[doc = #hook_doc]
        #vis fn #hook() -> ::mizan::forms::FormHandle<#ident> {
            ::mizan::forms::FormHandle::new()
        }
    })
}

fn form_args(input: &DeriveInput) -> syn::Result<FormArgs> {
    let mut args = FormArgs {
        name: None,
        auth: None,
        output: None,
        check: None,
        errors: Vec::new(),
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("form")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                args.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("auth") {
                args.auth = Some(Auth::parse(meta.value()?)?);
            } else if meta.path.is_ident("output") {
                args.output = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("check") {
                args.check = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("errors") {
                meta.parse_nested_meta(|error| {
                    args.errors.push(error.path);
                    Ok(())
                })?;
            } else {
                return Err(meta.error("expected name, auth, output, check or errors(…)"));
            }
            Ok(())
        })?;
    }
    Ok(args)
}

fn field_args(field: &syn::Field) -> syn::Result<FieldArgs> {
    let mut args = FieldArgs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("field")) {
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("label") {
                args.label = Some(meta.value()?.parse()?);
            } else if path.is_ident("help") {
                args.help = Some(meta.value()?.parse()?);
            } else if path.is_ident("widget") {
                args.widget = Some(meta.value()?.parse()?);
            } else if path.is_ident("email") {
                args.email = true;
                args.rules.push(quote!(::mizan::forms::Rule::Email));
            } else if path.is_ident("length") || path.is_ident("range") {
                let (mut min, mut max) = (None, None);
                meta.parse_nested_meta(|bound| {
                    let value: Expr = bound.value()?.parse()?;
                    if bound.path.is_ident("min") {
                        min = Some(value);
                    } else if bound.path.is_ident("max") {
                        max = Some(value);
                    } else {
                        return Err(bound.error("expected min or max"));
                    }
                    Ok(())
                })?;
                let min = option(min);
                let max = option(max);
                args.rules.push(if path.is_ident("length") {
                    quote!(::mizan::forms::Rule::Length { min: #min, max: #max })
                } else {
                    quote!(::mizan::forms::Rule::Range { min: #min, max: #max })
                });
            } else if path.is_ident("regex") {
                let (mut pattern, mut message) = (None::<LitStr>, None::<LitStr>);
                meta.parse_nested_meta(|part| {
                    if part.path.is_ident("pattern") {
                        pattern = Some(part.value()?.parse()?);
                    } else if part.path.is_ident("message") {
                        message = Some(part.value()?.parse()?);
                    } else {
                        return Err(part.error("expected pattern or message"));
                    }
                    Ok(())
                })?;
                let pattern = pattern.ok_or_else(|| meta.error("regex needs pattern = \"…\""))?;
                // The same engine the rule runs, so a broken pattern fails the build.
                if let Err(e) = regex_lite::Regex::new(&pattern.value()) {
                    return Err(syn::Error::new_spanned(&pattern, e.to_string()));
                }
                let message = message
                    .map(|m| m.value())
                    .unwrap_or_else(|| "this value is not in the expected format".to_owned());
                args.rules.push(quote! {
                    ::mizan::forms::Rule::Pattern {
                        regex: ::std::borrow::Cow::Borrowed(#pattern),
                        message: ::std::borrow::Cow::Borrowed(#message),
                    }
                });
            } else {
                return Err(meta.error(
                    "expected label, help, widget, email, length(…), range(…) or regex(…)",
                ));
            }
            Ok(())
        })?;
    }
    Ok(args)
}

fn option(value: Option<Expr>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
