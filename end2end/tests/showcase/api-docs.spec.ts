import { test, expect } from "../fixtures";

/**
 * `/api/docs`: the API's page (Swagger UI, served by the site itself) lists every
 * function from `/api/openapi.json` and calls one for real.
 */
test("the API page lists the functions and calls one", async ({ page }) => {
  const origins = new Set<string>();
  page.on("request", (request) => origins.add(new URL(request.url()).origin));

  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { name: /^Mizan/ })).toBeVisible();
  const echo = page.locator("#operations-functions-echo");
  await expect(echo).toBeVisible();
  await expect(page.locator("#operations-contact-contact_submit")).toBeVisible();

  await echo.locator(".opblock-summary-control").click();
  await echo.getByRole("button", { name: "Try it out" }).click();
  await echo.locator("textarea.body-param__text").fill('{"text": "from the API page"}');
  await echo.getByRole("button", { name: "Execute" }).click();
  const live = echo.locator(".live-responses-table");
  await expect(live.locator("tr.response .response-col_status")).toHaveText("200");
  await expect(live).toContainText('"message": "from the API page"');

  // Nothing came from another site.
  expect([...origins]).toEqual([new URL(page.url()).origin]);
});
