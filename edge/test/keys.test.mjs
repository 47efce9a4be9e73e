// The worker's keys against the published vectors (docs/cache-keys.md, the table that
// mizan::cache's tests read too), and its reading of form-encoded params.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { Keys, canonical, deriveCacheKey } from "../src/keys.js";
import { formParams } from "../src/params.js";

const DOC = readFileSync(new URL("../../docs/cache-keys.md", import.meta.url), "utf8");
const SECRET = "test-secret-key-0123456789abcdef";

/** The table's rows: name, params, canonical, digest. */
function vectors() {
  return DOC.split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.replace(/^\||\|$/g, "").split(" | ").map((c) => c.trim().replace(/^`|`$/g, "")))
    .map(([name, params, canonical, digest]) => ({ name, params: JSON.parse(params), canonical, digest }));
}

/** The value after `- <label>: ` in the page's edge section. */
function docValue(label) {
  const line = DOC.split("\n").find((l) => l.startsWith(`- ${label}: \``));
  assert.ok(line, `docs/cache-keys.md has "- ${label}:"`);
  return line.slice(`- ${label}: \``.length, -1);
}

async function keys() {
  return Keys.fromCacheKey(await deriveCacheKey(SECRET));
}

test("the published vectors hold in the worker", async () => {
  const all = vectors();
  assert.equal(all.length, 3);
  const k = await keys();
  for (const v of all) {
    assert.equal(canonical(v.params), v.canonical, v.name);
    assert.equal(await k.digest(v.name, v.params), v.digest, v.name);
  }
});

test("the edge key and a purge's signature are the published ones", async () => {
  const hex = [...(await deriveCacheKey(SECRET))].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(hex, docValue("edge key"));
  const k = await keys();
  assert.equal(await k.signPurge(docValue("purge body")), docValue("purge signature"));
  assert.equal(await k.verifyPurge(docValue("purge body"), docValue("purge signature")), true);
  assert.equal(await k.verifyPurge(docValue("purge body").replace("report", "greet"), docValue("purge signature")), false);
  assert.equal(await k.verifyPurge(docValue("purge body"), "not hex"), false);
});

test("strings escape what JSON requires and nothing more, as serde_json does", () => {
  assert.equal(canonical("a\"b\\c\n\u0001ü€😀"), '"a\\"b\\\\c\\n\\u0001ü€😀"');
  assert.equal(canonical({ b: 1, a: { z: [3, { y: true, x: null }], é: "ü" }, B: "x" }),
    '{"B":"x","a":{"z":[3,{"x":null,"y":true}],"é":"ü"},"b":1}');
});

test("form fields become params of the manifest's types", () => {
  const args = [{ name: "name", type: "string" }, { name: "page", type: "integer" }, { name: "all", type: "boolean" }];
  assert.deepEqual(formParams("name=Jos%C3%A9+%E5%90%8D&page=007&all=false", args), { name: "José 名", page: 7, all: false });
  assert.deepEqual(formParams("", []), {});
});

test("a call the origin might read otherwise is left to the origin", () => {
  const args = [{ name: "name", type: "string" }, { name: "page", type: "integer" }];
  for (const text of [
    "name=a&name=b&page=1", // repeated
    "name=a", // missing
    "name=a&page=1&extra=1", // unknown
    "name=a&page=+1", // a sign JavaScript and Rust may read apart
    "name=a&page=1.0",
    "name=a&page=99999999999999999999", // beyond 2^53
    "name=%FF&page=1", // not UTF-8
    "name&page=1", // no `=`
    "name[x]=a&page=1", // nested (serde_qs)
  ]) {
    assert.equal(formParams(text, args), null, text);
  }
  assert.equal(formParams("all=on", [{ name: "all", type: "boolean" }]), null);
  assert.equal(formParams("x=1", []), null);
});
