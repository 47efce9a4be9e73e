import { test, expect } from "./fixtures";

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the home page is rendered on the server", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveTitle("Mizan");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mizan for Leptos");
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
