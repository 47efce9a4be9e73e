import { test, expect } from "./fixtures";
import type { Page } from "@playwright/test";
import { superuser } from "../global-setup";
import { hydrated, password, uniqueEmail } from "./helpers";

/** Opens the home page and waits for it to hydrate. */
async function home(page: Page) {
  await page.goto("/");
  await hydrated(page);
}

/** Submits the login form, from the home page's nav. */
async function submitLogin(page: Page, email: string, pw: string) {
  await home(page);
  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(pw);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function logIn(page: Page, email: string, pw: string) {
  await submitLogin(page, email, pw);
  await expect(page).toHaveURL("/account");
}

async function signUp(page: Page, email: string, name = "Ada Lovelace") {
  await home(page);
  await page.getByRole("link", { name: "Sign up" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL("/account");
}

test("sign up, log out and log in again, without page reloads", async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await expect(page.getByTestId("nav-user")).toHaveText("Ada Lovelace");
  await expect(page.getByTestId("account-name")).toHaveText("Ada Lovelace");

  // A full page load would drop this marker: the nav must change without one.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await expect(page.getByTestId("nav-user")).toHaveCount(0);

  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL("/account");
  await expect(page.getByTestId("nav-user")).toHaveText("Ada Lovelace");
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test("a superuser makes a user staff, who then sees the staff page", async ({ browser }) => {
  const email = uniqueEmail();
  const userPage = await (await browser.newContext()).newPage();
  await signUp(userPage, email, "New Staff");

  const rootPage = await (await browser.newContext()).newPage();
  await logIn(rootPage, superuser.email, superuser.password);
  await expect(rootPage.getByTestId("account-role")).toHaveText("superuser");
  await rootPage.getByRole("link", { name: "Admin" }).click();
  await expect(rootPage.getByRole("heading", { level: 1 })).toHaveText("Admin");
  await rootPage.getByRole("button", { name: `Make staff: ${email}` }).click();
  await expect(rootPage.getByRole("button", { name: `Remove staff: ${email}` })).toBeVisible();

  const response = await userPage.goto("/staff");
  expect(response?.status()).toBe(200);
  await expect(userPage.getByRole("heading", { level: 1 })).toHaveText("Users");
  await expect(userPage.getByRole("cell", { name: email })).toBeVisible();
  await expect(userPage.getByRole("link", { name: "Staff", exact: true })).toBeVisible();
});

test("a superuser deactivates an account: its owner is signed out at once", async ({ browser }) => {
  const email = uniqueEmail();
  const userPage = await (await browser.newContext()).newPage();
  await signUp(userPage, email, "Soon Gone");

  const rootPage = await (await browser.newContext()).newPage();
  await logIn(rootPage, superuser.email, superuser.password);
  await rootPage.goto("/admin");
  await rootPage.getByRole("button", { name: `Deactivate: ${email}` }).click();
  await expect(rootPage.getByRole("button", { name: `Reactivate: ${email}` })).toBeVisible();

  await userPage.goto("/account");
  await expect(userPage).toHaveURL("/login?next=/account");
});

test.describe("refusals", () => {
  test.use({ allowedStatuses: [403, 422] });

  test("a wrong password is refused with a message", async ({ page }) => {
    await submitLogin(page, uniqueEmail(), "not the password");
    await expect(page.getByRole("alert")).toHaveText("the email or the password is wrong");
  });

  test("a signed-in user without staff rights gets a 403 page", async ({ page }) => {
    await signUp(page, uniqueEmail());
    const response = await page.goto("/staff");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "You do not have access to this page",
    );
  });
});

test("an anonymous visitor is sent to the login page", async ({ page }) => {
  await page.goto("/account");
  await expect(page).toHaveURL("/login?next=/account");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
});

test("a signed-in page load does not ask for the current user again", async ({ page }) => {
  await signUp(page, uniqueEmail());
  const asked: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/current_user")) asked.push(request.url());
  });
  await page.goto("/account");
  await expect(page.getByTestId("nav-user")).toHaveText("Ada Lovelace");
  await hydrated(page);
  expect(asked).toEqual([]);
});

test("renaming yourself on /account updates the page and the nav without a reload", async ({
  page,
}) => {
  await signUp(page, uniqueEmail());
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByLabel("Display name").fill("Augusta Ada");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("nav-user")).toHaveText("Augusta Ada");
  await expect(page.getByTestId("account-name")).toHaveText("Augusta Ada");
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("log out posts its form and the page comes back signed out", async ({ page }) => {
    // Signed up through the API: the page's request context shares the browser's cookies.
    const signup = await page.request.post("/api/signup.submit", {
      form: { name: "No Script", email: uniqueEmail(), password },
    });
    expect(signup.ok()).toBeTruthy();
    await page.goto("/forgot-password");
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL("/forgot-password");
    await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  });
});
