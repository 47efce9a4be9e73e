// The edge worker in the real runtime (workerd, through miniflare) in front of a release
// server (target/release/server, on SQLite with Redis), with a proxy between them that
// counts the requests reaching the origin. Run by scripts/edge-test, which starts Redis
// and passes EDGE_REDIS_URL.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { Miniflare } from "miniflare";

import { deriveCacheKey } from "../src/keys.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVER = join(ROOT, "target/release/server");
const SECRET_KEY = "edge-test-secret-key-0123456789abcdef";
const PASSWORD = "edge-test-password-1";
const ROOT_EMAIL = "root@example.com";
const FORM = "application/x-www-form-urlencoded";

let origin; // the release server
let proxy; // counts what reaches the origin
let worker; // miniflare
let edge; // the worker's address
let env; // the server's environment, for its commands
const reached = new Map(); // "POST /api/greet" → requests that reached the origin
const forwardedFor = []; // the X-Forwarded-For of each request that reached the origin

before(async () => {
  const redis = process.env.EDGE_REDIS_URL;
  assert.ok(redis, "EDGE_REDIS_URL is set (scripts/edge-test starts Redis)");
  const [originPort, proxyPort, workerPort] = await Promise.all([freePort(), freePort(), freePort()]);
  edge = `http://127.0.0.1:${workerPort}`;
  const data = mkdtempSync(join(tmpdir(), "mizan-edge-"));
  env = {
    ...process.env,
    MIZAN_DATA_DIR: data,
    REDIS_URL: redis,
    SECRET_KEY,
    LEPTOS_SITE_ADDR: `127.0.0.1:${originPort}`,
    LEPTOS_SITE_ROOT: process.env.EDGE_SITE_ROOT ?? "target/site",
    MIZAN_EDGE_URL: edge,
    MIZAN_JOB_POLL_MS: "100",
    MIZAN_SUPERUSER_PASSWORD: PASSWORD,
    RUST_LOG: "warn",
  };
  await command("createsuperuser", "--email", ROOT_EMAIL, "--no-input");
  origin = spawn(SERVER, [], { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  origin.on("exit", () => rmSync(data, { recursive: true, force: true }));
  await until(async () => (await fetch(`http://127.0.0.1:${originPort}/readyz`).catch(() => null))?.status === 200, 60_000, "the origin is ready");

  proxy = http.createServer((req, res) => {
    const what = `${req.method} ${req.url.split("?")[0]}`;
    reached.set(what, (reached.get(what) ?? 0) + 1);
    forwardedFor.push(req.headers["x-forwarded-for"] ?? null);
    const out = http.request({ host: "127.0.0.1", port: originPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.rawHeaders);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));

  const cacheKey = [...(await deriveCacheKey(SECRET_KEY))].map((b) => b.toString(16).padStart(2, "0")).join("");
  worker = new Miniflare({
    modules: true,
    scriptPath: fileURLToPath(new URL("../src/worker.js", import.meta.url)),
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: workerPort,
    bindings: { MIZAN_CACHE_KEY: cacheKey, ORIGIN: `http://127.0.0.1:${proxyPort}`, MANIFEST_TTL_SECONDS: "30" },
  });
  await worker.ready;
});

after(async () => {
  await worker?.dispose();
  proxy?.close();
  if (origin && origin.exitCode === null) {
    const exited = new Promise((resolve) => origin.on("exit", resolve));
    origin.kill("SIGTERM");
    await exited;
  }
});

test("a cacheable call is answered at the edge without reaching the origin", async () => {
  const first = await call("/api/greet", "name=edge+hit");
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("mizan-edge"), "miss");
  assert.equal(reached.get("POST /api/greet"), 1);
  const second = await call("/api/greet", "name=edge+hit");
  assert.equal(second.headers.get("mizan-edge"), "hit");
  assert.deepEqual(await second.json(), await first.json());
  assert.equal(reached.get("POST /api/greet"), 1, "the hit never reached the origin");

  // Another name is another entry: a miss that reaches the origin.
  const other = await call("/api/greet", "name=someone+else");
  assert.equal(other.headers.get("mizan-edge"), "miss");
  assert.deepEqual(await other.json(), { message: "Hello, someone else!" });
  assert.equal(reached.get("POST /api/greet"), 2);
});

test("a client's own X-Forwarded-For never reaches the origin", async () => {
  const before = forwardedFor.length;
  const answer = await call("/api/greet", "name=forged+address", { "x-forwarded-for": "6.6.6.6" });
  assert.equal(answer.status, 200);
  assert.equal(forwardedFor.length, before + 1, "the call reached the origin");
  assert.ok(!String(forwardedFor.at(-1)).includes("6.6.6.6"), `forwarded: ${forwardedFor.at(-1)}`);
});

test("what the edge may cache comes from the origin's manifest", async () => {
  const manifest = await (await fetch(`${edge}/_mizan/edge.json`)).json();
  assert.deepEqual(Object.keys(manifest.functions).sort(), ["greet", "site_stats"]);
  assert.deepEqual(manifest.functions.greet.args, [{ name: "name", type: "string" }]);
  assert.equal(manifest.functions.greet.ttl_seconds, 60);
  assert.match(manifest.not_at_edge.my_message_count, /per user|signed-in/);
});

test("a per-user function is never cached at the edge, and cookies pass untouched", async () => {
  const cookie = await signIn();
  const before = reached.get("POST /api/my_message_count") ?? 0;
  for (let i = 0; i < 3; i++) {
    const answer = await call("/api/my_message_count", "", { cookie });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("mizan-edge"), null, "not touched by the edge cache");
    assert.match(answer.headers.get("cache-control"), /no-store/);
  }
  assert.equal(reached.get("POST /api/my_message_count"), before + 3);
  // Without the cookie the same call is refused: nothing of the signed-in answers leaked.
  assert.equal((await call("/api/my_message_count", "")).status, 401);
});

test("a call the worker cannot read exactly as the origin does goes to the origin", async () => {
  const json = () => fetch(`${edge}/api/greet`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "json" }) });
  const repeated = () => call("/api/greet", "name=a&name=b");
  // Not UTF-8: the origin refuses it (400); the worker must not read it as U+FFFD.
  const notUtf8 = () => call("/api/greet", Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff]));
  const before = reached.get("POST /api/greet") ?? 0;
  for (const send of [json, json, repeated, repeated, notUtf8, notUtf8]) {
    const answer = await send();
    assert.equal(answer.headers.get("mizan-edge"), null);
    assert.match(answer.headers.get("cache-control"), /no-store/);
  }
  assert.equal((await notUtf8()).status, 400);
  assert.equal(reached.get("POST /api/greet"), before + 7);
});

