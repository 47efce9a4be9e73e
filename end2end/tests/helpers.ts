import { expect, type Page } from "@playwright/test";

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
