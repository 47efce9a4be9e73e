//! The OpenAPI 3.1 document, built once at start-up from the registered endpoints and
//! channels.

use axum::body::Bytes;
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{Access, ChannelDoc, Refusal};
use crate::auth::Level;
use crate::error::AppError;
use crate::runtime::dispatch::{Endpoint, Input, MAX_ARGUMENTS};

/// The name of the session cookie's security scheme. Bearer tokens, when the app has
/// them, are another entry beside it in `security_schemes`.
pub const SESSION_SCHEME: &str = "session";

/// The document's title, version and description (`AppBuilder::api_info`).
#[derive(Debug, Clone, Copy)]
pub struct ApiInfo {
    /// The API's name.
    pub title: &'static str,
    /// The app's version.
    pub version: &'static str,
    /// A paragraph for the top of the document.
    pub description: &'static str,
}

impl Default for ApiInfo {
    fn default() -> Self {
        Self {
            title: "API",
            version: "0.1.0",
            description: "",
        }
    }
}

/// The encoded document, ready to serve.
#[derive(Debug, Clone)]
pub struct Document {
    json: Bytes,
    title: String,
}

impl Document {
    /// Describes `endpoints` and `channels` for a site served at `site_url`.
    pub fn build<'a>(
        info: &ApiInfo,
        site_url: &str,
        session_cookie: &str,
        endpoints: impl IntoIterator<Item = &'a Endpoint>,
        channels: &[ChannelDoc],
    ) -> Self {
        let value = document(info, site_url, session_cookie, endpoints, channels);
        // A `Value` always encodes.
        let json = serde_json::to_vec_pretty(&value).unwrap_or_default();
        Self {
            json: json.into(),
            title: info.title.to_owned(),
        }
    }

    /// The API's name.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The document as JSON.
    pub fn json(&self) -> &Bytes {
        &self.json
    }
}

fn document<'a>(
    info: &ApiInfo,
    site_url: &str,
    session_cookie: &str,
    endpoints: impl IntoIterator<Item = &'a Endpoint>,
    channels: &[ChannelDoc],
) -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut generator = SchemaGenerator::new(settings);
    let error = generator.subschema_for::<AppError>().to_value();

    let mut paths = Map::new();
    for endpoint in endpoints {
        let (method, operation) = operation(&mut generator, endpoint);
        paths.insert(endpoint.path.to_owned(), json!({ method: operation }));
    }
    let channels: Map<String, Value> = channels
        .iter()
        .map(|channel| {
            (
                channel.name.to_owned(),
                describe_channel(&mut generator, channel, &error),
            )
        })
        .collect();

    let mut components = Map::new();
    components.insert(
        "schemas".into(),
        Value::Object(generator.take_definitions(true)),
    );
    components.insert("responses".into(), error_responses(&error));
    components.insert("securitySchemes".into(), security_schemes(session_cookie));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": info.title,
            "version": info.version,
            "description": info.description,
        },
        "servers": [{ "url": site_url }],
        "paths": paths,
        "components": components,
        "x-mizan-channels": channels,
    })
}

/// The shared response of a body over the size limit.
const TOO_LARGE: &str = "TooLarge";
/// The shared response of a failure on the server.
const INTERNAL: &str = "Internal";
/// The shared response of a service the server needs that does not answer.
const UNAVAILABLE: &str = "Unavailable";

/// A reference to one of the shared error responses.
fn shared(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// Every error answer, described once: the typed error as JSON, with its meaning.
fn error_responses(error: &Value) -> Value {
    let response = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": error } },
        })
    };
    let mut responses = Map::new();
    for refusal in Refusal::ALL {
        let mut answer = response(refusal.description());
        if refusal == Refusal::RateLimited {
            answer["headers"] = retry_after_header();
        }
        responses.insert(refusal.name().into(), answer);
    }
    responses.insert(
        TOO_LARGE.into(),
        response(&format!(
            "The body is larger than {MAX_ARGUMENTS} bytes (`bad_request`, status 413)."
        )),
    );
    responses.insert(
        INTERNAL.into(),
        response("The server failed; the detail is in its log (`internal`)."),
    );
    let mut unavailable = response(
        "The database or the session store does not answer now (`unavailable`); \
         `Retry-After` says when to try again.",
    );
    unavailable["headers"] = retry_after_header();
    responses.insert(UNAVAILABLE.into(), unavailable);
    Value::Object(responses)
}

