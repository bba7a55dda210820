// The Installations story on the demo tenant: sign in, read where FlashDuty is installed (a
// paced sync at Teams' real limits, so it takes some seconds), see the coverage picture, pick
// every outdated team and upgrade them in bulk — which first asks to sign in again for the
// installing permissions — and see them turn current (1.0.2).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { approveDeviceCode, byTestId, screenshot, startSession } from "./harness.mjs";

let session;
let browser;

before(async () => {
  session = await startSession({ args: ["--demo"] });
  browser = session.browser;
  await browser.$(byTestId("profile-label")).waitForExist({ timeout: 30000 });
});

after(async () => {
  await session?.close();
});

/** Empties a text field the way a person does, so React sees each change. */
async function clearField(id) {
  const field = browser.$(byTestId(id));
  const length = (await field.getValue()).length;
  await field.click();
  await browser.keys("End");
  for (let i = 0; i < length; i++) await browser.keys("Backspace");
}

const count = async () => Number((await browser.$(byTestId("inventory-count")).getText()).replace(/\D/g, ""));

test("sign in to the demo tenant (reading only)", async () => {
  await browser.$(byTestId("profile-area")).click();
  await browser.$(byTestId("menu-sign-in")).click();
  await approveDeviceCode(browser);
  await browser.waitUntil(async () => /Megan Bowen/.test(await browser.$(byTestId("profile-label")).getText()), {
    timeout: 30000,
  });
});

test("sync reads where FlashDuty is installed and draws the coverage", async () => {
  await browser.$(byTestId("nav-installations")).click();
  assert.equal(await browser.$(byTestId("sync-age")).getText(), "Never synced");
  await browser.$(byTestId("installs-load-apps")).click();
  const picker = browser.$(byTestId("installs-app"));
  await browser.waitUntil(async () => /FlashDuty/.test(await picker.getText()), { timeout: 30000 });
  await picker.selectByVisibleText("FlashDuty");
  await browser.$(byTestId("installs-sync")).waitForEnabled({ timeout: 10000 });
  await browser.$(byTestId("installs-sync")).click();
  // Progress shows in the page and in the status bar while the paced sync runs.
  await browser.$(byTestId("sync-progress")).waitForExist({ timeout: 10000 }).catch(() => undefined);
  await browser.waitUntil(
    async () => (await browser.$(byTestId("sync-age")).getAttribute("data-status")) === "completed",
    { timeout: 180000, interval: 500, timeoutMsg: "the sync did not complete" },
  );
  assert.equal(await browser.$(byTestId("status-work")).getText(), "No background work");
  const teams = browser.$(byTestId("coverage-team"));
  await teams.waitForExist({ timeout: 10000 });
  assert.equal(Number(await teams.getAttribute("data-installed")), 12);
  assert.ok(Number(await teams.getAttribute("data-not-installed")) > 20);
  assert.equal(await browser.$(byTestId("version-1.0.0")).getAttribute("data-outdated"), "true");
  assert.match(await browser.$(byTestId("installs-notice")).getText(), /Synced FlashDuty/);
  assert.ok(Number(await browser.$(byTestId("coverage-user")).getAttribute("data-installed")) >= 5);
  await screenshot(browser, "installs-coverage");
});

test("every outdated team is upgraded in bulk, after signing in again for installing", async () => {
  await browser.$(byTestId("filter-kind")).selectByAttribute("value", "team");
  await browser.$(byTestId("filter-older")).setValue("1.0.2");
  await browser.$(byTestId("filter-hide-archived")).click();
  await browser.waitUntil(async () => (await count()) === 4, { timeout: 10000, timeoutMsg: "4 outdated active teams" });

  const openAndPreview = async () => {
    await browser.$(byTestId("bulk-open")).click();
    await browser.$(byTestId("bulk-drawer")).waitForExist({ timeout: 5000 });
    assert.equal(await browser.$(byTestId("bulk-action-upgrade")).isSelected(), true);
    await browser.$(byTestId("bulk-source-0")).click();
    await browser.$(byTestId("bulk-preview")).click();
    const plan = browser.$(byTestId("bulk-plan"));
    await plan.waitForExist({ timeout: 10000 });
    assert.equal(await plan.getAttribute("data-planned"), "4");
    await browser.$(byTestId("bulk-run")).click();
  };

  await openAndPreview();
  // The read-only sign-in lacks the installing permissions: the page offers to add them.
  const prompt = browser.$(byTestId("consent-needed"));
  await prompt.waitForExist({ timeout: 15000 });
  assert.match(await prompt.getText(), /Sign in again to allow installing/);
  await browser.$(byTestId("consent-sign-in")).click();
  await approveDeviceCode(browser);

  await openAndPreview();
  const progress = browser.$(byTestId("bulk-progress"));
  if (await progress.waitForExist({ timeout: 3000 }).catch(() => false)) {
    await screenshot(browser, "installs-bulk-progress");
  }
  const result = browser.$(byTestId("bulk-result"));
  await result.waitForExist({ timeout: 120000, timeoutMsg: "the bulk run did not finish" });
  assert.equal(await result.getAttribute("data-status"), "completed");
  assert.equal(await result.getAttribute("data-failed"), "0");
  assert.match(await result.getText(), /4 done/);
  await browser.$(byTestId("bulk-close")).click();

  // The same filter now finds nothing: every active team is current.
  await browser.waitUntil(async () => (await count()) === 0, { timeout: 10000, timeoutMsg: "outdated teams remain" });
  await clearField("filter-older");
  await browser.$(byTestId("filter-text")).setValue("Payments Team");
  const payments = browser.$('[data-testid^="row-"][data-state="installed"]');
  await payments.waitForExist({ timeout: 10000 });
  await browser.waitUntil(async () => (await count()) === 1, { timeout: 10000 });
  assert.equal(await payments.getAttribute("data-version"), "1.0.2");
  await clearField("filter-text");
  await browser.waitUntil(async () => (await count()) > 30, { timeout: 10000 });
  // Only the group chat "Payments incident 4711" is still at 1.0.1: chats were not selected.
  assert.equal(await browser.$(byTestId("version-1.0.1")).getAttribute("data-count"), "1");
  await screenshot(browser, "installs-after");
});
