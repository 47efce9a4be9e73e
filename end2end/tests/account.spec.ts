import { readFileSync } from "node:fs";
import { test, expect } from "./fixtures";
import type { Page } from "@playwright/test";
import { hydrated, logIn, password, signUp, stepNow, totp } from "./helpers";

/** Opens the newest mail to `to` about `subject` in the development mailbox (some mail
 * leaves in the background: the mailbox is reloaded until it is there), and follows its
 * link. */
async function followMailedLink(page: Page, to: string, subject: string) {
  const mail = page.locator("article", { hasText: `To: ${to}` }).filter({ hasText: subject }).first();
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(mail).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await mail.getByRole("link").click();
}

test("sign up, verify the email from the mailbox, reset the password, log in with it", async ({
  page,
}) => {
  const email = await signUp(page, "Grace");
  await expect(page.getByTestId("email-status")).toHaveText("not verified yet");

  await followMailedLink(page, email, "Confirm your email address");
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(page.getByRole("status")).toHaveText("Your email address is verified: thank you.");
  await page.goto("/account");
  await expect(page.getByTestId("email-status")).toHaveText("verified");

  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();

  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  // The page is a lazy route: until it has loaded, the login page (with its own Email
  // field) is still the one shown.
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Mail me a link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account uses this address");

  await followMailedLink(page, email, "Reset your password");
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  await hydrated(page);
  const newPassword = "a completely new password";
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password is changed");

  await page.getByRole("link", { name: "Log in with your new password" }).click();
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL("/account");
  await expect(page.getByTestId("nav-user")).toHaveText("Grace");
});

test("the account page lists its sessions, and ending another one signs that browser out", async ({
  page,
  browser,
}) => {
  const email = await signUp(page, "Hedy");
  // The same account, signed in on a second browser.
  const laptop = await (await browser.newContext()).newPage();
  await logIn(laptop, email);
  await expect(laptop).toHaveURL("/account");

  await page.reload();
  await hydrated(page);
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: "this browser" })).toHaveCount(1);
  const other = sessions.filter({ hasNotText: "this browser" });
  await expect(other).toContainText("Chrome");
  await expect(other).toContainText("127.0.0.1");
  await other.getByRole("button", { name: "End" }).click();
  await expect(sessions).toHaveCount(1);

  // The laptop's next visit finds itself signed out; this browser stays signed in.
  await laptop.goto("/account");
  await expect(laptop).toHaveURL(/\/login\?next=/);
  await page.reload();
  await expect(page.getByTestId("nav-user")).toHaveText("Hedy");
});

test("two-factor sign-in: turned on with a QR code and a first code, then a log-in asks for a fresh one", async ({
  page,
  browser,
}) => {
  const email = await signUp(page, "Grace");
  // Two-factor sign-in protects a proven address.
  await followMailedLink(page, email, "Confirm your email address");
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(page.getByRole("status")).toHaveText("Your email address is verified: thank you.");
  await page.goto("/account");
  await hydrated(page);
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(page.locator(".qr svg")).toBeVisible();
  const secret = (await page.getByTestId("two-factor-secret").textContent()) ?? "";
  const step = stepNow();
  await page.getByLabel("Code from the app").fill(totp(secret, step));
  await page.getByLabel("Your password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Turn it on" }).click();
  await expect(page.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
  await expect(page.getByTestId("two-factor-status")).toContainText("On:");

  // Another browser: the password leads to the second step, and a code of the app in.
  const phone = await (await browser.newContext()).newPage();
  await logIn(phone, email);
  await expect(phone).toHaveURL("/login/code?next=%2Faccount");
  await phone.getByLabel("Code", { exact: true }).fill("000000");
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(phone.getByText("this code is wrong or was used already")).toBeVisible();
  // A code of a later step than the one that turned it on (that one is used).
  await phone.getByLabel("Code", { exact: true }).fill(totp(secret, Math.max(stepNow(), step + 1)));
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(phone).toHaveURL("/account");
  await expect(phone.getByTestId("nav-user")).toHaveText("Grace");
});

test("download the account's data, ask to delete it, and keep it from the mailed link", async ({
  page,
}) => {
  const email = await signUp(page, "Hedy");
  await hydrated(page);

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download your data" }).click();
  const data = JSON.parse(readFileSync((await (await download).path())!, "utf8"));
  expect(data.account.email).toBe(email);
  expect(data.sessions).toHaveLength(1);

  await page.getByLabel("Your password, or a code from your app").fill(password);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByTestId("deletion-status")).toContainText("Your account will be deleted on");
  // Until then it works as before.
  await page.reload();
  await expect(page.getByTestId("deletion-status")).toContainText("Your account will be deleted on");

  await followMailedLink(page, email, "Your account will be deleted");
  await expect(page).toHaveURL(/\/keep-account\?token=/);
  await hydrated(page);
  await page.getByRole("button", { name: "Keep my account" }).click();
  await expect(page.getByRole("status")).toContainText("Your account is kept");
  await page.goto("/account");
  await expect(page.getByTestId("deletion-status")).toContainText("Deleting it removes everything");
});
