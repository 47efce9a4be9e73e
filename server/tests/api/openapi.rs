//! `/api/openapi.json`: every server function described, with its body in both
//! encodings, its answer, its errors and its auth level; `/api/docs` for people.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

async fn document() -> Value {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("JSON")
}

/// The operation at `path` (its only method).
fn operation<'a>(document: &'a Value, path: &str) -> &'a Value {
    let methods = document["paths"][path]
        .as_object()
        .unwrap_or_else(|| panic!("{path} is not in the document"));
    methods.values().next().expect("a method")
}

/// The names of the statuses an operation documents.
fn statuses(operation: &Value) -> Vec<&str> {
    operation["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn every_server_function_is_in_the_document() {
    let document = document().await;
    assert_eq!(document["openapi"], "3.1.0");
    // Every function Leptos registered, whichever handler serves it.
    let registered: Vec<_> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(path, _)| path.starts_with("/api/"))
        .collect();
    assert!(registered.len() > 40, "{} functions", registered.len());
    for (path, method) in registered {
        let method = method.as_str().to_lowercase();
        let operation = &document["paths"][path][&method];
        assert!(operation.is_object(), "{method} {path} is missing");
        assert!(
            operation["responses"]["200"]["content"]["application/json"]["schema"].is_object(),
            "{path} has no answer schema"
        );
        assert!(
            !operation["summary"].as_str().unwrap_or_default().is_empty(),
            "{path}: no doc"
        );
    }
}

#[tokio::test]
async fn a_function_is_described_by_its_types_auth_and_errors() {
    let document = document().await;
    let echo = operation(&document, "/api/echo");
    assert_eq!(echo["operationId"], "echo");
    assert_eq!(echo["summary"], "Public: sends the text back.");
    assert_eq!(echo["security"], json!([]));
    for encoding in ["application/json", "application/x-www-form-urlencoded"] {
        assert_eq!(
            echo["requestBody"]["content"][encoding]["schema"]["$ref"],
            "#/components/schemas/EchoArguments"
        );
    }
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["EchoArguments"],
        json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})
    );
    assert_eq!(
        schemas["EchoReply"]["properties"]["message"]["type"],
        "string"
    );
    assert_eq!(statuses(echo), ["200", "400", "413", "500", "503"]);

    // A level is a security requirement, and its refusals are documented.
    let summary = operation(&document, "/api/account_summary");
    assert_eq!(summary["security"], json!([{"session": []}]));
    assert_eq!(summary["x-mizan-auth"], "authenticated");
    assert!(
        summary.get("requestBody").is_none(),
        "no arguments, no body"
    );
    assert_eq!(
        statuses(summary),
        ["200", "400", "401", "413", "500", "503"]
    );
    assert_eq!(
        statuses(operation(&document, "/api/list_users")),
        ["200", "400", "401", "403", "413", "500", "503"]
    );
    // What a body declares: `errors(not_found)`.
    assert!(statuses(operation(&document, "/api/user_detail")).contains(&"404"));
    let session = &document["components"]["securitySchemes"]["session"];
    assert_eq!(session["in"], "cookie");
    assert_eq!(session["name"], "mizan_session");
    // Every error is the tagged `AppError`.
    assert_eq!(
        document["components"]["responses"]["Unauthenticated"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/AppError"
    );
}

#[tokio::test]
async fn a_form_is_described_field_by_field() {
    let document = document().await;
    let submit = operation(&document, "/api/contact.submit");
    assert_eq!(submit["tags"], json!(["contact"]));
    assert_eq!(
        submit["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ContactForm"
    );
    assert!(statuses(submit).contains(&"422"));
    let form = &document["components"]["schemas"]["ContactForm"];
    assert_eq!(
        form["required"],
        json!(["name", "email", "subject", "message"])
    );
    assert_eq!(form["properties"]["email"]["format"], "email");
    assert_eq!(form["properties"]["message"]["maxLength"], 5000);
    assert_eq!(
        submit["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ContactReceipt"
    );
    // Rate-limited forms say so, with `Retry-After`.
    let login = operation(&document, "/api/login.submit");
    assert_eq!(
        login["responses"]["429"]["$ref"],
        "#/components/responses/RateLimited"
    );
    assert!(
        document["components"]["responses"]["RateLimited"]["headers"]["Retry-After"].is_object()
    );
    let schema = operation(&document, "/api/contact.schema");
    assert_eq!(document["paths"]["/api/contact.schema"]["get"], *schema);
}

#[tokio::test]
async fn channels_are_described_beside_the_functions() {
    let document = document().await;
    let chat = &document["x-mizan-channels"]["chat"];
    assert_eq!(chat["path"], "/ws/chat");
    assert_eq!(chat["params"]["$ref"], "#/components/schemas/ChatParams");
    assert_eq!(chat["send"]["$ref"], "#/components/schemas/ChatSend");
    assert_eq!(chat["receive"]["$ref"], "#/components/schemas/ChatMessage");
    assert!(chat["closeCodes"]["1009"].is_string());
}

#[tokio::test]
async fn functions_take_json_bodies_as_well_as_forms() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let echo = visitor
        .post(app.url("/api/echo"))
        .json(&json!({"text": "héllo"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(echo.status(), StatusCode::OK);
    assert_eq!(
        echo.json::<Value>().await.expect("JSON"),
        json!({"message": "héllo"})
    );

    // A form's fields as a JSON object: checked as the form-encoded ones are.
    let refused = visitor
        .post(app.url("/api/contact.validate"))
        .json(&json!({"name": "Ada", "email": "nope", "subject": "Hi there", "message": "Long enough text"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["error"], "validation");
    assert!(body["fields"]["email"].is_array(), "{body}");

    // A value of the wrong type is a 400 naming it, not a 500.
    let wrong = visitor
        .post(app.url("/api/echo"))
        .json(&json!({"text": 5}))
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.json::<Value>().await.expect("JSON")["error"],
        "bad_request"
    );
}

#[tokio::test]
async fn the_api_page_is_served_unless_turned_off() {
    let app = spawn_app().await;
    let page = app.get("/api/docs").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("text");
    assert!(html.contains("/api-docs/swagger-ui-bundle.js"), "{html}");
    assert!(html.contains("/api/docs/init.js"));
    let init = app
        .get("/api/docs/init.js")
        .await
        .text()
        .await
        .expect("text");
    assert!(init.contains("\"/api/openapi.json\""), "{init}");

    let off = spawn_app_with(&[("MIZAN_API_DOCS", "false".into())]).await;
    assert_eq!(off.get("/api/docs").await.status(), StatusCode::NOT_FOUND);
    // The document stays: clients are generated from it.
    assert_eq!(off.get("/api/openapi.json").await.status(), StatusCode::OK);
}
