// The Mizan edge worker (Cloudflare Workers): answers calls to cacheable server functions
// from the edge cache, under the same keys as the origin cache (docs/cache-keys.md), and
// passes everything else to the origin untouched.
//
// - What it may cache comes from the origin's manifest (GET /_mizan/edge.json): public
//   functions with shared entries, their lifetimes, argument types and current versions.
// - A hit never reaches the origin; a miss goes there and a 200 is stored for the
//   function's lifetime (without its cookies). Hits and misses leave with
//   `Cache-Control: no-store`: only this worker decides what the edge keeps. Everything
//   else keeps the origin's own headers (no-store on dynamic answers).
// - Signed purges from the origin (POST /_mizan/edge/purge) delete one entry, or read the
//   manifest again (a purge of every entry moves the function's version on).
//
// Settings (wrangler.toml, `wrangler secret put`):
//   MIZAN_CACHE_KEY        secret: what `server cache edge-key` prints
//   ORIGIN                 optional: the origin's address, when it is not the worker's own
//                          host (local tests: http://127.0.0.1:3000)
//   MANIFEST_TTL_SECONDS   optional: how long a manifest is used before it is read again (5)

import { Keys, fromHex } from "./keys.js";
import { MAX_BODY, formParams } from "./params.js";

const MANIFEST_PATH = "/_mizan/edge.json";
const PURGE_PATH = "/_mizan/edge/purge";
const ENTRY_PREFIX = "/_mizan/edge/entry/";
/** Server functions live under this path: nothing else is looked up in the manifest. */
const API_PREFIX = "/api/";
const DEFAULT_MANIFEST_TTL_SECONDS = 5;
/** How old a signed purge may be (seconds) before it is refused as a replay. */
const PURGE_WINDOW_SECONDS = 300;
const DIGEST = /^[0-9a-f]{64}$/;

/** What this isolate knows: its keys and the manifest it read last. */
const isolate = {
  keys: null,
  keySource: null,
  manifest: null,
  readAt: 0,
  readingSince: 0,
  reads: 0,
  applied: 0,
};
/** How long a manifest read may take. */
const READ_TIMEOUT_MS = 5000;

export default {
  async fetch(request, env, ctx) {
    try {
      return await answer(request, env, ctx);
    } catch (error) {
      console.error("edge worker:", error);
      return plain(502, "the site cannot be reached");
    }
  },
};

/** Where a request goes: a purge, the edge cache, or the origin. */
async function answer(request, env, ctx) {
  const url = new URL(request.url);
  if (url.pathname === PURGE_PATH) return purge(request, env, ctx, url);
  if (url.pathname.startsWith(ENTRY_PREFIX)) return plain(404, "not found");
  if (!url.pathname.startsWith(API_PREFIX)) return toOrigin(request, env);
  const manifest = await currentManifest(env, ctx, url.origin);
  const fn = manifest?.byPath.get(url.pathname);
  if (!fn || request.method !== fn.method || acceptsHtml(request)) {
    return toOrigin(request, env);
  }
  return cached(request, env, ctx, url, fn);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A call of a function the edge may cache: from the cache, or from the origin. */
async function cached(request, env, ctx, url, fn) {
  let text;
  let forward = request;
  if (fn.method === "GET") {
    text = url.search.slice(1);
  } else {
    const type = request.headers.get("content-type") ?? "";
    const length = Number(request.headers.get("content-length") ?? "0");
    if (!type.startsWith("application/x-www-form-urlencoded") || length > MAX_BODY) {
      return toOrigin(request, env);
    }
    const bytes = await request.arrayBuffer();
    forward = new Request(request, { body: bytes });
    if (bytes.byteLength > MAX_BODY) return toOrigin(forward, env);
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      // The origin refuses a body that is not UTF-8; so it is left to say so.
      return toOrigin(forward, env);
    }
  }
  const params = formParams(text, fn.args);
  if (params === null) return toOrigin(forward, env);

  let entry;
  try {
    entry = entryRequest(url, fn, await (await keysOf(env)).digest(fn.name, params));
  } catch (error) {
    console.error("edge worker:", error.message);
    return toOrigin(forward, env);
  }
  const recent = remembered(entry.url);
  if (recent) return toBrowser(new Response(recent.body, recent), "hit");
  const cache = caches.default;
  const hit = await cache.match(entry);
  if (hit) {
    const body = await hit.arrayBuffer();
    remember(entry.url, body, hit, fn, env);
    return toBrowser(new Response(body, hit), "hit");
  }

  const answer = await toOrigin(forward, env);
  const type = answer.headers.get("content-type") ?? "";
  if (answer.status !== 200 || !type.startsWith("application/json")) {
    return toBrowser(answer, "miss");
  }
  const body = await answer.arrayBuffer();
  const stored = new Response(body, answer);
  stored.headers.delete("set-cookie");
  stored.headers.set("cache-control", `public, max-age=${fn.ttl_seconds}`);
  stored.headers.set("cache-tag", `mizan-${fn.name}`);
  remember(entry.url, body, stored, fn, env);
  ctx.waitUntil(cache.put(entry, stored.clone()));
  return toBrowser(new Response(body, answer), "miss");
}

