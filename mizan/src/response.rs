//! What a page may set on its HTTP response while it renders on the server.

/// Sets the HTTP status of the page being rendered on the server (e.g. 404 for "not
/// found"). In the browser, and outside a request, it does nothing, so views can call it
/// without `cfg` guards.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        let status = axum::http::StatusCode::from_u16(code);
        match (use_context::<leptos_axum::ResponseOptions>(), status) {
            (Some(response), Ok(status)) => response.set_status(status),
            (_, Err(_)) => tracing::error!(code, "not an HTTP status code"),
            (None, _) => {}
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
