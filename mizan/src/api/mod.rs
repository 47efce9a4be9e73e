//! The API as a document: every server function (forms' endpoints among them) and every
//! channel described in OpenAPI 3.1, served at `GET /api/openapi.json`, with a page for
//! people at `/api/docs`.
//!
//! Nothing here is written by hand. `#[mizan::server]` registers each function with an
//! [`Operation`] (its doc comment, who may call it, the errors it declares, its
//! arguments), and the schemas of its arguments and answer come from
//! [`schemars::JsonSchema`]: a type that crosses the wire derives it beside `Serialize`.

mod document;
mod serve;

use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::auth::Level;

pub use document::{ApiInfo, Document, SESSION_SCHEME};
pub use schemars;
pub use serve::routes;

/// Makes a schema, adding what it refers to to the generator's components.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// Who may call a function, as its `auth = …` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// One of the framework's levels: `public`, `authenticated`, `staff`, `superuser`.
    Level(Level),
    /// Whoever the function's own check lets through (signed in or not).
    Custom,
}

impl Access {
    /// The name written in `auth = …`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Level(level) => level.name(),
            Self::Custom => "custom",
        }
    }
}

/// An error a function declares it may answer with, besides those its guard and its
/// arguments imply (`errors(not_found, rate_limited)` in the macro).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the arguments could not be read.
    BadRequest,
    /// 401: not signed in.
    Unauthenticated,
    /// 403: not allowed.
    Forbidden,
    /// 404: not found.
    NotFound,
    /// 422: some fields are invalid.
    Validation,
    /// 429: too many attempts (with `Retry-After`).
    RateLimited,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Self; 6] = [
        Self::BadRequest,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::Validation,
        Self::RateLimited,
    ];

    /// Its name among the document's shared responses.
    pub fn name(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::Unauthenticated => "Unauthenticated",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::Validation => "Validation",
            Self::RateLimited => "RateLimited",
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Validation => 422,
            Self::RateLimited => 429,
        }
    }

    /// What it means, for the document.
    pub fn description(self) -> &'static str {
        match self {
            Self::BadRequest => "The arguments could not be read (`bad_request`).",
            Self::Unauthenticated => "Not signed in (`unauthenticated`).",
            Self::Forbidden => "Signed in, but not allowed (`forbidden`).",
            Self::NotFound => "Not found, or not visible to the caller (`not_found`).",
            Self::Validation => "Some fields are invalid (`validation`, with `fields`).",
            Self::RateLimited => {
                "Too many attempts (`rate_limited`); `Retry-After` says when to try again."
            }
        }
    }
}

/// What the document says of one server function, written by its macro.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The Rust function's name: the operation's id.
    pub function: &'static str,
    /// Its doc comment: the first line is the summary.
    pub doc: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Errors its body may answer with (its guard's are added).
    pub errors: &'static [Refusal],
    /// The schema of its arguments: an object with one property per argument.
    pub arguments: SchemaFn,
    /// The name the arguments' schema is given among the components
    /// (`EchoArguments`), unless [`Operation::arguments`] refers to one itself.
    pub arguments_name: &'static str,
}

/// One channel, as the document describes it (`x-mizan-channels`).
#[derive(Debug, Clone, Copy)]
pub struct ChannelDoc {
    /// Its name: served at `/ws/<name>`.
    pub name: &'static str,
    /// What a client connects with (query parameters).
    pub params: SchemaFn,
    /// What clients send.
    pub incoming: SchemaFn,
    /// What the group receives.
    pub outgoing: SchemaFn,
}

/// The schema of `T`, as a reference to its component when it has a name.
pub fn schema_of<T: JsonSchema + ?Sized>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The arguments of a function as one object, built by its macro: one property per
/// argument, and the properties of a `#[server(flatten)]` argument merged in.
pub struct Arguments<'g> {
    generator: &'g mut SchemaGenerator,
    properties: serde_json::Map<String, serde_json::Value>,
    required: Vec<serde_json::Value>,
    additional: Option<serde_json::Value>,
}

impl<'g> Arguments<'g> {
    /// No argument yet.
    pub fn new(generator: &'g mut SchemaGenerator) -> Self {
        Self {
            generator,
            properties: serde_json::Map::new(),
            required: Vec::new(),
            additional: None,
        }
    }

    /// Argument `name` of type `T`; `required` unless it is an `Option` or has a default.
    #[must_use]
    pub fn arg<T: JsonSchema + ?Sized>(mut self, name: &str, required: bool) -> Self {
        let schema = self.generator.subschema_for::<T>();
        self.properties.insert(name.to_owned(), schema.to_value());
        if required {
            self.required.push(name.into());
        }
        self
    }

    /// An argument whose fields are the body's own (`#[server(flatten)]`).
    #[must_use]
    pub fn flatten<T: JsonSchema + ?Sized>(mut self) -> Self {
        let schema = T::json_schema(self.generator);
        if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
            self.properties.extend(properties.clone());
        }
        if let Some(required) = schema.get("required").and_then(|r| r.as_array()) {
            self.required.extend(required.iter().cloned());
        }
        if let Some(additional) = schema.get("additionalProperties") {
            self.additional = Some(additional.clone());
        }
        self
    }

    /// The object schema.
    pub fn finish(self) -> Schema {
        let mut object = serde_json::Map::new();
        object.insert("type".into(), "object".into());
        object.insert("properties".into(), self.properties.into());
        if !self.required.is_empty() {
            object.insert("required".into(), self.required.into());
        }
        if let Some(additional) = self.additional {
            object.insert("additionalProperties".into(), additional);
        }
        Schema::from(object)
    }
}