/**
 * The entries this isolate answered lately, in memory: a hit from here costs no Cache API
 * lookup. Each is kept for at most MANIFEST_TTL_SECONDS (and its function's lifetime), so
 * a purge that reached another isolate is seen here within that time too.
 * @type {Map<string, {body: ArrayBuffer, status: number, headers: Headers, until: number}>}
 */
const memory = new Map();
const MEMORY_ENTRIES = 1000;
/** Larger answers are not kept in memory (an isolate has 128 MB in all). */
const MEMORY_LARGEST = 64 * 1024;

function remembered(key) {
  const entry = memory.get(key);
  if (!entry) return null;
  if (entry.until > Date.now()) return entry;
  memory.delete(key);
  return null;
}

function remember(key, body, response, fn, env) {
  if (body.byteLength > MEMORY_LARGEST) return;
  const seconds = Math.min(manifestTtl(env) / 1000, fn.ttl_seconds);
  const headers = new Headers(response.headers);
  headers.delete("set-cookie");
  memory.delete(key);
  memory.set(key, { body, status: response.status, headers, until: Date.now() + seconds * 1000 });
  // Oldest first: a Map keeps insertion order.
  while (memory.size > MEMORY_ENTRIES) memory.delete(memory.keys().next().value);
}

/** What leaves the worker for a browser: never cacheable anywhere but here. */
function toBrowser(response, outcome) {
  const answer = new Response(response.body, response);
  answer.headers.set("cache-control", "no-store");
  answer.headers.delete("cache-tag");
  answer.headers.set("mizan-edge", outcome);
  return answer;
}

/** The name an entry is kept under in the edge cache. */
function entryRequest(url, fn, digest) {
  return new Request(`${url.origin}${ENTRY_PREFIX}${fn.name}/v${fn.epoch}.${fn.version}/${digest}`);
}

/**
 * The request sent to the origin (redirects passed back, not followed), saying who the
 * client is: `X-Forwarded-For` is the address Cloudflare saw (`CF-Connecting-IP`, which
 * no client can set), never what the client sent. The origin believes it only from the
 * edge's addresses (`MIZAN_TRUSTED_PROXIES`).
 */
function toOrigin(request, env) {
  const headers = new Headers(request.headers);
  const client = request.headers.get("cf-connecting-ip");
  if (client) headers.set("x-forwarded-for", client);
  else headers.delete("x-forwarded-for");
  const forwarded = new Request(request, { headers });
  if (!env.ORIGIN) return fetch(forwarded, { redirect: "manual" });
  const url = new URL(request.url);
  const target = new URL(url.pathname + url.search, env.ORIGIN);
  return fetch(new Request(target, forwarded), { redirect: "manual" });
}

function acceptsHtml(request) {
  return (request.headers.get("accept") ?? "").includes("text/html");
}

/** The keys made from MIZAN_CACHE_KEY, once per isolate. */
async function keysOf(env) {
  if (isolate.keys === null || isolate.keySource !== env.MIZAN_CACHE_KEY) {
    if (typeof env.MIZAN_CACHE_KEY !== "string" || !DIGEST.test(env.MIZAN_CACHE_KEY)) {
      throw new Error("MIZAN_CACHE_KEY is not set to what `server cache edge-key` prints");
    }
    isolate.keys = await Keys.fromCacheKey(fromHex(env.MIZAN_CACHE_KEY));
    isolate.keySource = env.MIZAN_CACHE_KEY;
  }
  return isolate.keys;
}

