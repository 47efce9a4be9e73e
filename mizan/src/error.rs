//! The one error type of server functions: each variant knows its HTTP status, and the
//! whole enum travels as JSON so the client can `match` on it.
//!
//! On the wire an error is a JSON object tagged by `error`, for example
//! `{"error":"validation","fields":{"email":["is already taken"]}}` with status 422.

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Field name → what is wrong with it, for forms to show beside each field.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Why a server function refused or failed. The messages are safe to show to anyone:
/// details of internal failures go to the server log, never to the client.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, thiserror::Error,
)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    /// Not signed in: 401.
    #[error("sign in to continue")]
    Unauthenticated,
    /// Signed in, but not allowed: 403.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// The input is well-formed but some fields are invalid: 422.
    #[error("some fields are invalid")]
    Validation {
        /// The invalid fields and their messages.
        fields: FieldErrors,
    },
    /// Too many attempts: 429, with a `Retry-After` header.
    #[error("too many attempts: try again in {retry_after} seconds")]
    RateLimited {
        /// Seconds until the next attempt may succeed.
        retry_after: u64,
    },
    /// The thing asked for does not exist (or is not visible to you): 404.
    #[error("not found")]
    NotFound,
    /// The request could not be read (missing or malformed arguments): 400.
    #[error("{message}")]
    BadRequest {
        /// What could not be read.
        message: String,
    },
    /// The server failed; the detail is in its log: 500.
    #[error("something went wrong on our side")]
    Internal,
    /// The browser could not reach the server (only ever made on the client).
    #[error("cannot reach the server")]
    Network,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::Validation { .. } => 422,
            Self::RateLimited { .. } => 429,
            Self::NotFound => 404,
            Self::BadRequest { .. } => 400,
            Self::Internal => 500,
            Self::Network => 503,
        }
    }

    /// A validation error on one field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::Validation {
            fields: BTreeMap::from([(name.to_owned(), vec![message.into()])]),
        }
    }

    /// Logs `detail` on the server and returns the generic [`AppError::Internal`].
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        #[cfg(feature = "ssr")]
        tracing::error!(error = %detail, "internal error in a server function");
        #[cfg(not(feature = "ssr"))]
        let _ = detail;
        Self::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Deserialization(message) => Self::BadRequest { message },
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Network,
            other => Self::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_status() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::field("email", "taken").status(), 422);
        assert_eq!(AppError::RateLimited { retry_after: 5 }.status(), 429);
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn errors_travel_as_tagged_json() {
        let error = AppError::field("email", "is already taken");
        let json = serde_json::to_string(&error).expect("encode");
        assert_eq!(
            json,
            r#"{"error":"validation","fields":{"email":["is already taken"]}}"#
        );
        let back: AppError = serde_json::from_str(&json).expect("decode");
        assert_eq!(back, error);
        assert_eq!(
            serde_json::to_string(&AppError::Unauthenticated).expect("encode"),
            r#"{"error":"unauthenticated"}"#
        );
    }

    #[test]
    fn unreadable_arguments_are_a_bad_request_not_a_500() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing `text`".into()));
        assert_eq!(error.status(), 400);
    }
}
