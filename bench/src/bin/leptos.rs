//! The Leptos baselines, as the Leptos starter serves them: a bare SSR page (the same
//! document shell as the app's, a title and a paragraph, `leptos_axum` routes) and a bare
//! `#[server]` echo (`leptos_axum::handle_server_fns`), with no middleware and the system
//! allocator.
//!
//! `leptos <address> <site-root>`, e.g. `leptos 127.0.0.1:4001 target/site`.

use axum::Router;
use axum::routing::post;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router as PageRouter, Routes};
use leptos_router::path;
use serde::{Deserialize, Serialize};

/// What [`echo`] answers, as the app's `echo` does.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EchoReply {
    message: String,
}

/// Sends the text back: `POST /api/echo`, form-encoded in, JSON out.
#[server(endpoint = "echo")]
async fn echo(text: String) -> Result<EchoReply, ServerFnError> {
    Ok(EchoReply { message: text })
}

fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HashedStylesheet options=options.clone()/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Mizan"/>
        <PageRouter>
            <main>
                <Routes fallback=|| "Page not found.">
                    <Route path=path!("") view=|| view! { <p>"Hello from a bare Leptos page."</p> }/>
                </Routes>
            </main>
        </PageRouter>
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4001".to_owned());
    let site_root = args.next().unwrap_or_else(|| "target/site".to_owned());
    let options = LeptosOptions::builder()
        .output_name("app")
        .site_root(site_root)
        .hash_files(true)
        .build();
    let routes = generate_route_list(App);
    let app = Router::new()
        .route("/api/{*fn_name}", post(leptos_axum::handle_server_fns))
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .with_state(options);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
