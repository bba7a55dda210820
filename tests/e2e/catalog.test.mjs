// The Catalog page on the demo tenant, in the real window: sign in, find FlashDuty with its
// definitions' versions and publishing states and where it is installed, choose a zip with a
// greater version and see "update available", publish it as an update (signing in again for
// the publishing permissions, after which the page repeats the upload), see a lower version
// refused with the reason, submit an update for review and withdraw it, reject another,
// approve Expense Tracker's submission, and delete an app only after confirming.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { approveDeviceCode, byTestId, scratchDir, screenshot, startSession, openPage, tap, test } from "./harness.mjs";
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

const card = () => browser.$(byTestId(`catalog-app-${MANIFEST_ID}`));
const named = (name) => browser.$(`[data-testid^="catalog-app-"][data-name="${name}"]`);
const row = (name) => browser.$(`[data-testid^="catalog-row-"][data-name="${name}"]`);
const definition = (version) => card().$(byTestId(`definition-${version}`));

/** Opens an app's details from the catalog table (back to the table first), on a tab. */
async function openApp(name, tab) {
  const back = browser.$(byTestId("catalog-back"));
  if (await back.isExisting()) await tap(back);
  const r = row(name);
  await r.waitForExist({ timeout: 30000, timeoutMsg: `${name} is not in the catalog table` });
  await tap(r.$(byTestId("catalog-open")));
  const details = named(name);
  await details.waitForExist({ timeout: 10000 });
  if (tab) await tap(details.$(byTestId(`details-tab-${tab}`)));
  return details;
}

/**
 * Waits for an element's text. Read as innerText: WebKitWebDriver's getText answers "" for
 * Fluent buttons, and for dialogs while they fade in.
 */
async function textBecomes(el, pattern, what) {
  let last = "";
  await browser.waitUntil(
    async () => {
      last = String(await el.getProperty("innerText")).trim();
      return typeof pattern === "string" ? last === pattern : pattern.test(last);
    },
    { timeout: 10000, timeoutMsg: `${what}: got ${JSON.stringify(last)}` },
  );
}

/** Empties a text field the way a person does, so React sees each change. */
async function clearField(id) {
  const field = browser.$(byTestId(id));
  const length = (await field.getValue()).length;
  await field.click();
  await browser.keys("End");
  for (let i = 0; i < length; i++) await browser.keys("Backspace");
}

/** Fluent dialogs fade in: wait for the surface to be opaque before reading or shooting it. */
async function dialogShown(id) {
  const dialog = browser.$(byTestId(id));
  await dialog.waitForDisplayed({ timeout: 5000 });
  await browser.waitUntil(
    async () => (await browser.execute((sel) => getComputedStyle(document.querySelector(sel)).opacity, byTestId(id))) === "1",
    { timeout: 5000, timeoutMsg: `${id} did not finish opening` },
  );
  return dialog;
}

async function sendAndWait(resultId) {
  await browser.$(byTestId("catalog-publish-send")).click();
  const result = browser.$(byTestId(resultId));
  await result.waitForExist({ timeout: 20000, timeoutMsg: `no ${resultId}` });
  return result;
}

async function pick(testId, path) {
  const selector = byTestId(testId);
  const input = browser.$(selector);
  await input.waitForExist({ timeout: 5000 });
  // The input is hidden behind its button and WebKitWebDriver only types into elements it can
  // hit-test: lift it on top for the moment of the pick (the path is local to the driver).
  await browser.execute((sel) => {
    const el = document.querySelector(sel);
    Object.assign(el.style, { display: "block", position: "fixed", top: "0", left: "0", width: "240px", height: "40px", opacity: "1", zIndex: "100000" });
  }, selector);
  await input.setValue(path);
  await browser.execute((sel) => document.querySelector(sel)?.removeAttribute("style"), selector);
}

test("sign in to the demo tenant", async () => {
  await browser.$(byTestId("profile-area")).click();
  await browser.$(byTestId("menu-sign-in")).click();
  await approveDeviceCode(browser);
  await browser.waitUntil(async () => /Megan Bowen/.test(await browser.$(byTestId("profile-label")).getText()), {
    timeout: 30000,
  });
});

