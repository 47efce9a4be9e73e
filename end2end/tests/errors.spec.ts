import { test, expect } from "./fixtures";
import { TITLE } from "./project";

test.describe("an unknown path", () => {
  test.use({ allowedStatuses: [404] });

  test("gets the 404 page with status 404", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page).toHaveTitle(`Page not found · ${TITLE}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  });

  test("links back home", async ({ page }) => {
    await page.goto("/no/such/page");
    await page.getByRole("link", { name: "Back to the home page" }).click();
    await expect(page).toHaveURL("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(TITLE);
  });
});

test("health endpoints answer JSON", async ({ request }) => {
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toEqual({ status: "ok", database: "ok" });
});
