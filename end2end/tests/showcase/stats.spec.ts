import { test, expect } from "../fixtures";
import { hydrated, signedInAsSuperuser } from "../helpers";

test("the cached report is served from the cache until staff recompute it", async ({
  page,
  browser,
}) => {
  await page.goto("/");
  const computed = page.getByTestId("stats-computed");
  await expect(computed).toContainText("Computed at");
  const first = await computed.textContent();
  await page.reload();
  await expect(computed).toHaveText(first!);

  const staff = await signedInAsSuperuser(browser);
  await staff.goto("/");
  await hydrated(staff);
  const before = await staff.getByTestId("stats-computed").textContent();
  // The clock shows seconds: wait for it to move on, then recompute.
  await staff.waitForTimeout(1100);
  await staff.getByRole("button", { name: "Recompute now" }).click();
  await expect(staff.getByTestId("stats-computed")).not.toHaveText(before!);
});