test("the catalog lists FlashDuty with its versions and publishing states", async () => {
  await openPage(browser, "catalog");
  await row("FlashDuty").waitForExist({ timeout: 30000 });
  await browser.waitUntil(async () => /From your tenant/.test(await browser.$(byTestId("catalog-source")).getText()), {
    timeout: 30000,
  });
  // Find by name narrows the table.
  await browser.$(byTestId("catalog-search")).setValue("flash");
  await browser.waitUntil(async () => !(await row("Expense Tracker").isExisting()), { timeout: 5000 });
  assert.ok(await row("FlashDuty").isExisting());
  await screenshot(browser, "catalog-list");
  await clearField("catalog-search");
  await browser.waitUntil(async () => row("Expense Tracker").isExisting(), { timeout: 5000 });

  const expense = await openApp("Expense Tracker", "versions");
  assert.equal(await expense.$(byTestId("definition-0.9.0")).getAttribute("data-state"), "submitted");
  assert.match(await expense.$(byTestId("catalog-visibility-warning")).getText(), /no published version/);

  await openApp("FlashDuty", "versions");
  // Graph shows the current published definition (and a newer pending one, if any).
  assert.equal(await definition("1.0.2").getAttribute("data-state"), "published");
  assert.equal(await card().$(byTestId("catalog-version")).getText(), "catalog 1.0.2");
  // Installed versions are unknown until the inventory is read, and the page says so.
  await tap(card().$(byTestId("details-tab-installations")));
  assert.match(await card().$(byTestId("catalog-installs-unknown")).getText(), /not known yet/);
});

test("after an inventory sync the card shows the installed versions per kind", async () => {
  await openPage(browser, "installations");
  // The Catalog page has read the apps already, so FlashDuty is in the picker before "Refresh
  // app list" answers: the bot is chosen while the list loads, and must stay chosen after.
  const load = browser.$(byTestId("installs-load-apps"));
  await tap(load);
  const picker = browser.$(byTestId("installs-app"));
  await browser.waitUntil(async () => /FlashDuty/.test(await picker.getText()), { timeout: 30000 });
  await picker.selectByVisibleText("FlashDuty");
  await textBecomes(load, "Refresh app list", "the app list did not finish loading");
  const flashdutyId = await picker.getValue();
  assert.notEqual(flashdutyId, "", "FlashDuty stays chosen after the list arrives");
  const syncButton = browser.$(byTestId("installs-sync"));
  await syncButton.waitForEnabled({ timeout: 10000 });
  await tap(syncButton);
  // The sync shows in the status bar while it runs; a click that started nothing fails here.
  await browser.waitUntil(
    async () =>
      (await browser.$(byTestId("status-work")).getAttribute("data-busy")) === "true" ||
      (await browser.$(byTestId("sync-age")).getAttribute("data-status")) !== "never",
    { timeout: 15000, interval: 200, timeoutMsg: "Sync started nothing" },
  );
  await browser.waitUntil(async () => (await browser.$(byTestId("status-work")).getAttribute("data-busy")) === null, {
    timeout: 180000,
    interval: 500,
    timeoutMsg: "the sync did not end",
  });
  await browser.waitUntil(async () => (await browser.$(byTestId("sync-age")).getAttribute("data-status")) === "completed", {
    timeout: 10000,
    timeoutMsg: "the sync ended but did not complete",
  });
  assert.equal(await picker.getValue(), flashdutyId);
  await openPage(browser, "catalog");
  await openApp("FlashDuty", "installations");
  const teams = card().$(byTestId("catalog-installs-team"));
  await teams.waitForExist({ timeout: 30000 });
  // The demo seeds FlashDuty in 12 teams at 1.0.0–1.0.2: some behind 1.0.2, some current.
  assert.ok(Number(await teams.getAttribute("data-behind")) > 0, "teams behind 1.0.2");
  assert.ok(Number(await teams.getAttribute("data-current")) > 0, "teams at 1.0.2");
  assert.ok(Number(await card().$(byTestId("catalog-installs-user")).getAttribute("data-current")) > 0);
  assert.match(await card().$(byTestId("catalog-installs")).getText(), /installation\(s\) below 1\.0\.2/);
});

