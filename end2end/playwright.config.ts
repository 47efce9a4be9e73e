import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { serverBinary } from "./server";

// Tests run against the release build (`cargo leptos build --release --split --precompress`), started here on
// its own port with a fresh data directory, so a dev server on :3000 does not interfere.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

// Debian's chromium when present; Playwright's own browser otherwise. Browsers are never
// downloaded by these scripts.
const chromium = "/usr/bin/chromium";
const executablePath = existsSync(chromium) ? chromium : undefined;

export default defineConfig({
  testDir: "./tests",
  // Runs after the web server has started on a fresh data directory.
  globalSetup: "./global-setup.ts",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: {
    command: `rm -rf .data && exec ${serverBinary}`,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: "../target/site",
      MIZAN_DATA_DIR: ".data",
      // The fresh SQLite file in .data, whatever a `.env` names (set, even empty, it wins).
      DATABASE_URL: "",
      RUST_LOG: "warn",
    },
  },
});
