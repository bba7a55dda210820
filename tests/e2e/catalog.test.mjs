// The Catalog page on the demo tenant, in the real window: sign in, find FlashDuty with its
// definitions' versions and publishing states and where it is installed, choose a zip with a
// greater version and see "update available", publish it as an update (signing in again for
// the publishing permissions, after which the page repeats the upload), see a lower version
// refused with the reason, submit an update for review and withdraw it, reject another,
// approve Expense Tracker's submission, and delete an app only after confirming.
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
import { cleanIcons, zip } from "./zipkit.mjs";

// The seeded demo bot (tenant-sim's DEMO_BOT_MANIFEST_ID / DEMO_BOT_APP_ID).
const MANIFEST_ID = "9f3e2a1b-6c4d-4e8f-a0b1-c2d3e4f5a6b7";
const BOT_ID = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";

function flashduty(version) {
  const manifest = {
    $schema: "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json",
    manifestVersion: "1.17",
    version,
    id: MANIFEST_ID,
    developer: {
      name: "FlashDuty Inc.",
      websiteUrl: "https://flashduty.example.com",
      privacyUrl: "https://flashduty.example.com/privacy",
      termsOfUseUrl: "https://flashduty.example.com/terms",
    },
    name: { short: "FlashDuty", full: "FlashDuty for Microsoft Teams" },
    description: {
      short: "On-call alerting and incident response in Teams.",
      full: "FlashDuty posts alerts to the channels, group chats and personal chats linked to your integrations.",
    },
    icons: { color: "color.png", outline: "outline.png" },
    accentColor: "#4464EE",
    bots: [{ botId: BOT_ID, scopes: ["team", "groupChat", "personal"], isNotificationOnly: false }],
    validDomains: ["flashduty.example.com"],
  };
  return zip([["manifest.json", Buffer.from(JSON.stringify(manifest, null, 2))], ...cleanIcons()]);
}

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
const definition = (version) => card().$(byTestId(`definition-${version}`));

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
  // Graph shows the current published definition (and a newer pending one, if any).
  await waitForAttribute(definition("1.0.2"), "data-state", "published", { what: "FlashDuty 1.0.2's state" });
  await waitForText(card().$(byTestId("catalog-version")), "catalog 1.0.2", { what: "FlashDuty's catalog version" });
  // Installed versions are unknown until the inventory is read, and the page says so.
  await waitForText(card().$(byTestId("catalog-installs-unknown")), /not known yet/, { what: "installed versions unknown" });
  const expense = named("Expense Tracker");
  await waitForAttribute(expense.$(byTestId("definition-0.9.0")), "data-state", "submitted", { what: "Expense Tracker 0.9.0" });
  await waitForText(expense.$(byTestId("catalog-visibility-warning")), /no published version/, { what: "Expense Tracker's warning" });
  // Find by name narrows the list.
  await browser.$(byTestId("catalog-search")).setValue("flash");
  await named("Expense Tracker").waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "the search did not narrow the list" });
  assert.ok(await card().isExisting());
  await screenshot(browser, "catalog-list");
  await clearField(browser, "catalog-search");
  await named("Expense Tracker").waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "the list did not come back" });
});

step("after an inventory sync the card shows the installed versions per kind", async () => {
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
  const teams = card().$(byTestId("catalog-installs-team"));
  // The demo seeds FlashDuty in 12 teams at 1.0.0–1.0.2: some behind 1.0.2, some current.
  await waitForAttribute(teams, "data-behind", (v) => Number(v) > 0, { what: "teams behind 1.0.2" });
  assert.ok(Number(await teams.getAttribute("data-current")) > 0, "teams at 1.0.2");
  assert.ok(Number(await card().$(byTestId("catalog-installs-user")).getAttribute("data-current")) > 0);
  await waitForText(card().$(byTestId("catalog-installs")), /installation\(s\) below 1\.0\.2/, { what: "the card's installs line" });
});

step("a chosen zip with a greater version is an update available, published after signing in again", async () => {
  const teamsBefore = Number(await card().$(byTestId("catalog-installs-team")).getAttribute("data-current"));
  await pick("catalog-file", newer);
  const target = browser.$(byTestId("catalog-target"));
  await waitForAttribute(target, "data-kind", "update", { what: "the chosen zip's target" });
  await waitForText(target, /Update available: FlashDuty is at 1\.0\.2 in the catalog; this chosen zip is 1\.0\.3/, { what: "the target" });
  await waitForText(browser.$(byTestId("catalog-check")), "0 error(s), 0 warning(s)", { what: "the zip's check" });
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
  await waitForAttribute(definition("1.0.3"), "data-state", "published", { what: "1.0.3's state" });
  await waitForText(card().$(byTestId("catalog-local")), "chosen zip 1.0.3: the catalog has it", { what: "the card's chosen zip" });
  await waitForText(browser.$(byTestId("catalog-target")), /The catalog has FlashDuty 1\.0\.3 already/, { what: "the target" });
  // Every installation is now behind the catalog: nothing current any more.
  const teams = card().$(byTestId("catalog-installs-team"));
  await waitForAttribute(teams, "data-current", "0", { what: "teams current with 1.0.3" });
  assert.ok(Number(await teams.getAttribute("data-behind")) >= teamsBefore);
  await waitForText(card().$(byTestId("catalog-installs")), /below 1\.0\.3/, { what: "the card's installs line" });
  await screenshot(browser, "catalog-updated");
});

step("a lower version is flagged before upload and refused with the reason", async () => {
  await pick("catalog-file", older);
  const target = browser.$(byTestId("catalog-target"));
  await waitForAttribute(target, "data-kind", "not-greater", { what: "the chosen zip's target" });
  await waitForText(target, /1\.0\.1 is not greater than 1\.0\.3/, { what: "the target" });
  await waitForText(card().$(byTestId("catalog-local")), "chosen zip 1.0.1: older than the catalog's 1.0.3", { what: "the card's chosen zip" });
  const refused = await sendAndWait("catalog-refused");
  assert.equal(await refused.getAttribute("data-kind"), "version_not_greater");
  await waitForText(refused, /version 1\.0\.1 is not greater than 1\.0\.3, the catalog's current version: bump the package version first/, {
    what: "the refusal",
  });
  assert.equal(await textOfCatalogVersion(), "catalog 1.0.3");
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
  const expense = named("Expense Tracker");
  await expense.scrollIntoView();
  await tap(expense.$(byTestId("catalog-approve")));
  await waitForAttribute(expense.$(byTestId("definition-0.9.0")), "data-state", "published", { what: "0.9.0 approved" });
  await expense.$(byTestId("catalog-visibility-warning")).waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "'not visible' warning stays once published" });
  await waitForText(expense.$(byTestId("catalog-version")), "catalog 0.9.0", { what: "Expense Tracker's catalog version" });
  await screenshot(browser, "catalog-approved");
});

step("an app is deleted only after confirming", async () => {
  const helpdesk = named("Contoso Helpdesk");
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
  await named("Contoso Helpdesk").waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "not deleted" });
  assert.ok(!(await browser.$(byTestId("catalog-error")).isExisting()));
});

step("the page in the dark theme", async () => {
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