fn retry_after_header() -> Value {
    json!({
        "Retry-After": {
            "description": "Seconds until the next attempt may succeed.",
            "schema": { "type": "integer", "minimum": 0 },
        },
    })
}

/// How a caller proves who they are. Today: the session cookie a sign-in sets.
fn security_schemes(session_cookie: &str) -> Value {
    json!({
        SESSION_SCHEME: {
            "type": "apiKey",
            "in": "cookie",
            "name": session_cookie,
            "description": "The session cookie a sign-in sets.",
        },
    })
}

/// One function: its method and its operation object.
fn operation(generator: &mut SchemaGenerator, endpoint: &Endpoint) -> (&'static str, Value) {
    let api = &endpoint.operation;
    let name = endpoint.path.trim_start_matches("/api/");
    let arguments = (api.arguments)(generator).to_value();
    let output = (endpoint.output)(generator).to_value();
    let (summary, description) = split_doc(api.doc);

    let mut operation = Map::new();
    operation.insert("operationId".into(), api.function.into());
    operation.insert("summary".into(), summary.into());
    if !description.is_empty() {
        operation.insert("description".into(), description.into());
    }
    // A form's three endpoints under its name; every other function together.
    let tag = name.split_once('.').map_or("functions", |(form, _)| form);
    operation.insert("tags".into(), json!([tag]));
    operation.insert("x-mizan-auth".into(), api.access.name().into());
    operation.insert("security".into(), security(api.access));

    // A form's body is a named component already.
    let named = arguments.get("$ref").is_some();
    let has_arguments = named
        || arguments
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
    let method = match endpoint.input {
        Input::Get => {
            operation.insert("parameters".into(), query_parameters(&arguments));
            "get"
        }
        // A function without arguments takes no body (an empty one is read as none).
        Input::Post if !has_arguments => "post",
        Input::Post => {
            // A body whose every field may be left out may be left out (a form of optional
            // fields, sent empty, is valid).
            let required = requires_any(&arguments, generator);
            // Described once, named after the function, and used by both encodings.
            let schema = if named {
                arguments
            } else {
                let component = api.arguments_name;
                generator
                    .definitions_mut()
                    .insert(component.to_owned(), arguments);
                json!({ "$ref": format!("#/components/schemas/{component}") })
            };
            operation.insert(
                "requestBody".into(),
                json!({
                    "required": required,
                    "content": {
                        "application/json": { "schema": schema },
                        "application/x-www-form-urlencoded": { "schema": schema },
                    },
                }),
            );
            "post"
        }
    };

    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({
            "description": "The function's answer.",
            "content": { "application/json": { "schema": output } },
        }),
    );
    for refusal in refusals(api.access, api.errors) {
        responses.insert(refusal.status().to_string(), shared(refusal.name()));
    }
    if endpoint.input == Input::Post {
        responses.insert("413".into(), shared(TOO_LARGE));
    }
    responses.insert("500".into(), shared(INTERNAL));
    responses.insert("503".into(), shared(UNAVAILABLE));
    operation.insert("responses".into(), Value::Object(responses));
    (method, Value::Object(operation))
}

/// Every refusal an operation may answer with: unreadable arguments, its guard's, and
/// what it declares, each once, by status.
fn refusals(access: Access, declared: &[Refusal]) -> Vec<Refusal> {
    let guard: &[Refusal] = match access {
        Access::Level(Level::Public) => &[],
        Access::Level(Level::Authenticated) => &[Refusal::Unauthenticated],
        Access::Level(Level::Staff | Level::Superuser) | Access::Custom => {
            &[Refusal::Unauthenticated, Refusal::Forbidden]
        }
    };
    let mut all: Vec<Refusal> = std::iter::once(Refusal::BadRequest)
        .chain(guard.iter().copied())
        .chain(declared.iter().copied())
        .collect();
    all.sort_by_key(|r| r.status());
    all.dedup();
    all
}

/// Public functions need no credentials; a custom check may let anonymous callers
/// through; the levels need the session.
fn security(access: Access) -> Value {
    match access {
        Access::Level(Level::Public) => json!([]),
        Access::Custom => json!([{}, { SESSION_SCHEME: [] }]),
        Access::Level(_) => json!([{ SESSION_SCHEME: [] }]),
    }
}

/// Whether the object `schema` (or the component it names) requires a property.
fn requires_any(schema: &Value, generator: &SchemaGenerator) -> bool {
    let component = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|path| path.rsplit('/').next())
        .and_then(|name| generator.definitions().get(name));
    component
        .unwrap_or(schema)
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|required| !required.is_empty())
}

