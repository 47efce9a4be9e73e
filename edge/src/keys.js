// Cache keys, as docs/cache-keys.md specifies them (the same as `mizan::cache::key`):
//
//   k      = HMAC-SHA256(SECRET_KEY, "mizan-cache-v1")   (the worker is given k, not the secret)
//   digest = lowercase hex(HMAC-SHA256(k, name + "\n" + canonical(params)))
//
// Purge requests from the origin are signed with a key derived from k:
//
//   purge key = HMAC-SHA256(k, "mizan-edge-purge-v1")
//   signature = lowercase hex(HMAC-SHA256(purge key, body))

const encoder = new TextEncoder();

/** The label that derives the purge key from the cache key. */
export const PURGE_LABEL = "mizan-edge-purge-v1";

/**
 * `value` as canonical JSON: object keys sorted by their UTF-8 bytes at every depth, no
 * whitespace, strings escaped only where JSON requires it (non-ASCII written as itself).
 * @param {unknown} value
 * @returns {string}
 */
export function canonical(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  switch (typeof value) {
    case "string":
      return quote(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("not a JSON number");
      // JSON.stringify writes integers without a fraction, as serde_json does.
      return JSON.stringify(value);
    case "object": {
      const entries = Object.keys(value)
        .map((key) => [encoder.encode(key), key])
        .sort((a, b) => compareBytes(a[0], b[0]))
        .map(([, key]) => `${quote(key)}:${canonical(value[key])}`);
      return `{${entries.join(",")}}`;
    }
    default:
      throw new TypeError(`cannot be JSON: ${typeof value}`);
  }
}

/** JSON string escaping as serde_json writes it: `\"`, `\\`, control characters. */
function quote(text) {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0);
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char === "\b") out += "\\b";
    else if (char === "\f") out += "\\f";
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

function compareBytes(a, b) {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** @param {ArrayBuffer} buffer */
function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** @param {string} text */
export function fromHex(text) {
  if (!/^(?:[0-9a-f]{2})+$/i.test(text)) throw new TypeError("not hex");
  return Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
}

/** @param {BufferSource} key */
async function hmacKey(key) {
  return crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** @param {CryptoKey} key @param {string} message */
async function sign(key, message) {
  return crypto.subtle.sign("HMAC", key, encoder.encode(message));
}

/** k, derived from the site's SECRET_KEY (what `server cache edge-key` prints). */
export async function deriveCacheKey(secretKey) {
  return new Uint8Array(await sign(await hmacKey(encoder.encode(secretKey)), "mizan-cache-v1"));
}

/** Makes digests and checks purge signatures with the cache key k. */
export class Keys {
  /** @param {CryptoKey} digestKey @param {CryptoKey} purgeKey */
  constructor(digestKey, purgeKey) {
    this.digestKey = digestKey;
    this.purgeKey = purgeKey;
  }

  /** @param {Uint8Array} cacheKey k, 32 bytes */
  static async fromCacheKey(cacheKey) {
    const digestKey = await hmacKey(cacheKey);
    const purgeKey = await hmacKey(await sign(digestKey, PURGE_LABEL));
    return new Keys(digestKey, purgeKey);
  }

  /** The digest of a call to `name` with `params`, as lowercase hex. */
  async digest(name, params) {
    return hex(await sign(this.digestKey, `${name}\n${canonical(params)}`));
  }

  /** Whether `signature` (hex) signs `body` with the purge key. */
  async verifyPurge(body, signature) {
    if (typeof signature !== "string" || !/^[0-9a-f]{64}$/.test(signature)) return false;
    return crypto.subtle.verify("HMAC", this.purgeKey, fromHex(signature), encoder.encode(body));
  }

  /** The signature of `body` (what the origin sends; for tests). */
  async signPurge(body) {
    return hex(await sign(this.purgeKey, body));
  }
}
