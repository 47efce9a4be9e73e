import { test, expect } from "../tests/fixtures";
import type { Browser, Page } from "@playwright/test";
import { hydrated, signUp } from "../tests/helpers";
import { serverB } from "../playwright.scaleout.config";

/** Signs a new user up on server A; the same browser context is signed in on B too. */
async function signedUp(browser: Browser, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signUp(page, name);
  return page;
}

test("signed up on one server, signed in on the other; logged out on it, out on both", async ({
  browser,
}) => {
  const page = await signedUp(browser, "Ada");
  await page.goto(`${serverB}/account`);
  await expect(page.getByTestId("account-name")).toHaveText("Ada");
  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/account");
  await expect(page).toHaveURL("/login?next=/account");
});

test("a message sent on one server reaches the room on the other", async ({ browser }) => {
  const room = `e2e-${Date.now().toString(36)}`;
  const ada = await signedUp(browser, "Ada");
  const bob = await signedUp(browser, "Bob");
  await ada.goto(`/chat/${room}`);
  await bob.goto(`${serverB}/chat/${room}`);
  for (const page of [ada, bob]) {
    await hydrated(page);
    await expect(page.getByTestId("connection")).toHaveText("connected");
  }
  await ada.getByLabel("Message").fill("Hello from server A");
  await ada.getByRole("button", { name: "Send" }).click();
  await expect(bob.getByTestId("messages")).toContainText("Ada: Hello from server A");
  await bob.getByLabel("Message").fill("Hello from server B");
  await bob.getByRole("button", { name: "Send" }).click();
  await expect(ada.getByTestId("messages")).toContainText("Bob: Hello from server B");
});