/// A `GET` function's arguments, one query parameter each.
fn query_parameters(arguments: &Value) -> Value {
    let required: Vec<&str> = arguments
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let parameters: Vec<Value> = arguments
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| {
                    json!({
                        "name": name,
                        "in": "query",
                        "required": required.contains(&name.as_str()),
                        "schema": schema,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Value::Array(parameters)
}

/// A channel: where it is, what it is opened with, what travels each way, and how it
/// refuses or closes.
fn describe_channel(generator: &mut SchemaGenerator, channel: &ChannelDoc, error: &Value) -> Value {
    json!({
        "path": format!("/ws/{}", channel.name),
        "params": (channel.params)(generator).to_value(),
        "send": (channel.incoming)(generator).to_value(),
        "receive": (channel.outgoing)(generator).to_value(),
        "errorFrame": error,
        "security": [{ SESSION_SCHEME: [] }],
        "refusals": {
            "400": "The params could not be read.",
            "401": "Not signed in (when the channel needs it).",
            "403": "Not allowed in this group, or opened from another site.",
        },
        "closeCodes": {
            "1000": "Closed normally (the server is shutting down, or the client left).",
            "1009": "A frame over four times the largest message was sent.",
        },
        "notes": "Open with `GET /ws/<name>?<params>` (a WebSocket upgrade carrying the \
                  session cookie). Frames are JSON text: `send` from the client, `receive` \
                  to every member of the group. A refused or malformed frame is answered \
                  to its sender only with an error frame; the connection stays open.",
    })
}

/// A doc comment's first paragraph as the summary, the rest as the description.
fn split_doc(doc: &str) -> (String, String) {
    let doc = plain_links(doc.trim());
    let doc = doc.as_str();
    match doc.split_once("\n\n") {
        Some((summary, rest)) => (join_lines(summary), rest.trim().to_owned()),
        None => (join_lines(doc), String::new()),
    }
}

/// Rustdoc's links to items (``[`CurrentUser`]``) as plain code: they lead nowhere here.
/// Markdown links (``[`x`](url)``) are left alone.
fn plain_links(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(start) = rest.find("[`") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("`]") else { break };
        let tail = &after[end + 2..];
        out.push_str(&rest[..start]);
        if tail.starts_with('(') || tail.starts_with('[') {
            out.push_str(&rest[start..start + 2 + end + 2]);
        } else {
            out.push('`');
            out.push_str(&after[..end]);
            out.push('`');
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn join_lines(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_paragraph_of_a_doc_comment_is_the_summary() {
        let (summary, description) = split_doc(" Signs in.\n Twice.\n\n More here.\n");
        assert_eq!(summary, "Signs in. Twice.");
        assert_eq!(description, "More here.");
        assert_eq!(
            split_doc("Only this."),
            ("Only this.".into(), String::new())
        );
    }

    #[test]
    fn a_get_functions_arguments_are_query_parameters() {
        let arguments = json!({
            "type": "object",
            "properties": {"room": {"type": "string"}, "after": {"type": ["string", "null"]}},
            "required": ["room"],
        });
        assert_eq!(
            query_parameters(&arguments),
            json!([
                {"name": "after", "in": "query", "required": false,
                 "schema": {"type": ["string", "null"]}},
                {"name": "room", "in": "query", "required": true, "schema": {"type": "string"}},
            ])
        );
    }

    #[test]
    fn links_to_rust_items_become_code_and_markdown_links_stay() {
        assert_eq!(
            plain_links("Checks a [`LoginForm`], see [`docs`](https://x.y) and [`a`][b]."),
            "Checks a `LoginForm`, see [`docs`](https://x.y) and [`a`][b]."
        );
        assert_eq!(plain_links("No links [` here"), "No links [` here");
    }

    #[test]
    fn a_guard_adds_its_refusals_once_in_status_order() {
        let statuses = |access, declared| {
            refusals(access, declared)
                .into_iter()
                .map(Refusal::status)
                .collect::<Vec<_>>()
        };
        assert_eq!(statuses(Access::Level(Level::Public), &[]), [400]);
        assert_eq!(
            statuses(Access::Level(Level::Authenticated), &[Refusal::Validation]),
            [400, 401, 422]
        );
        assert_eq!(
            statuses(
                Access::Level(Level::Staff),
                &[Refusal::Forbidden, Refusal::NotFound]
            ),
            [400, 401, 403, 404]
        );
    }
}
