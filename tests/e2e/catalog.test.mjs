// The Catalog page on the demo tenant, in the real window: sign in, find FlashDuty with its
// definitions' versions and publishing states and where it is installed, choose a zip with a
// greater version and see "update available", publish it as an update (signing in again for
// the publishing permissions, after which the page repeats the upload), see a lower version
// refused with the reason, submit an update for review and withdraw it, reject another,
// approve Expense Tracker's submission, delete an app only after confirming, and add a Teams
// store app, which says where it comes from and offers no publishing. The catalog is a
// sortable table; each app's name opens its details (About, Versions, Permissions,
// Installations), where the steps below read and act.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  byTestId,
  clearField,
  dialogShown,
  openPage,
  pickFile,
  scratchDir,
  screenshot,
  setTheme,
  signIn,
  approveDeviceCode,
  step,
  tap,
  TIMEOUT,
  useApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";
import { flashduty, MANIFEST_ID } from "./zipkit.mjs";


const work = scratchDir("botdeck-e2e-catalog-");
const newer = join(work, "FlashDuty-v1.0.3.zip");
const older = join(work, "FlashDuty-v1.0.1.zip");
const forReview = join(work, "FlashDuty-v1.0.4.zip");
writeFileSync(newer, flashduty("1.0.3"));
writeFileSync(older, flashduty("1.0.1"));
writeFileSync(forReview, flashduty("1.0.4"));

const app = useApp({ args: ["--demo"] });
/** The window (set once `useApp` has started it). */
let browser;

const card = () => browser.$(byTestId(`catalog-app-${MANIFEST_ID}`));
const named = (name) => browser.$(`[data-testid^="catalog-app-"][data-name="${name}"]`);
const row = (name) => browser.$(`[data-testid^="catalog-row-"][data-name="${name}"]`);
const definition = (version) => card().$(byTestId(`definition-${version}`));

/** Opens an app's details from the catalog table (back to the table first), on a tab. */
async function openApp(name, tab) {
  const back = browser.$(byTestId("catalog-back"));
  if (await back.isExisting()) await tap(back);
  const r = row(name);
  await r.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: `${name} is not in the catalog table` });
  await tap(r.$(byTestId("catalog-open")));
  const details = named(name);
  await details.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: `${name}'s details did not open` });
  if (tab) await showTab(details, tab);
  return details;
}

/** Switches the open details to one of its tabs. */
async function showTab(details, tab) {
  await tap(details.$(byTestId(`details-tab-${tab}`)));
  await details.$(byTestId(`details-${tab === "versions" ? "tab-versions" : tab}`)).waitForExist({ timeout: TIMEOUT.ui });
}

async function sendAndWait(resultId) {
  await tap(browser.$(byTestId("catalog-publish-send")));
  const result = browser.$(byTestId(resultId));
  await result.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: `no ${resultId}` });
  return result;
}

const pick = (testId, path) => pickFile(browser, testId, path);

step("sign in to the demo tenant", async () => {
  browser = app.browser;
  await signIn(browser);
});

step("the catalog lists FlashDuty with its versions and publishing states", async () => {
  await openPage(browser, "catalog");
  await waitForText(browser.$(byTestId("catalog-source")), /From your tenant/, { what: "where the list came from" });
  await row("FlashDuty").waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "FlashDuty is not in the catalog table" });
  // The table says where each app comes from: the demo's apps are org apps.
  await waitForAttribute(row("FlashDuty").$(byTestId("catalog-distribution")), "data-distribution", "organization", {
    what: "FlashDuty's distribution",
  });
  // Find by name narrows the table.
  await browser.$(byTestId("catalog-search")).setValue("flash");
  await row("Expense Tracker").waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "the search did not narrow the table" });
  assert.ok(await row("FlashDuty").isExisting());
  await screenshot(browser, "catalog-list");
  await clearField(browser, "catalog-search");
  await row("Expense Tracker").waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "the table did not come back" });

  const expense = await openApp("Expense Tracker", "versions");
  await waitForAttribute(expense.$(byTestId("definition-0.9.0")), "data-state", "submitted", { what: "Expense Tracker 0.9.0" });
  await waitForText(expense.$(byTestId("catalog-visibility-warning")), /no published version/, { what: "Expense Tracker's warning" });

  await openApp("FlashDuty", "versions");
  // Graph shows the current published definition (and a newer pending one, if any).
  await waitForAttribute(definition("1.0.2"), "data-state", "published", { what: "FlashDuty 1.0.2's state" });
  await waitForText(card().$(byTestId("catalog-version")), "catalog 1.0.2", { what: "FlashDuty's catalog version" });
  // Installed versions are unknown until the inventory is read, and the page says so.
  await showTab(card(), "installations");
  await waitForText(card().$(byTestId("catalog-installs-unknown")), /not known yet/, { what: "installed versions unknown" });
});

