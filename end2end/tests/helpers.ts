import { expect, type Browser, type Page } from "@playwright/test";
import { superuser } from "../global-setup";

/** Waits until the WebAssembly bundle has hydrated the page (it marks `<body>`). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1, { timeout: 15_000 });
}

/** Collects the requests a page sends whose path starts with `prefix`. */
export function requestsTo(page: Page, prefix: string): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith(prefix)) seen.push(`${request.method()} ${path}`);
  });
  return seen;
}

export const password = "a long enough password";
export const uniqueEmail = () =>
  `user-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** A page in a fresh browser context, signed in as the superuser from global setup. */
export async function signedInAsSuperuser(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(superuser.email);
  await page.getByLabel("Password").fill(superuser.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL("/account");
  return page;
}

/**
 * Signs a new user called `name` up on `page`, which ends on `/account`, signed in.
 * Returns the account's email.
 */
export async function signUp(page: Page, name: string): Promise<string> {
  const email = uniqueEmail();
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL("/account");
  return email;
}
