// Runs the edge worker locally in workerd (through miniflare), in front of an origin:
//
//   SECRET_KEY=… node edge/serve.mjs --origin http://127.0.0.1:3000 [--port 8787]
//
// (or MIZAN_CACHE_KEY=<what `server cache edge-key` prints> instead of SECRET_KEY). Give
// the origin MIZAN_EDGE_URL=http://127.0.0.1:8787 so its purges reach the worker. The
// bench measures a hit through it (scripts/bench).
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

import { Miniflare } from "miniflare";

import { deriveCacheKey } from "./src/keys.js";

const { values } = parseArgs({
  options: {
    origin: { type: "string" },
    port: { type: "string", default: "8787" },
    host: { type: "string", default: "127.0.0.1" },
  },
});
if (!values.origin) {
  console.error("usage: node edge/serve.mjs --origin http://127.0.0.1:3000 [--port 8787]");
  process.exit(2);
}
let cacheKey = process.env.MIZAN_CACHE_KEY;
if (!cacheKey && process.env.SECRET_KEY) {
  cacheKey = Buffer.from(await deriveCacheKey(process.env.SECRET_KEY)).toString("hex");
}
if (!cacheKey) {
  console.error("set SECRET_KEY (the origin's) or MIZAN_CACHE_KEY (`server cache edge-key`)");
  process.exit(2);
}

const worker = new Miniflare({
  modules: true,
  scriptPath: fileURLToPath(new URL("./src/worker.js", import.meta.url)),
  modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
  compatibilityDate: "2026-04-01",
  host: values.host,
  port: Number(values.port),
  bindings: { MIZAN_CACHE_KEY: cacheKey, ORIGIN: values.origin },
});
const url = await worker.ready;
console.log(`edge worker on ${url.href}, in front of ${values.origin}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => worker.dispose().then(() => process.exit(0)));
}
