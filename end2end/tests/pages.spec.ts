import { test, expect } from "./fixtures";
import type { Browser, Page, Request } from "@playwright/test";
import { hydrated, signUp, signedInAsSuperuser } from "./helpers";
import { TITLE } from "./project";

/**
 * Every page, loaded directly and reached by client-side navigation, renders with no
 * console error, uncaught exception, failed request or unexpected error status (the
 * fixture checks the console; `watch` below checks each request, stricter than the fixture).
 * Client-side navigation is where a lazily loaded chunk of the bundle would go missing.
 */
interface PageCase {
  path: string;
  /** The `<h1>` that proves the page rendered. */
  heading: string;
  who?: "anonymous" | "user" | "superuser";
  /** The HTTP status of a direct load. */
  status?: number;
  /** The name of an in-app link to the page, on page `from` (default `/`); without one,
   * the test adds a plain `<a>` to a hydrated page, which the router also handles. */
  link?: string;
  from?: string;
  /** What shows once the page is live in the browser, beyond its heading. */
  ready?: { testId: string; text: string };
}

const userName = "Page Tester";

const pages: PageCase[] = [
  { path: "/", heading: TITLE, from: "/login", link: "Home" },
  { path: "/signup", heading: "Sign up", link: "Sign up" },
  { path: "/login", heading: "Log in", link: "Log in" },
  { path: "/account", heading: "Your account", who: "user", link: userName },
  { path: "/staff", heading: "Users", who: "superuser", link: "Staff" },
  { path: "/admin", heading: "Admin", who: "superuser", link: "Admin" },
  { path: "/forgot-password", heading: "Forgot your password?", from: "/login", link: "Forgot your password?" },
  // The pages a link or a mail leads to; add yours.{% if showcase %}
  { path: "/contact", heading: "Contact us", link: "Contact" },
  { path: "/greet", heading: "Greetings", link: "Greet" },
  {
    path: "/chat/lobby",
    heading: "#lobby",
    who: "user",
    link: "Chat",
    ready: { testId: "connection", text: "connected" },
  }, // The showcase's.{% endif %}
  // Only mailed links lead to these four, and nothing links to an unknown path.
  { path: "/reset-password", heading: "Choose a new password" },
  { path: "/verify-email", heading: "Confirm your email address" },
  { path: "/confirm-email", heading: "Confirm your new email address" },
  { path: "/keep-account", heading: "Keep your account" },
  { path: "/no/such/page", heading: "Page not found", status: 404 },
];

async function signIn(page: Page, browser: Browser, who: PageCase["who"]) {
  if (who === "user") await signUp(page, userName);
  if (who === "superuser") {
    const other = await signedInAsSuperuser(browser);
    await page.context().addCookies(await other.context().cookies());
    await other.context().close();
  }
}

/**
 * Records, from now on: failed requests (aborted ones too), same-origin responses with an
 * error status other than `expected` for the page's own document, WebSocket errors, and
 * document loads.
 */
function watch(page: Page, origin: string, expected?: { path: string; status: number }) {
  const problems: string[] = [];
  const documents: string[] = [];
  const inFlight = new Set<Request>();
  page.on("request", (req) => {
    inFlight.add(req);
    if (req.isNavigationRequest()) documents.push(req.url());
  });
  page.on("requestfinished", (req) => inFlight.delete(req));
  page.on("requestfailed", (req) => {
    if (inFlight.delete(req)) {
      problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`);
    }
  });
  page.on("response", (res) => {
    const url = new URL(res.url());
    if (url.origin !== origin || res.status() < 400) return;
    const isExpected =
      expected !== undefined &&
      res.request().isNavigationRequest() &&
      url.pathname === expected.path &&
      res.status() === expected.status;
    if (!isExpected) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  page.on("websocket", (ws) =>
    ws.on("socketerror", (error) => problems.push(`websocket ${ws.url()}: ${error}`)),
  );
  /** Waits until no request is in flight. */
  const settled = () =>
    expect
      .configure({ soft: true })
      .poll(() => [...inFlight].map((req) => `${req.method()} ${req.url()}`), {
        message: "requests still in flight",
      })
      .toEqual([]);
  /** Waits until no request is in flight, then expects no problem. */
  const check = async () => {
    await settled();
    expect(problems, "requests that failed").toEqual([]);
  };
  return { documents, settled, check };
}

async function rendered(page: Page, { heading, ready }: PageCase) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
  if (ready) await expect(page.getByTestId(ready.testId)).toHaveText(ready.text);
}

for (const p of pages) {
  const status = p.status ?? 200;

  test.describe(`${p.path} (${p.who ?? "anonymous"})`, () => {
    test.use({ allowedStatuses: status === 200 ? [] : [status] });

    test("loaded directly", async ({ page, browser, baseURL }) => {
      const seen = watch(page, new URL(baseURL!).origin, { path: p.path, status });
      await signIn(page, browser, p.who);
      // A load while the sign-in's page still fetches would abort those requests.
      await seen.settled();

      const response = await page.goto(p.path);
      expect(response?.status()).toBe(status);
      await expect(page).toHaveURL(p.path);
      await hydrated(page);
      await rendered(page, p);

      await seen.check();
    });

    test("reached by client-side navigation", async ({ page, browser, baseURL }) => {
      await signIn(page, browser, p.who);
      await page.goto(p.from ?? "/");
      await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).not.toHaveText(p.heading);

      let link = page.getByRole("link", { name: p.link, exact: true });
      if (!p.link) {
        await page.evaluate((href) => {
          const a = document.createElement("a");
          a.href = href;
          a.id = "test-link";
          a.textContent = "a link added by the test";
          document.body.append(a);
        }, p.path);
        link = page.locator("#test-link");
      }

      const seen = watch(page, new URL(baseURL!).origin);
      // A page load would drop this marker.
      await page.evaluate(() => ((window as any).__sameDocument = true));
      await link.click();

      await expect(page).toHaveURL(p.path);
      await rendered(page, p);
      expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
      await seen.check();
      expect(seen.documents, "no page load").toEqual([]);
    });
  });
}