step("after an inventory sync the details show the installed versions per kind, with the upgrade offer", async () => {
  await openPage(browser, "installations");
  // The Catalog page has read the apps already, so FlashDuty is in the picker before "Refresh
  // app list" answers: the bot is chosen while the list loads, and must stay chosen after.
  const load = browser.$(byTestId("installs-load-apps"));
  await tap(load);
  const picker = browser.$(byTestId("installs-app"));
  await waitForText(picker, /FlashDuty/, { what: "FlashDuty in the app picker" });
  await picker.selectByVisibleText("FlashDuty");
  await waitForText(load, "Refresh app list", { what: "the app list finished loading" });
  const flashdutyId = await picker.getValue();
  assert.notEqual(flashdutyId, "", "FlashDuty stays chosen after the list arrives");
  const syncButton = browser.$(byTestId("installs-sync"));
  await syncButton.waitForEnabled({ timeout: TIMEOUT.ui });
  await tap(syncButton);
  // The sync shows in the status bar while it runs; a click that started nothing fails here.
  await browser.waitUntil(
    async () =>
      (await browser.$(byTestId("status-work")).getAttribute("data-busy")) === "true" ||
      (await browser.$(byTestId("sync-age")).getAttribute("data-status")) !== "never",
    { timeout: TIMEOUT.ui, interval: 200, timeoutMsg: "Sync started nothing" },
  );
  await waitForAttribute(browser.$(byTestId("status-work")), "data-busy", null, { timeout: TIMEOUT.work, what: "the sync's end" });
  await waitForAttribute(browser.$(byTestId("sync-age")), "data-status", "completed", { what: "the sync's outcome" });
  assert.equal(await picker.getValue(), flashdutyId);
  await openPage(browser, "catalog");
  // The table's row offers the upgrade of the installations left behind…
  await row("FlashDuty").waitForExist({ timeout: TIMEOUT.ui });
  await waitForAttribute(row("FlashDuty").$(byTestId("catalog-upgrade-outdated")), "data-count", (v) => Number(v) > 0, {
    what: "the row's upgrade offer",
  });
  await openApp("FlashDuty", "installations");
  const teams = card().$(byTestId("catalog-installs-team"));
  // The demo seeds FlashDuty in 12 teams at 1.0.0–1.0.2: some behind 1.0.2, some current.
  await waitForAttribute(teams, "data-behind", (v) => Number(v) > 0, { what: "teams behind 1.0.2" });
  assert.ok(Number(await teams.getAttribute("data-current")) > 0, "teams at 1.0.2");
  assert.ok(Number(await card().$(byTestId("catalog-installs-user")).getAttribute("data-current")) > 0);
  await waitForText(card().$(byTestId("catalog-installs")), /installations? below 1\.0\.2/, { what: "the card's installs line" });
  // …and so do the details, next to the installed versions.
  await waitForText(card().$(byTestId("catalog-upgrade-outdated")), /^Upgrade \d+ outdated installations?$/, { what: "the details' upgrade offer" });
});

