import { test as base, expect } from "@playwright/test";

/**
 * Every page test also checks what a person would notice in the browser's developer tools:
 * no console errors, no uncaught exceptions, no failed requests, no unexpected 4xx/5xx,
 * and no Content-Security-Policy violation.
 * A test that expects an error status lists it in `allowedStatuses`.
 */
const statusInConsole = /status of (\d{3})/;

export const test = base.extend<{ allowedStatuses: number[]; browserProblems: string[] }>({
  allowedStatuses: [[], { option: true }],
  browserProblems: [
    async ({ page, allowedStatuses, javaScriptEnabled }, use) => {
      const problems: string[] = [];
      // Every Content-Security-Policy violation is a problem, whatever it blocked.
      await page.exposeFunction("__reportCspViolation", (text: string) =>
        problems.push(`CSP violation: ${text}`),
      );
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          const report = (window as unknown as Record<string, (text: string) => void>)
            .__reportCspViolation;
          report?.(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
        });
      });
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        // Chromium also logs an expected error status (a 404 page) as a console error.
        const status = Number(statusInConsole.exec(msg.text())?.[1]);
        if (!allowedStatuses.includes(status)) problems.push(`console error: ${msg.text()}`);
      });
      page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
      page.on("requestfailed", (req) => {
        const reason = req.failure()?.errorText;
        // With JavaScript off, Playwright blocks the scripts the page links ("csp").
        if (!javaScriptEnabled && reason === "csp") return;
        // A navigation cancels the requests the previous page still had open.
        if (reason === "net::ERR_ABORTED") return;
        problems.push(`request failed: ${req.url()} (${reason})`);
      });
      page.on("response", (res) => {
        if (res.status() >= 400 && !allowedStatuses.includes(res.status())) {
          problems.push(`HTTP ${res.status()}: ${res.url()}`);
        }
      });
      await use(problems);
      expect(problems, "problems seen in the browser").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
