import { test, expect } from "../fixtures";
import type { Page } from "@playwright/test";
import { hydrated, requestsTo, signedInAsSuperuser } from "../helpers";

async function fillContact(page: Page, values: Record<string, string>) {
  for (const [label, value] of Object.entries(values)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
}

const good = {
  "Your name": "Ada Lovelace",
  Email: "ada@example.com",
  Subject: "Engines",
  Message: "A note about the analytical engine.",
};

test("invalid input shows errors in the browser and sends nothing", async ({ page }) => {
  const calls = requestsTo(page, "/api/contact");
  await page.goto("/contact");
  await hydrated(page);

  await page.getByLabel("Email", { exact: true }).fill("not an email");
  await page.getByLabel("Email", { exact: true }).blur();
  await expect(page.locator("#contact-email-error")).toHaveText(
    "enter an email address like name@example.com",
  );
  await page.getByLabel("Urgency (1 to 5)").fill("9");
  await page.getByLabel("Urgency (1 to 5)").blur();
  await expect(page.locator("#contact-urgency-error")).toHaveText("enter a number from 1 to 5");

  // Submitting shows every error at once, and still nothing is sent.
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.locator("#contact-name-error")).toHaveText("this field is required");
  await expect(page.locator("#contact-message-error")).toHaveText("this field is required");
  await expect(page.getByLabel("Email", { exact: true })).toHaveAttribute("aria-invalid", "true");
  expect(calls).toEqual([]);
  await expect(page).toHaveURL("/contact");

  // Fixing a field clears its error as you type.
  await page.getByLabel("Email", { exact: true }).fill("ada@example.com");
  await expect(page.locator("#contact-email-error")).toBeEmpty();
});

test("a valid message is sent once, thanked, and reaches the staff page", async ({
  page,
  browser,
}) => {
  const subject = `Engines ${Date.now()}`;
  const calls = requestsTo(page, "/api/contact");
  await page.goto("/contact");
  await hydrated(page);
  await fillContact(page, { ...good, Subject: subject, "Urgency (1 to 5)": "3" });
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("status")).toContainText("Thank you: your message was sent.");
  expect(calls).toEqual(["POST /api/contact.submit"]);

  const staff = await signedInAsSuperuser(browser);
  await staff.goto("/staff");
  const row = staff.getByTestId("contact-messages").getByRole("row", { name: subject });
  await expect(row).toContainText("ada@example.com");
  await expect(row).toContainText("3");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, allowedStatuses: [422] });

  test("the form posts to its page, which answers with errors, then with thanks", async ({
    page,
  }) => {
    await page.goto("/contact");
    await fillContact(page, { ...good, Email: "nope" });
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Send" }).click(),
    ]);
    expect(refused.status()).toBe(422);
    await expect(page.locator("#contact-email-error")).toHaveText(
      "enter an email address like name@example.com",
    );
    // What was typed is still there.
    await expect(page.getByLabel("Subject")).toHaveValue("Engines");

    await page.getByLabel("Email", { exact: true }).fill("ada@example.com");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByRole("status")).toContainText("Thank you: your message was sent.");
  });

  test("the greeting is rendered on the server", async ({ page }) => {
    await page.goto("/greet?name=Ada");
    await expect(page.getByTestId("greeting")).toHaveText("Hello, Ada!");
  });
});

test("the greeting provider renders on the server, then updates live", async ({ page }) => {
  const calls = requestsTo(page, "/api/greet");
  await page.goto("/greet?name=Ada");
  await expect(page.getByTestId("greeting")).toHaveText("Hello, Ada!");
  await hydrated(page);
  expect(calls, "hydration reads the greeting from the page").toEqual([]);

  await page.getByLabel("Your name").fill("Grace");
  await expect(page.getByTestId("greeting")).toHaveText("Hello, Grace!");
  expect(calls.length).toBeGreaterThan(0);
});
