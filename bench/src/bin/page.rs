//! The page baseline: a bare Leptos SSR page as the Leptos starter serves it (the same
//! document shell as the app's, a title and a paragraph, `leptos_axum` routes, no
//! middleware, the system allocator).
//!
//! `page <address> <site-root>`, e.g. `page 127.0.0.1:4001 target/site`.

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router as PageRouter, Routes};
use leptos_router::path;

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
        .output_name("mizan")
        .site_root(site_root)
        .hash_files(true)
        .build();
    let routes = generate_route_list(App);
    let app = Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .with_state(options);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
