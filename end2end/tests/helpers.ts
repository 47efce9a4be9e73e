import { expect, type Browser, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";
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
  await logIn(page, superuser.email, superuser.password);
  await expect(page).toHaveURL("/account");
  return page;
}

/** Fills and sends the login form on `page` as `email` (where it leads is the caller's to
 * check). */
export async function logIn(page: Page, email: string, secret: string = password) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(secret);
  await page.getByRole("button", { name: "Log in" }).click();
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

/** The code an authenticator app shows for base32 `secret` (as the account page shows
 * it, spaces and all) at 30-second step `step` (RFC 6238: HMAC-SHA1, six digits). */
export function totp(secret: string, step: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const letter of secret.replace(/\s/g, "").toUpperCase()) {
    bits += alphabet.indexOf(letter).toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 15;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

/** The 30-second step of now. */
export const stepNow = () => Math.floor(Date.now() / 30_000);