step("a chosen zip with a greater version is an update available, published after signing in again", async () => {
  const teamsBefore = Number(await card().$(byTestId("catalog-installs-team")).getAttribute("data-current"));
  await pick("catalog-file", newer);
  const target = browser.$(byTestId("catalog-target"));
  await waitForAttribute(target, "data-kind", "update", { what: "the chosen zip's target" });
  await waitForText(target, /Update available: FlashDuty is at 1\.0\.2 in the catalog; this chosen zip is 1\.0\.3/, { what: "the target" });
  await waitForText(browser.$(byTestId("catalog-check")), "0 errors, 0 warnings", { what: "the zip's check" });
  await waitForText(card().$(byTestId("catalog-local")), "chosen zip 1.0.3: update available", { what: "the card's chosen zip" });
  assert.equal(await card().$(byTestId("catalog-update-status")).getAttribute("data-local"), "newer");
  await waitForText(browser.$(byTestId("catalog-publish-send")), "Publish FlashDuty 1.0.3 as an update", { what: "the send button" });
  await screenshot(browser, "catalog-update-available");

  // Reading the tenant did not ask for the publishing permissions: the page asks now...
  await tap(browser.$(byTestId("catalog-publish-send")));
  await waitForText(browser.$(byTestId("consent-needed")), /Sign in again to allow publishing/, { what: "the consent prompt" });
  await screenshot(browser, "catalog-consent");
  await tap(browser.$(byTestId("consent-sign-in")));
  await approveDeviceCode(browser);
  // ...and repeats the upload itself once signed in.
  await waitForText(browser.$(byTestId("catalog-published")), /Updated\s*FlashDuty 1\.0\.3 is published/, {
    what: "the update repeated after signing in",
  });
  await waitForText(card().$(byTestId("catalog-version")), "catalog 1.0.3", { what: "the card moved to 1.0.3" });
  await showTab(card(), "versions");
  await waitForAttribute(definition("1.0.3"), "data-state", "published", { what: "1.0.3's state" });
  // (The superseded 1.0.2 may go: `$expand=appDefinitions` answers the published definition and
  // a pending one, and the table shows what Graph answers.)
  await waitForText(card().$(byTestId("catalog-local")), "chosen zip 1.0.3: the catalog has it", { what: "the card's chosen zip" });
  await waitForText(browser.$(byTestId("catalog-target")), /The catalog has FlashDuty 1\.0\.3 already/, { what: "the target" });
  await showTab(card(), "installations");
  // Every installation is now behind the catalog: nothing current any more.
  const teams = card().$(byTestId("catalog-installs-team"));
  await waitForAttribute(teams, "data-current", "0", { what: "teams current with 1.0.3" });
  assert.ok(Number(await teams.getAttribute("data-behind")) >= teamsBefore);
  await waitForText(card().$(byTestId("catalog-installs")), /below 1\.0\.3/, { what: "the card's installs line" });
  await screenshot(browser, "catalog-updated");
});

step("a lower version is flagged before upload and cannot be sent, with the reason next to the button", async () => {
  await pick("catalog-file", older);
  const target = browser.$(byTestId("catalog-target"));
  await waitForAttribute(target, "data-kind", "not-greater", { what: "the chosen zip's target" });
  await waitForText(target, /1\.0\.1 is not greater than 1\.0\.3/, { what: "the target" });
  await waitForText(card().$(byTestId("catalog-local")), "chosen zip 1.0.1: older than the catalog's 1.0.3", { what: "the card's chosen zip" });
  // The page knows the catalog would refuse it: nothing to send, and the reason says why.
  assert.equal(await browser.$(byTestId("catalog-publish-send")).isEnabled(), false, "publish is disabled");
  await waitForText(browser.$(byTestId("catalog-publish-blocker")), /1\.0\.1 is lower than the catalog's 1\.0\.3/, { what: "the reason" });
  assert.equal(await textOfCatalogVersion(), "catalog 1.0.3");
  await showTab(card(), "versions");
  assert.ok(!(await definition("1.0.1").isExisting()), "nothing was uploaded");
  await screenshot(browser, "catalog-lower-refused");
});

step("an update submitted for review is withdrawn after confirming; a second one is rejected", async () => {
  await pick("catalog-file", forReview);
  await waitForAttribute(browser.$(byTestId("catalog-target")), "data-kind", "update", { what: "the chosen zip's target" });
  await tap(browser.$(byTestId("catalog-review-flag")));
  const done = await sendAndWait("catalog-published");
  assert.equal(await done.getAttribute("data-state"), "submitted");
  await waitForAttribute(definition("1.0.4"), "data-state", "submitted", { what: "1.0.4's state" });
  // Users still get the published 1.0.3 until someone approves.
  assert.equal(await textOfCatalogVersion(), "catalog 1.0.3");
  await waitForText(card().$(byTestId("catalog-visibility-warning")), /1\.0\.4 is waiting for review/, { what: "the card's warning" });
  await waitForText(card().$(byTestId("catalog-local")), "chosen zip 1.0.4: submitted, waiting for review", { what: "the card's chosen zip" });
  await screenshot(browser, "catalog-submitted");

  await tap(definition("1.0.4").$(byTestId("catalog-withdraw")));
  const dialog = await dialogShown(browser, "catalog-withdraw-dialog");
  await waitForText(dialog, /the published 1\.0\.3 stays/, { what: "the withdraw dialog" });
  await screenshot(browser, "catalog-withdraw-confirm");
  await tap(browser.$(byTestId("catalog-withdraw-confirm")));
  await definition("1.0.4").waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "1.0.4 was not withdrawn" });
  assert.equal(await definition("1.0.3").getAttribute("data-state"), "published");

  // The same version again, rejected this time.
  await sendAndWait("catalog-published");
  await definition("1.0.4").waitForExist({ timeout: TIMEOUT.ui });
  await tap(definition("1.0.4").$(byTestId("catalog-reject")));
  await waitForAttribute(definition("1.0.4"), "data-state", "rejected", { what: "1.0.4 rejected" });
  assert.ok(!(await definition("1.0.4").$(byTestId("catalog-approve")).isExisting()), "a rejected version has no review buttons");
  await waitForText(card(), /Version 1\.0\.4 was rejected/, { what: "the card" });
  await tap(browser.$(byTestId("catalog-review-flag")));
});

