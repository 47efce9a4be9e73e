// A call's params, read from its form-encoded body (or GET query) exactly as the origin
// reads them, with the argument types the origin's manifest gives. When the worker cannot
// be sure it reads a call as the origin does, it answers `null`: the call goes to the
// origin and nothing is stored at the edge.

/** The largest body the worker reads (the origin refuses larger ones). */
export const MAX_BODY = 64 * 1024;

const INTEGER = /^-?[0-9]+$/;

/**
 * @param {string} text `a=1&b=x` (no leading `?`)
 * @param {{name: string, type: "string" | "integer" | "boolean"}[]} args
 * @returns {Record<string, string | number | boolean> | null}
 */
export function formParams(text, args) {
  const fields = new Map();
  if (text !== "") {
    for (const pair of text.split("&")) {
      const at = pair.indexOf("=");
      if (at < 0) return null;
      const name = decode(pair.slice(0, at));
      const value = decode(pair.slice(at + 1));
      if (name === null || value === null || fields.has(name)) return null;
      fields.set(name, value);
    }
  }
  if (fields.size !== args.length) return null;
  const params = {};
  for (const arg of args) {
    if (!fields.has(arg.name)) return null;
    const value = typed(fields.get(arg.name), arg.type);
    if (value === null) return null;
    params[arg.name] = value;
  }
  return params;
}

/** `+` as a space, then percent-decoding; `null` for text that is not UTF-8. */
function decode(text) {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return null;
  }
}

/** A field's text as the JSON value of its type; `null` when it is not exactly one. */
function typed(text, type) {
  switch (type) {
    case "string":
      return text;
    case "boolean":
      return text === "true" ? true : text === "false" ? false : null;
    case "integer": {
      if (!INTEGER.test(text)) return null;
      const number = Number(text);
      // Beyond 2^53 a JavaScript number is no longer the integer that was sent.
      return Number.isSafeInteger(number) ? number : null;
    }
    default:
      return null;
  }
}
