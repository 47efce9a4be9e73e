import { test, expect } from "./fixtures";
import { hydrated } from "./helpers";
import { TITLE } from "./project";

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the home page is rendered on the server", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveTitle(TITLE);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(TITLE);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Clicked 0 times/ })).toBeVisible();
  });
});

test("the counter responds once the page has hydrated", async ({ page }) => {
  await page.goto("/");
  const button = page.getByRole("button", { name: /Clicked/ });
  const count = page.getByTestId("count");
  await expect(count).toHaveText("0");

  // Until the wasm bundle has hydrated the page a click does nothing; retry until it counts.
  await expect(async () => {
    await button.click();
    expect(Number(await count.textContent())).toBeGreaterThan(0);
  }).toPass({ timeout: 15_000 });

  const before = Number(await count.textContent());
  await button.click();
  await expect(count).toHaveText(String(before + 1));
  await expect(button).toHaveText(`Clicked ${before + 1} times`);
});

test("the stylesheet is applied", async ({ page }) => {
  await page.goto("/");
  const button = page.getByRole("button", { name: /Clicked/ });
  // The accent colour from style/main.css, not the browser's default grey button.
  await expect(button).toHaveCSS("background-color", "rgb(47, 93, 80)");
});

test("the bundle's files have hashed names and are kept for a year; pages are never stored", async ({
  page,
}) => {
  const wasm = page.waitForResponse((r) => r.url().endsWith(".wasm"));
  const response = await page.goto("/");
  expect(response?.headers()["cache-control"]).toBe("no-store");
  const bundle = await wasm;
  expect(new URL(bundle.url()).pathname).toMatch(/^\/pkg\/[a-z0-9_-]+\.[A-Za-z0-9_-]{22}\.wasm$/);
  expect(bundle.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
});
