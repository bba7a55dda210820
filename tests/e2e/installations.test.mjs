// The Installations story on the demo tenant: sign in, read where FlashDuty is installed (a
// paced sync at Teams' real limits, so it takes some seconds), see the coverage picture, pick
// every outdated team and upgrade them in bulk — which first asks to sign in again for the
// installing permissions — and see them turn current (1.0.2).
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { approveDeviceCode, byTestId, screenshot, startSession, openPage, test } from "./harness.mjs";

let session;
let browser;
/** tenant-sim's origin (its `/_sim` controls inject the latency that keeps a run going). */
let sim;

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
  sim = await approveDeviceCode(browser);
  await browser.waitUntil(async () => /Megan Bowen/.test(await browser.$(byTestId("profile-label")).getText()), {
    timeout: 30000,
  });
});

test("sync reads where FlashDuty is installed and draws the coverage", async () => {
  await openPage(browser, "installations");
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
  // The read-only sign-in lacks the installing permissions: the drawer asks to add them, stays
  // open, and repeats the run itself once signed in.
  const drawer = browser.$(byTestId("bulk-drawer"));
  const prompt = drawer.$(byTestId("consent-needed"));
  await prompt.waitForExist({ timeout: 15000 });
  assert.match(await prompt.getProperty("textContent"), /Sign in again to allow installing/);
  await screenshot(browser, "installs-bulk-sign-in-again");
  await drawer.$(byTestId("consent-sign-in")).click();
  await approveDeviceCode(browser);
  assert.ok(await drawer.isExisting(), "the drawer stayed open");

  const progress = browser.$(byTestId("bulk-progress"));
  if (await progress.waitForExist({ timeout: 3000 }).catch(() => false)) {
    await screenshot(browser, "installs-bulk-progress");
  }
  const result = browser.$(byTestId("bulk-result"));
  await result.waitForExist({ timeout: 120000, timeoutMsg: "the bulk run did not finish" });
  assert.equal(await result.getAttribute("data-status"), "completed");
  assert.equal(await result.getAttribute("data-failed"), "0");
  assert.match(await result.getProperty("textContent"), /Completed: 4 done, 0 failed/);
  // After the run: the outcome and the next step, not the spent plan with its Run button.
  assert.equal(await browser.$(byTestId("bulk-run")).isExisting(), false);
  assert.ok(await browser.$(byTestId("bulk-start-over")).isExisting());
  assert.equal(await browser.$(byTestId("installs-notice")).isExisting(), false, "no 'Signed in. Try again.'");
  await screenshot(browser, "installs-bulk-done");
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

async function simFaults(rules) {
  const res = await fetch(`${sim}/_sim/faults`, {
    method: rules ? "PUT" : "DELETE",
    headers: { "content-type": "application/json" },
    body: rules ? JSON.stringify({ rules }) : undefined,
  });
  assert.ok(res.ok, `faults: ${res.status} ${await res.text()}`);
}

test("a full resync of teams only leaves chats and users as they were and says what it read", async () => {
  const chatsBefore = await browser.$(byTestId("coverage-chat")).getAttribute("data-installed");
  const usersBefore = await browser.$(byTestId("coverage-user")).getAttribute("data-installed");
  // From the keyboard: Enter on the options button puts focus in the menu, arrows move, Space
  // toggles.
  const trigger = await browser.$('button[aria-label="Sync options"]');
  await browser.execute((el) => el.focus(), trigger);
  await browser.keys("Enter");
  await browser.$(byTestId("sync-kind-chat")).waitForDisplayed({ timeout: 5000 });
  const focused = async () => browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? "");
  await browser.waitUntil(async () => (await focused()) === "sync-kind-team", { timeout: 5000, timeoutMsg: "focus in the menu" });
  await browser.keys("ArrowDown");
  assert.equal(await focused(), "sync-kind-chat");
  await browser.keys("Space");
  await browser.keys("ArrowDown");
  assert.equal(await focused(), "sync-kind-user");
  await browser.keys("Space");
  assert.equal(await browser.$(byTestId("sync-kind-team")).getAttribute("aria-checked"), "true");
  assert.equal(await browser.$(byTestId("sync-kind-chat")).getAttribute("aria-checked"), "false");
  assert.match(await browser.$(byTestId("sync-fresh")).getText(), /Full resync of teams/);
  await screenshot(browser, "installs-sync-options");
  await browser.$(byTestId("sync-fresh")).click();
  const notice = browser.$(byTestId("installs-notice"));
  await browser.waitUntil(async () => /Synced FlashDuty \(teams only\)/.test(await notice.getText().catch(() => "")), {
    timeout: 180000,
    interval: 500,
    timeoutMsg: "the teams-only resync did not finish",
  });
  assert.match(await browser.$(byTestId("sync-age")).getText(), /FlashDuty synced just now \(teams\)/);
  assert.equal(await browser.$(byTestId("installs-sync")).getText(), "Sync teams");
  // Chats and users were not read, and their cached rows are still there.
  assert.equal(await browser.$(byTestId("coverage-chat")).getAttribute("data-installed"), chatsBefore);
  assert.equal(await browser.$(byTestId("coverage-user")).getAttribute("data-installed"), usersBefore);
  // The upgrade made every active team current; the resync read Graph and agrees.
  assert.equal(await browser.$(byTestId("version-1.0.1")).getAttribute("data-count"), "1");
});

test("Cancel stops a bulk install after the requests on the wire and counts what was not attempted", async () => {
  // Most installs are throttled (429, Retry-After 5 s): the run waits them out, and Cancel
  // drops what is still waiting.
  await simFaults([{ route: "/v1.0/teams/*/installedApps", method: "POST", rate_429: 0.8, retry_after_secs: 5 }]);
  try {
    await browser.$(byTestId("bulk-open")).click();
    await browser.$(byTestId("bulk-drawer")).waitForExist({ timeout: 5000 });
    await browser.$(byTestId("bulk-action-install")).click();
    await browser.$(byTestId("bulk-source-0")).click();
    await browser.$(byTestId("bulk-preview")).click();
    const plan = browser.$(byTestId("bulk-plan"));
    await plan.waitForExist({ timeout: 10000 });
    const planned = Number(await plan.getAttribute("data-planned"));
    assert.ok(planned > 4, `planned ${planned}`);
    await browser.$(byTestId("bulk-run")).click();
    const cancel = browser.$(byTestId("bulk-cancel"));
    await cancel.waitForClickable({ timeout: 10000 });
    await cancel.click();
    await browser.waitUntil(async () => (await cancel.getProperty("textContent").catch(() => "")) === "Cancelling…" || !(await cancel.isExisting()), {
      timeout: 5000,
      timeoutMsg: "Cancel did not turn into Cancelling…",
    });
    await screenshot(browser, "installs-bulk-cancelling");
    const result = browser.$(byTestId("bulk-result"));
    await result.waitForExist({ timeout: 60000, timeoutMsg: "the cancelled run did not end" });
    assert.equal(await result.getAttribute("data-status"), "cancelled");
    const notAttempted = Number(await result.getAttribute("data-not-attempted"));
    assert.ok(notAttempted > 0 && notAttempted < planned, `not attempted ${notAttempted} of ${planned}`);
    const said = await browser.$(byTestId("bulk-result-text")).getProperty("textContent");
    assert.match(said, new RegExp(`Cancelled: \\d+ done, \\d+ failed, ${notAttempted} not attempted`));
    assert.equal(await browser.$(byTestId("bulk-run")).isExisting(), false);
    assert.match(await browser.$(byTestId("bulk-resume-current")).getProperty("textContent"), /Continue with the \d+ not attempted/);
    await screenshot(browser, "installs-bulk-cancelled");
    await browser.$(byTestId("bulk-close")).click();
  } finally {
    await simFaults(null);
  }
});

test("a bulk install the admin leaves mid-run is finished and retryable on return", async () => {
  const installedBefore = Number(await browser.$(byTestId("coverage-team")).getAttribute("data-installed"));
  // Every $batch answer takes 4 s, so the run is certainly still going when the admin leaves.
  await simFaults([{ route: "/v1.0/$batch", method: "POST", latency_ms: 4000 }]);
  try {
    await browser.$(byTestId("bulk-open")).click();
    await browser.$(byTestId("bulk-drawer")).waitForExist({ timeout: 5000 });
    await browser.$(byTestId("bulk-action-install")).click();
    // The current filter: active teams, so the not-installed ones and "Legal", whose
    // installedApps answer 403 (a failed item to retry).
    await browser.$(byTestId("bulk-source-0")).click();
    await browser.$(byTestId("bulk-preview")).click();
    const plan = browser.$(byTestId("bulk-plan"));
    await plan.waitForExist({ timeout: 10000 });
    const planned = Number(await plan.getAttribute("data-planned"));
    assert.ok(planned > 1, `planned ${planned}`);
    await browser.$(byTestId("bulk-run")).click();
    await browser.$(byTestId("bulk-progress")).waitForExist({ timeout: 10000 });
    await browser.$(byTestId("bulk-close")).click();
    // The page keeps showing the run the drawer no longer does.
    await browser.$(byTestId("bulk-running")).waitForExist({ timeout: 5000 });

    await openPage(browser, "overview");
    await browser.$(byTestId("installations-page")).waitForExist({ reverse: true, timeout: 5000 });
    assert.equal(await browser.$(byTestId("status-work")).getAttribute("data-busy"), "true", "left mid-run");
    assert.match(await browser.$(byTestId("status-work")).getText(), /Install FlashDuty/);
    await screenshot(browser, "installs-left-mid-run");
    await browser.waitUntil(async () => (await browser.$(byTestId("status-work")).getText()) === "No background work", {
      timeout: 180000,
      interval: 500,
      timeoutMsg: "the bulk run did not finish",
    });
  } finally {
    await simFaults(null);
  }

  await openPage(browser, "installations");
  const outcome = browser.$(byTestId("bulk-outcome"));
  await outcome.waitForExist({ timeout: 10000 });
  assert.equal(await outcome.getAttribute("data-status"), "completed");
  assert.equal(await outcome.getAttribute("data-failed"), "1");
  // The page re-read the cache: the installed teams are counted.
  const teams = browser.$(byTestId("coverage-team"));
  await browser.waitUntil(async () => Number(await teams.getAttribute("data-installed")) > installedBefore, {
    timeout: 10000,
    timeoutMsg: "the coverage did not count the new installs",
  });
  assert.equal(Number(await teams.getAttribute("data-installed")), installedBefore + Number(await outcome.getText().then((t) => t.match(/(\d+) done/)?.[1] ?? "0")));
  await screenshot(browser, "installs-outcome-after-return");

  await browser.$(byTestId("bulk-outcome-show")).click();
  const result = browser.$(byTestId("bulk-result"));
  await result.waitForExist({ timeout: 5000 });
  assert.equal(await result.getAttribute("data-failed"), "1");
  // The drawer fades in, and WebKitWebDriver's getText answers "" until it is fully shown.
  await browser.waitUntil(async () => /Legal/.test(await result.getProperty("textContent")), {
    timeout: 5000,
    timeoutMsg: "the per-item results do not name Legal's failure",
  });
  const retry = browser.$(byTestId("bulk-retry"));
  await retry.scrollIntoView();
  await screenshot(browser, "installs-results-after-return");
  await retry.waitForClickable({ timeout: 5000 });
  // WebKitWebDriver's getText answers "" for this button although it is drawn (see the
  // screenshot); its text content is what a person reads.
  assert.equal((await retry.getProperty("textContent")).trim(), "Retry 1 failed");
  // The same, dark.
  await browser.$(byTestId("bulk-close")).click();
  await browser.$(byTestId("theme-toggle")).click();
  await browser.waitUntil(async () => (await browser.$(byTestId("app-root")).getAttribute("data-theme")) === "dark", { timeout: 5000 });
  // Fluent's buttons fade to the new colours: wait until they have, so the picture is the theme.
  const loadApps = browser.$(byTestId("installs-load-apps"));
  await browser.waitUntil(async () => (await loadApps.getCSSProperty("background-color")).parsed.hex !== "#ffffff", {
    timeout: 5000,
  });
  await screenshot(browser, "installs-outcome-dark");
  await browser.$(byTestId("theme-toggle")).click();
});

/** Elements inside the page (other than the page's own main area) that scroll vertically. */
async function innerScrollers() {
  return browser.execute(() => {
    const main = document.querySelector("main");
    return [...(main?.querySelectorAll("*") ?? [])]
      .filter((el) => {
        const s = getComputedStyle(el);
        return (s.overflowY === "auto" || s.overflowY === "scroll") && el.scrollHeight > el.clientHeight + 1 && el.clientHeight > 0;
      })
      .map((el) => el.getAttribute("data-testid") ?? el.className.toString().slice(0, 40));
  });
}

/** Cells in the Activity table whose text runs past their own column. */
async function overflowingAuditCells() {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="audit-table"] td, [data-testid="audit-table"] th')]
      .filter((td) => td.scrollWidth > td.clientWidth + 1)
      .map((td) => td.textContent.slice(0, 40)),
  );
}

