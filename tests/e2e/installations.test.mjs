// The Installations story on the demo tenant: sign in, read where FlashDuty is installed (a
// paced sync at Teams' real limits, so it takes some seconds), see the coverage picture, pick
// every outdated team and upgrade them in bulk — which first asks to sign in again for the
// installing permissions — and see them turn current (1.0.2).
import assert from "node:assert/strict";
import {
  approveDeviceCode,
  byTestId,
  clearField,
  openPage,
  screenshot,
  setTheme,
  signIn,
  step,
  tap,
  test,
  textOf,
  TIMEOUT,
  useApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";

const app = useApp({ args: ["--demo"] });
/** The window (set once `useApp` has started it). */
let browser;
/** tenant-sim's origin (its `/_sim` controls inject the latency that keeps a run going). */
let sim;

/** A sync's status once it has ended, whichever way. */
const syncEnded = (status) => status === "completed" || /fail|cancel|error|partial/i.test(status ?? "");

const count = async () => Number((await textOf(browser.$(byTestId("inventory-count")))).replace(/\D/g, ""));
const countBecomes = (expected, what) =>
  browser.waitUntil(async () => (typeof expected === "function" ? expected(await count()) : (await count()) === expected), {
    timeout: TIMEOUT.ui,
    timeoutMsg: what,
  });

step("sign in to the demo tenant (reading only)", async () => {
  browser = app.browser;
  sim = await signIn(browser);
});

step("sync reads where FlashDuty is installed and draws the coverage", async () => {
  await openPage(browser, "installations");
  await waitForText(browser.$(byTestId("sync-age")), "Never synced", { what: "the sync age" });
  await tap(browser.$(byTestId("installs-load-apps")));
  const picker = browser.$(byTestId("installs-app"));
  await waitForText(picker, /FlashDuty/, { what: "FlashDuty in the app picker" });
  await picker.selectByVisibleText("FlashDuty");
  await browser.$(byTestId("installs-sync")).waitForEnabled({ timeout: TIMEOUT.ui });
  await tap(browser.$(byTestId("installs-sync")));
  // Progress shows in the page and in the status bar while the paced sync runs.
  const ended = await waitForAttribute(browser.$(byTestId("sync-age")), "data-status", syncEnded, { timeout: TIMEOUT.work, what: "the sync" });
  assert.equal(ended, "completed");
  await waitForText(browser.$(byTestId("status-work")), "No background work", { what: "the status bar after the sync" });
  const teams = browser.$(byTestId("coverage-team"));
  await waitForAttribute(teams, "data-installed", "12", { what: "teams with FlashDuty" });
  assert.ok(Number(await teams.getAttribute("data-not-installed")) > 20);
  assert.equal(await browser.$(byTestId("version-1.0.0")).getAttribute("data-outdated"), "true");
  await waitForText(browser.$(byTestId("installs-notice")), /Synced FlashDuty/, { what: "the sync notice" });
  assert.ok(Number(await browser.$(byTestId("coverage-user")).getAttribute("data-installed")) >= 5);
  await screenshot(browser, "installs-coverage");
});

step("every outdated team is upgraded in bulk, after signing in again for installing", async () => {
  await browser.$(byTestId("filter-kind")).selectByAttribute("value", "team");
  await browser.$(byTestId("filter-older")).setValue("1.0.2");
  await tap(browser.$(byTestId("filter-hide-archived")));
  await countBecomes(4, "4 outdated active teams");

  const openAndPreview = async () => {
    await tap(browser.$(byTestId("bulk-open")));
    await browser.$(byTestId("bulk-drawer")).waitForDisplayed({ timeout: TIMEOUT.ui });
    assert.equal(await browser.$(byTestId("bulk-action-upgrade")).isSelected(), true);
    await tap(browser.$(byTestId("bulk-source-0")));
    await tap(browser.$(byTestId("bulk-preview")));
    await waitForAttribute(browser.$(byTestId("bulk-plan")), "data-planned", "4", { what: "the planned upgrades" });
    await tap(browser.$(byTestId("bulk-run")));
  };

  await openAndPreview();
  // The read-only sign-in lacks the installing permissions: the drawer asks to add them, stays
  // open, and repeats the run itself once signed in.
  const drawer = browser.$(byTestId("bulk-drawer"));
  await waitForText(drawer.$(byTestId("consent-needed")), /Sign in again to allow installing/, { what: "the consent prompt" });
  await screenshot(browser, "installs-bulk-sign-in-again");
  await tap(drawer.$(byTestId("consent-sign-in")));
  await approveDeviceCode(browser);
  assert.ok(await drawer.isExisting(), "the drawer stayed open");

  const progress = browser.$(byTestId("bulk-progress"));
  if (await progress.waitForExist({ timeout: 3000 }).catch(() => false)) {
    await screenshot(browser, "installs-bulk-progress");
  }
  const result = browser.$(byTestId("bulk-result"));
  await result.waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the bulk run did not finish" });
  assert.equal(await result.getAttribute("data-status"), "completed");
  assert.equal(await result.getAttribute("data-failed"), "0");
  await waitForText(result, /Completed: 4 done, 0 failed/, { what: "the bulk result" });
  // After the run: the outcome and the next step, not the spent plan with its Run button.
  assert.equal(await browser.$(byTestId("bulk-run")).isExisting(), false);
  assert.ok(await browser.$(byTestId("bulk-start-over")).isExisting());
  assert.equal(await browser.$(byTestId("installs-notice")).isExisting(), false, "no 'Signed in. Try again.'");
  await screenshot(browser, "installs-bulk-done");
  await tap(browser.$(byTestId("bulk-close")));

  // The same filter now finds nothing: every active team is current.
  await countBecomes(0, "outdated teams remain");
  await clearField(browser, "filter-older");
  await browser.$(byTestId("filter-text")).setValue("Payments Team");
  const payments = browser.$('[data-testid^="row-"][data-state="installed"]');
  await payments.waitForExist({ timeout: TIMEOUT.ui });
  await countBecomes(1, "only Payments Team");
  assert.equal(await payments.getAttribute("data-version"), "1.0.2");
  await clearField(browser, "filter-text");
  await countBecomes((n) => n > 30, "the whole list back");
  // Only the group chat "Payments incident 4711" is still at 1.0.1: chats were not selected.
  await waitForAttribute(browser.$(byTestId("version-1.0.1")), "data-count", "1", { what: "installations at 1.0.1" });
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

step("a full resync of teams only leaves chats and users as they were and says what it read", async () => {
  const chatsBefore = await browser.$(byTestId("coverage-chat")).getAttribute("data-installed");
  const usersBefore = await browser.$(byTestId("coverage-user")).getAttribute("data-installed");
  // From the keyboard: Enter on the options button puts focus in the menu, arrows move, Space
  // toggles.
  const trigger = await browser.$('button[aria-label="Sync options"]');
  await browser.execute((el) => el.focus(), trigger);
  await browser.keys("Enter");
  await browser.$(byTestId("sync-kind-chat")).waitForDisplayed({ timeout: TIMEOUT.ui });
  const focused = async () => browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? "");
  await browser.waitUntil(async () => (await focused()) === "sync-kind-team", { timeout: TIMEOUT.ui, timeoutMsg: "focus in the menu" });
  await browser.keys("ArrowDown");
  assert.equal(await focused(), "sync-kind-chat");
  await browser.keys("Space");
  await browser.keys("ArrowDown");
  assert.equal(await focused(), "sync-kind-user");
  await browser.keys("Space");
  assert.equal(await browser.$(byTestId("sync-kind-team")).getAttribute("aria-checked"), "true");
  await waitForAttribute(browser.$(byTestId("sync-kind-chat")), "aria-checked", "false", { what: "chats unticked" });
  await waitForText(browser.$(byTestId("sync-fresh")), /Full resync of teams/, { what: "the resync item" });
  await screenshot(browser, "installs-sync-options");
  await tap(browser.$(byTestId("sync-fresh")));
  await waitForText(browser.$(byTestId("installs-notice")), /Synced FlashDuty \(teams only\)/, {
    timeout: TIMEOUT.work,
    what: "the teams-only resync",
  });
  await waitForText(browser.$(byTestId("sync-age")), /FlashDuty synced just now \(teams\)/, { what: "the sync age" });
  await waitForText(browser.$(byTestId("installs-sync")), "Sync teams", { what: "the sync button" });
  // Chats and users were not read, and their cached rows are still there.
  assert.equal(await browser.$(byTestId("coverage-chat")).getAttribute("data-installed"), chatsBefore);
  assert.equal(await browser.$(byTestId("coverage-user")).getAttribute("data-installed"), usersBefore);
  // The upgrade made every active team current; the resync read Graph and agrees.
  assert.equal(await browser.$(byTestId("version-1.0.1")).getAttribute("data-count"), "1");
});

test("Cancel stops a bulk install after the requests on the wire and counts what was not attempted", async () => {
  // Most installs are throttled (429, Retry-After 5 s): the run waits them out, and Cancel
  // drops what is still waiting.
  await simFaults([{ route: "/v1.0/teams/*/installedApps", method: "POST", rate_429: 0.5, retry_after_secs: 5 }]);
  try {
    await browser.$(byTestId("bulk-open")).click();
    await browser.$(byTestId("bulk-drawer")).waitForDisplayed({ timeout: TIMEOUT.ui });
    // A radio clicked while the drawer still slides in is refused ("not interactable").
    // (Best effort: a spinner's endless animation must not fail the test.)
    await browser
      .waitUntil(async () => browser.execute(() => document.getAnimations().every((a) => a.playState !== "running")), {
        timeout: 5000,
        interval: 100,
      })
      .catch(() => undefined);
    const install = browser.$(byTestId("bulk-action-install"));
    if (!(await install.isSelected())) await install.click();
    await browser.$(byTestId("bulk-source-0")).click();
    await browser.$(byTestId("bulk-preview")).click();
    const plan = browser.$(byTestId("bulk-plan"));
    await plan.waitForExist({ timeout: TIMEOUT.ui });
    const planned = Number(await plan.getAttribute("data-planned"));
    assert.ok(planned > 4, `planned ${planned}`);
    await browser.$(byTestId("bulk-run")).click();
    const cancel = browser.$(byTestId("bulk-cancel"));
    await cancel.waitForClickable({ timeout: TIMEOUT.ui });
    // Cancel once the first answers are in (the first 429 holds the route for its Retry-After,
    // so a cancel before any answer would leave everything not attempted, which is right but
    // not what this test is about).
    await waitForText(browser.$(byTestId("bulk-progress")), /\s[1-9]\d*\/\d+/, { timeout: TIMEOUT.work, what: "the first answered install" });
    await cancel.click();
    await browser.waitUntil(async () => (await cancel.getProperty("textContent").catch(() => "")) === "Cancelling…" || !(await cancel.isExisting()), {
      timeout: TIMEOUT.ui,
      timeoutMsg: "Cancel did not turn into Cancelling…",
    });
    await screenshot(browser, "installs-bulk-cancelling");
    const result = browser.$(byTestId("bulk-result"));
    await result.waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the cancelled run did not end" });
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

step("a bulk install the admin leaves mid-run is finished and retryable on return", async () => {
  const installedBefore = Number(await browser.$(byTestId("coverage-team")).getAttribute("data-installed"));
  // Every $batch answer takes 4 s, so the run is certainly still going when the admin leaves.
  await simFaults([{ route: "/v1.0/$batch", method: "POST", latency_ms: 4000 }]);
  try {
    await tap(browser.$(byTestId("bulk-open")));
    await browser.$(byTestId("bulk-drawer")).waitForDisplayed({ timeout: TIMEOUT.ui });
    await tap(browser.$(byTestId("bulk-action-install")));
    // The current filter: active teams, so the not-installed ones and "Legal", whose
    // installedApps answer 403 (a failed item to retry).
    await tap(browser.$(byTestId("bulk-source-0")));
    await tap(browser.$(byTestId("bulk-preview")));
    const planned = Number(
      await waitForAttribute(browser.$(byTestId("bulk-plan")), "data-planned", (v) => Number(v) > 1, { what: "the planned installs" }),
    );
    await tap(browser.$(byTestId("bulk-run")));
    await browser.$(byTestId("bulk-progress")).waitForExist({ timeout: TIMEOUT.ui });
    await tap(browser.$(byTestId("bulk-close")));
    // The page keeps showing the run the drawer no longer does.
    await browser.$(byTestId("bulk-running")).waitForExist({ timeout: TIMEOUT.ui });

    await openPage(browser, "overview");
    await browser.$(byTestId("installations-page")).waitForExist({ reverse: true, timeout: TIMEOUT.ui });
    assert.equal(await browser.$(byTestId("status-work")).getAttribute("data-busy"), "true", `left mid-run (${planned} planned)`);
    await waitForText(browser.$(byTestId("status-work")), /Install FlashDuty/, { what: "the run in the status bar" });
    await screenshot(browser, "installs-left-mid-run");
    await waitForText(browser.$(byTestId("status-work")), "No background work", { timeout: TIMEOUT.work, what: "the bulk run's end" });
  } finally {
    await simFaults(null);
  }

  await openPage(browser, "installations");
  const outcome = browser.$(byTestId("bulk-outcome"));
  await waitForAttribute(outcome, "data-status", "completed", { what: "the run's outcome" });
  assert.equal(await outcome.getAttribute("data-failed"), "1");
  const done = Number((await waitForText(outcome, /(\d+) done/, { what: "the outcome" })).match(/(\d+) done/)[1]);
  // The page re-read the cache: the installed teams are counted.
  await waitForAttribute(browser.$(byTestId("coverage-team")), "data-installed", String(installedBefore + done), {
    what: "the coverage counting the new installs",
  });
  await screenshot(browser, "installs-outcome-after-return");

  await tap(browser.$(byTestId("bulk-outcome-show")));
  const result = browser.$(byTestId("bulk-result"));
  await waitForAttribute(result, "data-failed", "1", { what: "the results' failures" });
  // The drawer fades in; its text is read once it is there.
  await waitForText(result, /Legal/, { what: "the per-item results naming Legal's failure" });
  const retry = browser.$(byTestId("bulk-retry"));
  await retry.scrollIntoView();
  await screenshot(browser, "installs-results-after-return");
  await retry.waitForClickable({ timeout: TIMEOUT.ui });
  await waitForText(retry, "Retry 1 failed", { what: "the retry button" });
  // The same, dark.
  await tap(browser.$(byTestId("bulk-close")));
  await setTheme(browser, "dark");
  // Fluent's buttons fade to the new colours: wait until they have, so the picture is the theme.
  const loadApps = browser.$(byTestId("installs-load-apps"));
  await browser.waitUntil(async () => (await loadApps.getCSSProperty("background-color")).parsed.hex !== "#ffffff", {
    timeout: TIMEOUT.ui,
  });
  await screenshot(browser, "installs-outcome-dark");
  await setTheme(browser, "light");
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
    await browser.$('[data-testid^="row-"]').waitForExist({ timeout: TIMEOUT.ui });
    assert.deepEqual(await innerScrollers(), [], `${width}×${height}: no table scrolling inside the page`);
    // The table scrolls with the page; its header stays in view.
    await browser.execute(() => document.querySelector("main")?.scrollBy(0, 600));
    await screenshot(browser, `installs-${width}x${height}`);

    await openPage(browser, "activity");
    await browser.$(byTestId("audit-table")).waitForExist({ timeout: TIMEOUT.ui });
    assert.deepEqual(await overflowingAuditCells(), [], `${width}×${height}: audit cells stay in their columns`);
    const run = browser.$('[data-testid^="audit-run-toggle-"]');
    if (await run.isExisting()) await run.click();
    await screenshot(browser, `activity-${width}x${height}`);
    await browser.$(byTestId("theme-toggle")).click();
    await browser.waitUntil(async () => (await browser.$(byTestId("app-root")).getAttribute("data-theme")) === "dark", { timeout: TIMEOUT.ui });
    await screenshot(browser, `activity-${width}x${height}-dark`);
    await openPage(browser, "installations");
    await browser.$('[data-testid^="row-"]').waitForExist({ timeout: TIMEOUT.ui });
    await screenshot(browser, `installs-${width}x${height}-dark`);
    await browser.$(byTestId("theme-toggle")).click();
  }
  await browser.setWindowSize(1280, 800);
});