/** MANIFEST_TTL_SECONDS in milliseconds. */
function manifestTtl(env) {
  return Number(env.MANIFEST_TTL_SECONDS ?? DEFAULT_MANIFEST_TTL_SECONDS) * 1000;
}

/**
 * The manifest this isolate uses. Once it is older than MANIFEST_TTL_SECONDS, the call
 * that notices goes on with it and reads it again in the background (one read at a time;
 * a read not done after READ_TIMEOUT_MS is abandoned); with none yet, or `fresh` (a
 * purge), the call reads it itself. A read that fails keeps what we had, and with nothing
 * the calls go to the origin until MANIFEST_TTL_SECONDS later. (Calls never wait on
 * another call's read: Workers refuse I/O continued from another request.)
 */
async function currentManifest(env, ctx, site, fresh = false) {
  const now = Date.now();
  const stale = now - isolate.readAt >= manifestTtl(env);
  if (!fresh && !stale) return isolate.manifest;
  if (!fresh && isolate.manifest !== null) {
    if (now - isolate.readingSince > READ_TIMEOUT_MS) {
      isolate.readingSince = now;
      ctx.waitUntil(refreshManifest(env, site).finally(() => (isolate.readingSince = 0)));
    }
    return isolate.manifest;
  }
  return refreshManifest(env, site);
}

/** Reads the manifest; a read that started before the one applied last is dropped. */
async function refreshManifest(env, site) {
  const started = ++isolate.reads;
  try {
    const manifest = await readManifest(env.ORIGIN ?? site);
    if (started > isolate.applied) {
      isolate.manifest = manifest;
      isolate.applied = started;
    }
  } catch (error) {
    console.error("edge worker: cannot read the manifest:", error.message);
  }
  isolate.readAt = Date.now();
  return isolate.manifest;
}

/** Reads the manifest from `origin` (on Cloudflare, a worker's request to its own site
 * goes to the origin, not to the worker again). */
async function readManifest(origin) {
  const response = await fetch(new URL(MANIFEST_PATH, origin), {
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(READ_TIMEOUT_MS),
  });
  if (response.status !== 200) throw new Error(`manifest: ${response.status}`);
  const json = await response.json();
  if (json.format !== 1) throw new Error(`manifest format ${json.format}`);
  const byPath = new Map();
  const byName = new Map();
  for (const fn of Object.values(json.functions)) {
    fn.epoch = json.epoch ?? 0;
    byPath.set(fn.path, fn);
    byName.set(fn.name, fn);
  }
  return { byPath, byName };
}

/** A signed purge from the origin. */
async function purge(request, env, ctx, url) {
  if (request.method !== "POST") return plain(405, "POST a signed purge");
  const body = await request.text();
  if (body.length > 4096) return plain(400, "too large");
  const keys = await keysOf(env);
  if (!(await keys.verifyPurge(body, request.headers.get("mizan-signature")))) {
    return plain(401, "bad signature");
  }
  let message;
  try {
    message = JSON.parse(body);
  } catch {
    return plain(400, "not JSON");
  }
  const { at, name, digest } = message;
  if (
    typeof name !== "string" || name.length > 200 ||
    !(digest === null || (typeof digest === "string" && DIGEST.test(digest))) ||
    typeof at !== "number" || Math.abs(Date.now() / 1000 - at) > PURGE_WINDOW_SECONDS
  ) {
    return plain(400, "not a purge, or too old");
  }
  // The origin has purged already: its manifest has the version after a purge of all.
  const manifest = await currentManifest(env, ctx, url.origin, true);
  const fn = manifest?.byName.get(name);
  let deleted = false;
  if (fn && digest !== null) {
    const entry = entryRequest(url, fn, digest);
    memory.delete(entry.url);
    deleted = await caches.default.delete(entry);
  }
  return new Response(JSON.stringify({ deleted, version: fn?.version ?? null }), {
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

function plain(status, text) {
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain", "cache-control": "no-store" },
  });
}