step("Expense Tracker's submission is approved", async () => {
  const expense = await openApp("Expense Tracker", "versions");
  await expense.scrollIntoView();
  await tap(expense.$(byTestId("catalog-approve")));
  await waitForAttribute(expense.$(byTestId("definition-0.9.0")), "data-state", "published", { what: "0.9.0 approved" });
  await expense.$(byTestId("catalog-visibility-warning")).waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "'not visible' warning stays once published" });
  await waitForText(expense.$(byTestId("catalog-version")), "catalog 0.9.0", { what: "Expense Tracker's catalog version" });
  await screenshot(browser, "catalog-approved");
});

step("an app is deleted only after confirming", async () => {
  const helpdesk = await openApp("Contoso Helpdesk");
  await helpdesk.scrollIntoView();
  await tap(helpdesk.$(byTestId("catalog-delete")));
  const dialog = await dialogShown(browser, "catalog-delete-dialog");
  await waitForText(dialog, /Delete Contoso Helpdesk from the org catalog\?/, { what: "the delete dialog" });
  await screenshot(browser, "catalog-delete-confirm");
  await tap(browser.$(byTestId("catalog-delete-cancel")));
  await dialog.waitForExist({ reverse: true, timeout: TIMEOUT.ui });
  assert.ok(await named("Contoso Helpdesk").isExisting(), "kept after 'Keep it'");

  await tap(helpdesk.$(byTestId("catalog-delete")));
  await dialogShown(browser, "catalog-delete-dialog");
  await tap(browser.$(byTestId("catalog-delete-confirm")));
  // Deleted: back in the table, without it.
  await named("Contoso Helpdesk").waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "not deleted" });
  const back = browser.$(byTestId("catalog-back"));
  if (await back.isExisting()) await tap(back);
  await row("FlashDuty").waitForExist({ timeout: TIMEOUT.ui });
  assert.ok(!(await row("Contoso Helpdesk").isExisting()), "no row for the deleted app");
  assert.ok(!(await browser.$(byTestId("catalog-error")).isExisting()));
});

step("a Teams store app is added by name; it says where it comes from and offers no publishing", async () => {
  await clearField(browser, "catalog-find-input");
  await browser.$(byTestId("catalog-find-input")).setValue("PagerDuty");
  await tap(browser.$(byTestId("catalog-find")));
  const pagerDuty = row("PagerDuty");
  await pagerDuty.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "PagerDuty was not listed" });
  await waitForAttribute(pagerDuty.$(byTestId("catalog-distribution")), "data-distribution", "store", { what: "PagerDuty's distribution" });
  const details = await openApp("PagerDuty", "versions");
  await waitForText(details.$(byTestId("catalog-publishing-note")), /store/i, { what: "why publishing is not offered" });
  assert.ok(!(await details.$(byTestId("catalog-delete")).isExisting()), "a store app cannot be deleted here");
  assert.ok(!(await details.$(byTestId("catalog-approve")).isExisting()), "nor reviewed");
  await screenshot(browser, "catalog-store-app");
  await tap(browser.$(byTestId("catalog-back")));
});

step("the page in the dark theme", async () => {
  await openApp("FlashDuty");
  await setTheme(browser, "dark");
  // The attribute flips at once; Fluent fades the colours in. Wait until a button is painted
  // dark, and until FlashDuty's card is really at the top, so the picture is what it claims.
  const refresh = browser.$(byTestId("catalog-refresh"));
  await browser.waitUntil(async () => (await refresh.getCSSProperty("background-color")).parsed.hex !== "#ffffff", {
    timeout: TIMEOUT.ui,
    timeoutMsg: "the buttons never turned dark",
  });
  await card().scrollIntoView({ block: "start" });
  await browser.waitUntil(
    async () => {
      const top = await browser.execute((el) => el.getBoundingClientRect().top, await card());
      return top >= 0 && top < 160;
    },
    { timeout: TIMEOUT.ui, timeoutMsg: "FlashDuty's card did not scroll to the top" },
  );
  await screenshot(browser, "catalog-dark");
  await setTheme(browser, "light");
});

async function textOfCatalogVersion() {
  return waitForText(card().$(byTestId("catalog-version")), /^catalog /, { what: "FlashDuty's catalog version" });
}
