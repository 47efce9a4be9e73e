import { test, expect } from "../fixtures";
import type { Browser, Page } from "@playwright/test";
import { hydrated, signUp } from "../helpers";

/** A new user, signed up in a fresh browser context, on the page of chat room `room`. */
async function chatter(browser: Browser, name: string, room: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await openChat(page, name, room);
  return page;
}

/** Signs a new user up on `page` and opens chat room `room`, connected. */
async function openChat(page: Page, name: string, room: string) {
  await signUp(page, name);
  await page.goto(`/chat/${room}`);
  await hydrated(page);
  await expect(page.getByTestId("connection")).toHaveText("connected");
}

async function say(page: Page, text: string) {
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

const room = () => `room-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("two people in a room talk live", async ({ browser }) => {
  const here = room();
  const ada = await chatter(browser, "Ada", here);
  const bob = await chatter(browser, "Bob", here);

  await say(ada, "Hello Bob");
  await expect(bob.getByTestId("messages")).toContainText("Ada: Hello Bob");
  await say(bob, "Hello Ada");
  await expect(ada.getByTestId("messages")).toContainText("Bob: Hello Ada");
  await expect(ada.getByLabel("Message")).toHaveValue("");

  // The history comes with the page, rendered on the server.
  const later = await (await browser.newContext({ storageState: await bob.context().storageState() })).newPage();
  const html = await (await later.request.get(`/chat/${here}`)).text();
  expect(html).toContain("Hello Bob");
  expect(html).toContain("Hello Ada");
});

test("a dropped connection reconnects to the same room", async ({ browser }) => {
  const here = room();
  const ada = await chatter(browser, "Ada", here);
  const bob = await (await browser.newContext()).newPage();
  let connections = 0;
  const sockets: { close: () => Promise<void> }[] = [];
  // Bob's socket goes through the test, which can cut it like a network would.
  await bob.routeWebSocket(/\/ws\/chat/, (ws) => {
    connections += 1;
    ws.connectToServer();
    sockets.push(ws);
  });
  await openChat(bob, "Bob", here);
  expect(connections).toBe(1);

  await sockets[0].close();
  await expect(bob.getByTestId("connection")).toHaveText(/reconnecting/);
  await expect(bob.getByTestId("connection")).toHaveText("connected");
  expect(connections).toBe(2);

  await say(ada, "Are you back?");
  await expect(bob.getByTestId("messages")).toContainText("Ada: Are you back?");
});

test("switching rooms moves the connection and leaves no error behind, on the page or in the console", async ({
  page,
}) => {
  const first = room();
  const second = room();
  await openChat(page, "Ada", first);
  await say(page, "In the first room");
  await expect(page.getByTestId("messages")).toContainText("In the first room");
  // A refused message leaves an error under the box, for this room only.
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.locator(".composer").getByRole("alert")).toHaveText("write something first");

  await page.getByLabel("Another room").fill(second);
  await page.getByRole("button", { name: "Go" }).click();
  await expect(page).toHaveURL(`/chat/${second}`);
  await expect(page.getByTestId("connection")).toHaveText("connected");
  await expect(page.getByTestId("messages")).not.toContainText("In the first room");
  await expect(page.locator(".composer").getByRole("alert")).toBeHidden();
  await say(page, "In the second room");
  await expect(page.getByTestId("messages")).toContainText("Ada: In the second room");
  // The fixture fails the test on any uncaught error (the old socket's handlers).
});

test.describe("refusals", () => {
  test.use({ allowedStatuses: [403] });

  test("someone without staff rights cannot join a staff room", async ({ browser }) => {
    const page = await chatter(browser, "Plain", room());
    const response = await page.goto("/chat/staff-ops");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "You do not have access to this page",
    );
  });
});

test("a message sent between the page's render and its connection still arrives", async ({ browser }) => {
  const here = room();
  const ada = await chatter(browser, "Ada", here);
  await say(ada, "Before Bob came");
  await expect(ada.getByTestId("messages")).toContainText("Ada: Before Bob came");

  // Bob's page renders with the history, but his socket waits until Ada has spoken again.
  const bob = await (await browser.newContext()).newPage();
  await signUp(bob, "Bob");
  let release: () => void = () => {};
  const adaSpoke = new Promise<void>((resolve) => (release = resolve));
  const urls: string[] = [];
  await bob.routeWebSocket(/\/ws\/chat/, async (ws) => {
    urls.push(ws.url());
    await adaSpoke;
    ws.connectToServer();
  });
  await bob.goto(`/chat/${here}`);
  await hydrated(bob);
  await expect(bob.getByTestId("messages")).toContainText("Ada: Before Bob came");
  await expect.poll(() => urls.length).toBe(1);
  expect(urls[0]).toContain("after=");

  await say(ada, "Sent while Bob was connecting");
  await expect(ada.getByTestId("messages")).toContainText("Ada: Sent while Bob was connecting");
  release();
  await expect(bob.getByTestId("connection")).toHaveText("connected");
  await expect(bob.getByTestId("messages")).toContainText("Ada: Sent while Bob was connecting");
  // Once, not twice.
  await expect(bob.getByTestId("messages").getByText("Sent while Bob was connecting")).toHaveCount(1);
});
