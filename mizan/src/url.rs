//! Pieces of URLs, built the same way in the browser and on the server.

/// `value` percent-encoded for a query string: everything but the unreserved characters
/// of RFC 3986 (`/rooms/a?b` → `%2Frooms%2Fa%3Fb`).
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
            encode_query_value("/rooms/a b?x=1&y"),
            "%2Frooms%2Fa%20b%3Fx%3D1%26y"
        );
        assert_eq!(encode_query_value("é-._~"), "%C3%A9-._~");
    }
}
