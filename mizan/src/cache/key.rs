//! Cache keys, as specified in `docs/cache-keys.md`:
//!
//! ```text
//! k      = HMAC-SHA256(key = SECRET_KEY bytes, message = "mizan-cache-v1")
//! digest = lowercase hex of HMAC-SHA256(k, name + "\n" + canonical(params))
//! ```
//!
//! `canonical` is the params as JSON with object keys sorted by their UTF-8 bytes at every
//! depth, no spaces, and non-ASCII text written as UTF-8. `{}` is a value like any other.
//!
//! The edge worker is given `k` itself (never `SECRET_KEY`), and checks the purges the
//! origin sends it with a key derived from `k`:
//!
//! ```text
//! purge key = HMAC-SHA256(k, "mizan-edge-purge-v1")
//! signature = lowercase hex of HMAC-SHA256(purge key, body)
//! ```

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The label that derives the cache's own key from `SECRET_KEY`; a new version of the
/// key format gets a new label, so old and new keys never meet.
const KEY_LABEL: &[u8] = b"mizan-cache-v1";

/// The label that derives the key of edge purge signatures from the cache's key.
const PURGE_LABEL: &[u8] = b"mizan-edge-purge-v1";

/// The secret the digests are made with, derived once from `SECRET_KEY`, and the HMAC
/// state keyed with it (so a digest does not set up the key again).
#[derive(Clone)]
pub struct KeyMaker {
    key: [u8; 32],
    keyed: HmacSha256,
    purge: HmacSha256,
}

impl std::fmt::Debug for KeyMaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaker(***)")
    }
}

impl KeyMaker {
    /// Derives the cache key from the site's secret.
    pub fn new(secret_key: &[u8]) -> Self {
        let key = hmac(secret_key, KEY_LABEL);
        Self {
            key,
            keyed: keyed(&key),
            purge: keyed(&hmac(&key, PURGE_LABEL)),
        }
    }

    /// The cache's own key `k` as hex: what the edge worker is given
    /// (`server cache edge-key`). It makes digests and signs purges; it reveals nothing
    /// of `SECRET_KEY`.
    pub fn edge_key_hex(&self) -> String {
        hex::encode(self.key)
    }

    /// The signature of a purge request's `body`, as the edge worker checks it.
    pub fn sign_purge(&self, body: &[u8]) -> String {
        let mut mac = self.purge.clone();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The digest of a call to `name` with `params`, as lowercase hex.
    pub fn digest(&self, name: &str, params: &Value) -> String {
        let mut message = String::with_capacity(name.len() + 64);
        message.push_str(name);
        message.push('\n');
        write_canonical(params, &mut message);
        let mut mac = self.keyed.clone();
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `value` as canonical JSON: keys sorted by UTF-8 bytes at every depth, `,` and `:` with
/// no spaces, strings escaped as JSON requires (`\"`, `\\`, control characters) and
/// everything else, non-ASCII included, written as it is.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            // `str` orders by bytes, and UTF-8 byte order is code point order.
            entries.sort_unstable_by(|(a, _), (b, _)| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(text) => write_string(text, out),
        // null, booleans and numbers have one JSON spelling in serde_json.
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_string(text: &str, out: &mut String) {
    // serde_json escapes only what JSON requires and writes non-ASCII as UTF-8.
    out.push_str(&Value::String(text.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The secret of the published test vectors (`docs/cache-keys.md`).
    const SECRET: &[u8] = b"test-secret-key-0123456789abcdef";

    #[test]
    fn keys_are_sorted_by_bytes_at_every_depth_without_spaces() {
        let params = json!({"b": 1, "a": {"z": [3, {"y": true, "x": null}], "é": "ü"}, "B": "x"});
        assert_eq!(
            canonical(&params),
            r#"{"B":"x","a":{"z":[3,{"x":null,"y":true}],"é":"ü"},"b":1}"#
        );
    }

    #[test]
    fn strings_escape_what_json_requires_and_nothing_more() {
        assert_eq!(
            canonical(&json!("a\"b\\c\n\u{1}ü€😀")),
            "\"a\\\"b\\\\c\\n\\u0001ü€😀\""
        );
    }

    #[test]
    fn the_published_vectors_hold() {
        // Computed independently (Python's hmac and json.dumps with sort_keys,
        // separators=(",", ":") and ensure_ascii=False); the edge worker's test reads
        // the same table.
        let keys = KeyMaker::new(SECRET);
        let vectors = published_vectors();
        assert_eq!(vectors.len(), 3, "the table in docs/cache-keys.md");
        for (name, params, canonical_text, expected) in vectors {
            assert_eq!(canonical(&params), canonical_text, "{name} {params}");
            assert_eq!(keys.digest(&name, &params), expected, "{name} {params}");
        }
    }

    #[test]
    fn the_edge_key_and_purge_signature_are_the_published_ones() {
        let keys = KeyMaker::new(SECRET);
        assert_eq!(keys.edge_key_hex(), doc_value("edge key"));
        assert_eq!(
            keys.sign_purge(doc_value("purge body").as_bytes()),
            doc_value("purge signature")
        );
    }

    const DOC: &str = include_str!("../../../docs/cache-keys.md");

    /// The rows of the test-vector table: name, params, canonical, digest.
    fn published_vectors() -> Vec<(String, Value, String, String)> {
        DOC.lines()
            .filter(|line| line.starts_with("| `"))
            .map(|line| {
                let cells: Vec<&str> = line
                    .trim_matches('|')
                    .split(" | ")
                    .map(|cell| cell.trim().trim_matches('`'))
                    .collect();
                let params = serde_json::from_str(cells[1]).expect("params are JSON");
                (
                    cells[0].to_owned(),
                    params,
                    cells[2].to_owned(),
                    cells[3].to_owned(),
                )
            })
            .collect()
    }

    /// The value after `- <label>: ` in the edge section of the page.
    fn doc_value(label: &str) -> String {
        let prefix = format!("- {label}: `");
        DOC.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix('`'))
            .unwrap_or_else(|| panic!("docs/cache-keys.md has no `{prefix}`"))
            .to_owned()
    }

    #[test]
    fn empty_params_are_a_value_of_their_own() {
        let keys = KeyMaker::new(SECRET);
        assert_ne!(
            keys.digest("echo", &json!({})),
            keys.digest("echo", &Value::Null)
        );
        assert_ne!(
            keys.digest("echo", &json!({})),
            keys.digest("echo", &json!([]))
        );
        assert_ne!(
            keys.digest("echo", &json!({})),
            keys.digest("stats", &json!({}))
        );
    }

    #[test]
    fn another_secret_gives_other_keys() {
        let params = json!({"text": "hi"});
        assert_ne!(
            KeyMaker::new(SECRET).digest("echo", &params),
            KeyMaker::new(b"another secret key, also 32 bytes!").digest("echo", &params)
        );
    }
}