test("a chosen zip with a greater version is an update available, published after signing in again", async () => {
  const teamsBefore = Number(await card().$(byTestId("catalog-installs-team")).getAttribute("data-current"));
  await pick("catalog-file", newer);
  const target = browser.$(byTestId("catalog-target"));
  await target.waitForExist({ timeout: 10000 });
  assert.equal(await target.getAttribute("data-kind"), "update");
  assert.match(await target.getText(), /Update available: FlashDuty is at 1\.0\.2 in the catalog; this chosen zip is 1\.0\.3/);
  assert.equal(await browser.$(byTestId("catalog-check")).getText(), "0 error(s), 0 warning(s)");
  assert.equal(await card().$(byTestId("catalog-local")).getText(), "chosen zip 1.0.3: update available");
  assert.equal(await card().$(byTestId("catalog-update-status")).getAttribute("data-local"), "newer");
  await textBecomes(browser.$(byTestId("catalog-publish-send")), "Publish FlashDuty 1.0.3 as an update", "send button");
  await screenshot(browser, "catalog-update-available");

  // Reading the tenant did not ask for the publishing permissions: the page asks now...
  await browser.$(byTestId("catalog-publish-send")).click();
  const consent = browser.$(byTestId("consent-needed"));
  await consent.waitForExist({ timeout: 15000 });
  assert.match(await consent.getText(), /Sign in again to allow publishing/);
  await screenshot(browser, "catalog-consent");
  await browser.$(byTestId("consent-sign-in")).click();
  await approveDeviceCode(browser);
  // ...and repeats the upload itself once signed in.
  const done = browser.$(byTestId("catalog-published"));
  await done.waitForExist({ timeout: 20000, timeoutMsg: "the update was not repeated after signing in" });
  assert.match(await done.getText(), /Updated\s*FlashDuty 1\.0\.3 is published/);
  await browser.waitUntil(async () => (await card().$(byTestId("catalog-version")).getText()) === "catalog 1.0.3", {
    timeout: 15000,
    timeoutMsg: "the card did not move to 1.0.3",
  });
  await tap(card().$(byTestId("details-tab-versions")));
  assert.equal(await definition("1.0.3").getAttribute("data-state"), "published");
  // Every version stays listed, not only the current one.
  assert.ok(await definition("1.0.2").isExisting(), "1.0.2 is still listed");
  await tap(card().$(byTestId("details-tab-installations")));
  assert.equal(await card().$(byTestId("catalog-local")).getText(), "chosen zip 1.0.3: the catalog has it");
  assert.match(await browser.$(byTestId("catalog-target")).getText(), /The catalog has FlashDuty 1\.0\.3 already/);
  // Every installation is now behind the catalog: nothing current any more.
  const teams = card().$(byTestId("catalog-installs-team"));
  assert.equal(Number(await teams.getAttribute("data-current")), 0);
  assert.ok(Number(await teams.getAttribute("data-behind")) >= teamsBefore);
  assert.match(await card().$(byTestId("catalog-installs")).getText(), /below 1\.0\.3/);
  await screenshot(browser, "catalog-updated");
});

