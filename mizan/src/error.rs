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
    /// A service the server needs (the database, the session store) does not answer
    /// now: 503, with a `Retry-After` header.
    #[error("the service is unavailable: try again in {retry_after} seconds")]
    Unavailable {
        /// Seconds after which trying again makes sense.
        retry_after: u64,
    },
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
            Self::Unavailable { .. } | Self::Network => 503,
        }
    }

    /// The seconds a client should wait before trying again (`Retry-After`), for the
    /// errors that pass: rate limits and unavailable services.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } | Self::Unavailable { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// A validation error on one field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::Validation {
            fields: BTreeMap::from([(name.to_owned(), vec![message.into()])]),
        }
    }

    /// Logs `detail` on the server and returns the generic [`AppError::Internal`], or
    /// [`AppError::Unavailable`] when `detail` says the database cannot be reached (a
    /// connection refused, the pool timed out): that is not a bug, and it passes.
    pub fn internal(detail: impl std::fmt::Display + 'static) -> Self {
        #[cfg(feature = "ssr")]
        {
            let any: &dyn std::any::Any = &detail;
            if any
                .downcast_ref::<sqlx::Error>()
                .is_some_and(database_unreachable)
            {
                return Self::unavailable(detail);
            }
            tracing::error!(error = %detail, "internal error in a server function");
        }
        #[cfg(not(feature = "ssr"))]
        let _ = detail;
        Self::Internal
    }

    /// Logs `detail` on the server and returns [`AppError::Unavailable`]: a service the
    /// request needs does not answer.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %detail, "a service is unavailable");
        #[cfg(not(feature = "ssr"))]
        let _ = detail;
        Self::Unavailable {
            retry_after: RETRY_UNAVAILABLE_SECS,
        }
    }
}

/// A failed query is [`AppError::internal`]: logged, and a 503 when the database cannot be
/// reached, a 500 otherwise; bodies use `?` on their queries.
#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

/// A value that would not encode or decode as JSON on the server is a bug: logged, 500.
#[cfg(feature = "ssr")]
impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        Self::internal(error)
    }
}

/// What a 503 tells the client to wait before trying again.
pub const RETRY_UNAVAILABLE_SECS: u64 = 5;

/// A database error that says the database cannot be reached, rather than that a query
/// is wrong.
#[cfg(feature = "ssr")]
fn database_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception) and 57P0x (the server is shutting
        // down, restarting, or not accepting connections yet).
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
        _ => false,
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
        assert_eq!(AppError::Unavailable { retry_after: 5 }.status(), 503);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_unreachable_database_is_unavailable_not_internal() {
        assert_eq!(
            AppError::internal(sqlx::Error::PoolTimedOut),
            AppError::Unavailable {
                retry_after: RETRY_UNAVAILABLE_SECS
            }
        );
        assert_eq!(
            AppError::internal(sqlx::Error::RowNotFound),
            AppError::Internal
        );
        assert_eq!(AppError::internal("a bug"), AppError::Internal);
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
