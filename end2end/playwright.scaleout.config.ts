import { defineConfig } from "@playwright/test";
import base from "./playwright.config";
import { serverBinary } from "./server";

// The same release build, twice (ports 3101 and 3102), sharing one PostgreSQL database and
// one Redis, as behind a load balancer. `./scripts/test` starts PostgreSQL and Redis and
// passes E2E_DATABASE_URL and E2E_REDIS_URL. A browser's cookies ignore ports, so one
// context is signed in on both servers, as it would be behind one proxy.
const ports = [3101, 3102];
const shared = {
  DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
  REDIS_URL: process.env.E2E_REDIS_URL ?? "",
  SECRET_KEY: "the shared secret key of the scale-out tests",
  LEPTOS_SITE_ROOT: "../target/site",
  MIZAN_DATA_DIR: ".data-scaleout",
  RUST_LOG: "warn",
};

export default defineConfig({
  ...base,
  testDir: "./scaleout",
  globalSetup: "./global-setup-scaleout.ts",
  use: { ...base.use, baseURL: `http://127.0.0.1:${ports[0]}` },
  webServer: ports.map((port) => ({
    command: `exec ${serverBinary}`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: { ...shared, LEPTOS_SITE_ADDR: `127.0.0.1:${port}` },
  })),
});

/** The second server's address. */
export const serverB = `http://127.0.0.1:${ports[1]}`;