test("a lower version is flagged before upload and cannot be sent, with the reason next to the button", async () => {
  await pick("catalog-file", older);
  const target = browser.$(byTestId("catalog-target"));
  await browser.waitUntil(async () => (await target.getAttribute("data-kind")) === "not-greater", { timeout: 10000 });
  assert.match(await target.getText(), /1\.0\.1 is not greater than 1\.0\.3/);
  assert.equal(await card().$(byTestId("catalog-local")).getText(), "chosen zip 1.0.1: older than the catalog's 1.0.3");
  assert.equal(await browser.$(byTestId("catalog-publish-send")).isEnabled(), false);
  assert.match(await browser.$(byTestId("catalog-publish-blocker")).getText(), /1\.0\.1 is lower than the catalog's 1\.0\.3/);
  assert.equal(await card().$(byTestId("catalog-version")).getText(), "catalog 1.0.3");
  await tap(card().$(byTestId("details-tab-versions")));
  assert.ok(!(await definition("1.0.1").isExisting()), "nothing was uploaded");
  await screenshot(browser, "catalog-lower-refused");
});

test("an update submitted for review is withdrawn after confirming; a second one is rejected", async () => {
  await pick("catalog-file", forReview);
  await browser.waitUntil(async () => (await browser.$(byTestId("catalog-target")).getAttribute("data-kind")) === "update", { timeout: 10000 });
  await browser.$(byTestId("catalog-review-flag")).click();
  const done = await sendAndWait("catalog-published");
  assert.equal(await done.getAttribute("data-state"), "submitted");
  await tap(card().$(byTestId("details-tab-versions")));
  await definition("1.0.4").waitForExist({ timeout: 15000 });
  assert.equal(await definition("1.0.4").getAttribute("data-state"), "submitted");
  // Users still get the published 1.0.3 until someone approves.
  assert.equal(await card().$(byTestId("catalog-version")).getText(), "catalog 1.0.3");
  assert.match(await card().$(byTestId("catalog-visibility-warning")).getText(), /1\.0\.4 is waiting for review/);
  assert.equal(await card().$(byTestId("catalog-local")).getText(), "chosen zip 1.0.4: submitted, waiting for review");
  await screenshot(browser, "catalog-submitted");

  await definition("1.0.4").$(byTestId("catalog-withdraw")).click();
  const dialog = await dialogShown("catalog-withdraw-dialog");
  await textBecomes(dialog, /the published 1\.0\.3 stays/, "withdraw dialog");
  await screenshot(browser, "catalog-withdraw-confirm");
  await browser.$(byTestId("catalog-withdraw-confirm")).click();
  await definition("1.0.4").waitForExist({ reverse: true, timeout: 15000, timeoutMsg: "1.0.4 was not withdrawn" });
  assert.equal(await definition("1.0.3").getAttribute("data-state"), "published");

  // The same version again, rejected this time.
  await sendAndWait("catalog-published");
  await definition("1.0.4").waitForExist({ timeout: 15000 });
  await definition("1.0.4").$(byTestId("catalog-reject")).click();
  await browser.waitUntil(async () => (await definition("1.0.4").getAttribute("data-state")) === "rejected", {
    timeout: 15000,
    timeoutMsg: "1.0.4 was not rejected",
  });
  assert.ok(!(await definition("1.0.4").$(byTestId("catalog-approve")).isExisting()), "a rejected version has no review buttons");
  assert.match(await card().getText(), /Version 1\.0\.4 was rejected/);
  await browser.$(byTestId("catalog-review-flag")).click();
});

test("Expense Tracker's submission is approved", async () => {
  const expense = await openApp("Expense Tracker", "versions");
  await expense.scrollIntoView();
  await expense.$(byTestId("catalog-approve")).click();
  await browser.waitUntil(async () => (await expense.$(byTestId("definition-0.9.0")).getAttribute("data-state")) === "published", {
    timeout: 15000,
    timeoutMsg: "0.9.0 was not approved",
  });
  assert.ok(!(await expense.$(byTestId("catalog-visibility-warning")).isExisting()), "no 'not visible' warning once published");
  assert.equal(await expense.$(byTestId("catalog-version")).getText(), "catalog 0.9.0");
  await screenshot(browser, "catalog-approved");
});

test("an app is deleted only after confirming", async () => {
  const helpdesk = await openApp("Contoso Helpdesk");
  await helpdesk.scrollIntoView();
  await helpdesk.$(byTestId("catalog-delete")).click();
  const dialog = await dialogShown("catalog-delete-dialog");
  await textBecomes(dialog, /Delete Contoso Helpdesk from the org catalog\?/, "delete dialog");
  await screenshot(browser, "catalog-delete-confirm");
  await browser.$(byTestId("catalog-delete-cancel")).click();
  await dialog.waitForExist({ reverse: true, timeout: 5000 });
  assert.ok(await named("Contoso Helpdesk").isExisting(), "kept after 'Keep it'");

  await helpdesk.$(byTestId("catalog-delete")).click();
  await browser.$(byTestId("catalog-delete-confirm")).click();
  await row("Contoso Helpdesk").waitForExist({ reverse: true, timeout: 15000, timeoutMsg: "not deleted" });
  assert.ok(!(await browser.$(byTestId("catalog-error")).isExisting()));
});

test("the page in the dark theme", async () => {
  await openApp("FlashDuty");
  const theme = () => browser.$(byTestId("app-root")).getAttribute("data-theme");
  await browser.$(byTestId("theme-toggle")).click();
  await browser.waitUntil(async () => (await theme()) === "dark", { timeout: 5000, timeoutMsg: "no dark theme" });
  // The attribute flips at once; Fluent fades the colours in. Wait until a button is painted
  // dark, and until FlashDuty's card is really at the top, so the picture is what it claims.
  const refresh = browser.$(byTestId("catalog-refresh"));
  await browser.waitUntil(async () => (await refresh.getCSSProperty("background-color")).parsed.hex !== "#ffffff", {
    timeout: 5000,
    timeoutMsg: "the buttons never turned dark",
  });
  await card().scrollIntoView({ block: "start" });
  await browser.waitUntil(
    async () => {
      const top = await browser.execute((el) => el.getBoundingClientRect().top, await card());
      return top >= 0 && top < 160;
    },
    { timeout: 5000, timeoutMsg: "FlashDuty's card did not scroll to the top" },
  );
  await screenshot(browser, "catalog-dark");
  await browser.$(byTestId("theme-toggle")).click();
  await browser.waitUntil(async () => (await theme()) === "light", { timeout: 5000 });
});