test("a purge from the command line reaches the edge, with a non-ASCII params' key", async () => {
  const name = "José 名前 ü";
  const body = `name=${encodeURIComponent(name)}`;
  assert.equal((await call("/api/greet", body)).headers.get("mizan-edge"), "miss");
  assert.equal((await call("/api/greet", body)).headers.get("mizan-edge"), "hit");
  const before = reached.get("POST /api/greet");

  const printed = await command("cache", "purge", "greet", JSON.stringify({ name }));
  assert.match(printed, /queued for the edge/);
  // The worker deletes the entry whose digest the origin computed: the keys agree.
  await until(async () => (await call("/api/greet", body)).headers.get("mizan-edge") === "miss", 10_000, "the purged entry is gone at the edge");
  assert.equal(reached.get("POST /api/greet"), before + 1);
  assert.equal((await call("/api/greet", body)).headers.get("mizan-edge"), "hit");
});

test("a purge of every entry from a server function reaches the edge", async () => {
  const stats = () => call("/api/site_stats", "");
  const first = await stats();
  assert.ok(["miss", "hit"].includes(first.headers.get("mizan-edge")));
  assert.equal((await stats()).headers.get("mizan-edge"), "hit");
  const computedAt = (await (await stats()).json()).computed_at;

  // Staff's refresh purges every entry at the origin (site_stats::purge_all()).
  const refresh = await call("/api/refresh_site_stats", "", { cookie: await signIn() });
  assert.equal(refresh.status, 200);
  await until(async () => (await stats()).headers.get("mizan-edge") === "miss", 10_000, "the edge sees the new version");
  const after = await stats();
  assert.equal(after.headers.get("mizan-edge"), "hit");
  assert.ok((await after.json()).computed_at >= computedAt);
});

test("every answer that leaves the worker says no-store", async () => {
  const answers = [
    await call("/api/greet", "name=store"), // miss
    await call("/api/greet", "name=store"), // hit
    await call("/api/greet", `name=${"x".repeat(200)}`), // 422 from the origin, never stored
    await fetch(`${edge}/`), // a page, passed through
    await fetch(`${edge}/_mizan/edge/entry/greet/v0/${"0".repeat(64)}`), // entries are not served
  ];
  for (const answer of answers) {
    assert.match(answer.headers.get("cache-control") ?? "", /no-store/, answer.url);
  }
  assert.equal(answers[1].headers.get("mizan-edge"), "hit");
  assert.equal(answers[2].status, 422);
  assert.equal(answers[3].status, 200);
  assert.equal(answers[4].status, 404);
});

test("a purge without the origin's signature is refused", async () => {
  const body = JSON.stringify({ at: Math.floor(Date.now() / 1000), digest: null, name: "greet" });
  const forged = await fetch(`${edge}/_mizan/edge/purge`, { method: "POST", headers: { "mizan-signature": "0".repeat(64) }, body });
  assert.equal(forged.status, 401);
  const unsigned = await fetch(`${edge}/_mizan/edge/purge`, { method: "POST", body });
  assert.equal(unsigned.status, 401);
});

/** A form-encoded call through the worker (as the site's own pages send it). */
function call(path, body, headers = {}) {
  return fetch(`${edge}${path}`, { method: "POST", headers: { "content-type": FORM, ...headers }, body });
}

/** Signs in as the superuser through the worker; its session cookie. */
async function signIn() {
  const answer = await call("/api/login.submit", `email=${encodeURIComponent(ROOT_EMAIL)}&password=${encodeURIComponent(PASSWORD)}`);
  assert.equal(answer.status, 200, await answer.clone().text());
  const cookie = answer.headers.getSetCookie().find((c) => c.startsWith("mizan_session="));
  assert.ok(cookie, "the session cookie passed through the worker");
  return cookie.split(";")[0];
}

/** `server <args>` with the origin's environment; what it printed. */
async function command(...args) {
  const { stdout } = await promisify(execFile)(SERVER, args, { cwd: ROOT, env });
  return stdout;
}

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
