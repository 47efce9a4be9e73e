//! Helpers for forms that post to server functions.

use leptos::prelude::*;
use mizan::AppError;

/// The message to show beside `field` after a submission, if it failed on that field.
/// The pseudo-field `"form"` also shows errors that belong to no field.
pub fn error_for<T, R>(
    result: R,
    field: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + 'static
where
    R: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || {
        result.with(|result| match result {
            Some(Err(AppError::Validation { fields })) => fields.get(field).map(|m| m.join("; ")),
            Some(Err(other)) if field == "form" => Some(other.to_string()),
            _ => None,
        })
    }
}

/// `value` made safe to put in a query string (`/chat/a?b` → `%2Fchat%2Fa%3Fb`).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_query_value;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("/chat/a b?x=1&y"),
            "%2Fchat%2Fa%20b%3Fx%3D1%26y"
        );
    }
}
