//! The baseline: a raw axum server doing what the `echo` server function does (read a
//! form-encoded `text`, answer `{"message": text}` as JSON), with no middleware at all.
//!
//! `baseline <address>`, e.g. `baseline 127.0.0.1:4000`.

use axum::routing::post;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct EchoArgs {
    text: String,
}

#[derive(Serialize)]
struct EchoReply {
    message: String,
}

async fn echo(Form(args): Form<EchoArgs>) -> Json<EchoReply> {
    Json(EchoReply { message: args.text })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, Router::new().route("/echo", post(echo))).await
}