test("at 1280×800 and 1024×640 the Installations page has one scroll area and the Activity columns never overlap", async () => {
  for (const [width, height] of [
    [1280, 800],
    [1024, 640],
  ]) {
    await browser.setWindowSize(width, height);
    await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= width, { timeout: 5000 }).catch(() => undefined);
    await openPage(browser, "installations");
    await browser.$('[data-testid^="row-"]').waitForExist({ timeout: 10000 });
    assert.deepEqual(await innerScrollers(), [], `${width}×${height}: no table scrolling inside the page`);
    // The table scrolls with the page; its header stays in view.
    await browser.execute(() => document.querySelector("main")?.scrollBy(0, 600));
    await screenshot(browser, `installs-${width}x${height}`);

    await openPage(browser, "activity");
    await browser.$(byTestId("audit-table")).waitForExist({ timeout: 10000 });
    assert.deepEqual(await overflowingAuditCells(), [], `${width}×${height}: audit cells stay in their columns`);
    const run = browser.$('[data-testid^="audit-run-toggle-"]');
    if (await run.isExisting()) await run.click();
    await screenshot(browser, `activity-${width}x${height}`);
    await browser.$(byTestId("theme-toggle")).click();
    await browser.waitUntil(async () => (await browser.$(byTestId("app-root")).getAttribute("data-theme")) === "dark", { timeout: 5000 });
    await screenshot(browser, `activity-${width}x${height}-dark`);
    await openPage(browser, "installations");
    await browser.$('[data-testid^="row-"]').waitForExist({ timeout: 10000 });
    await screenshot(browser, `installs-${width}x${height}-dark`);
    await browser.$(byTestId("theme-toggle")).click();
  }
  await browser.setWindowSize(1280, 800);
});
