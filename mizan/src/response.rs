//! What a page may set on its HTTP response while it renders on the server.

/// Sets the HTTP status of the page being rendered on the server (e.g. 404 for "not
/// found"). In the browser, and outside a request, it does nothing, so views can call it
/// without `cfg` guards.
pub fn set_status(code: u16) {
    StatusSetter::capture().set(code);
}

/// The response of the page being rendered, captured while the Leptos context is at hand,
/// so that code running later (a resource's future) can still set its status.
#[derive(Clone, Debug, Default)]
pub struct StatusSetter {
    #[cfg(feature = "ssr")]
    response: Option<leptos_axum::ResponseOptions>,
}

impl StatusSetter {
    /// Captures the current page's response (none in the browser or outside a request).
    pub fn capture() -> Self {
        Self {
            #[cfg(feature = "ssr")]
            response: leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        }
    }

    /// Sets the status; does nothing in the browser.
    pub fn set(&self, code: u16) {
        #[cfg(feature = "ssr")]
        match (&self.response, axum::http::StatusCode::from_u16(code)) {
            (Some(response), Ok(status)) => response.set_status(status),
            (_, Err(_)) => tracing::error!(code, "not an HTTP status code"),
            (None, _) => {}
        }
        #[cfg(not(feature = "ssr"))]
        let _ = code;
    }
}
