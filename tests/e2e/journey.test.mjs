// The whole FlashDuty update story in one flow, as a new Teams admin would walk it on the demo
// tenant: sign in, read where the bot is installed, publish 1.0.3 from the Catalog, upgrade the
// teams left behind, then check the bot's permissions — with axe on each page on the way.
//
// The Catalog's "Upgrade N outdated installations" offer belongs to another part of the same
// issue; when the build has it (data-testid="catalog-upgrade-outdated") the upgrade starts
// there, otherwise from the Installations page's bulk drawer, which is the flow as it exists.
// The first sign-in reads only (least privilege). Publishing needs a new sign-in; that one asks,
// by default, for the whole update (publish, upgrade, check permissions — the dialog names the
// permissions), so the story takes at most one extra sign-in: the test fails past that.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { approveDeviceCode, byTestId, scratchDir, screenshot, startSession, openPage, tap, test, TIMEOUT } from "./harness.mjs";
import { assertAccessible } from "./a11y.mjs";
import { flashduty, MANIFEST_ID } from "./zipkit.mjs";


const work = scratchDir("botdeck-e2e-journey-");
const v103 = join(work, "FlashDuty-v1.0.3.zip");
writeFileSync(v103, flashduty("1.0.3"));

let session;
let browser;
/** Sign-ins after the first one (the story's "extra" sign-ins). */
let extraSignIns = 0;

before(async () => {
  session = await startSession({ args: ["--demo"] });
  browser = session.browser;
  await browser.$(byTestId("profile-label")).waitForExist({ timeout: TIMEOUT.start });
});

after(async () => {
  console.log(`journey: ${extraSignIns} extra sign-in(s) after the first`);
  await session?.close();
});

/** The bar: the whole update story with at most one sign-in after the first. */
function assertAtMostOneExtraSignIn(where) {
  assert.ok(extraSignIns <= 1, `${where}: ${extraSignIns} sign-ins after the first (at most one allowed)`);
}

async function pick(testId, path) {
  const selector = byTestId(testId);
  const input = browser.$(selector);
  await input.waitForExist({ timeout: TIMEOUT.ui });
  // Hidden behind its button: lift it for the moment of the pick (WebKitWebDriver types only
  // into elements it can hit-test).
  await browser.execute((sel) => {
    const el = document.querySelector(sel);
    Object.assign(el.style, { display: "block", position: "fixed", top: "0", left: "0", width: "240px", height: "40px", opacity: "1", zIndex: "100000" });
  }, selector);
  await input.setValue(path);
  await browser.execute((sel) => document.querySelector(sel)?.removeAttribute("style"), selector);
}

async function signInAgainFrom(buttonId, { expectFeature } = {}) {
  await tap(browser.$(byTestId(buttonId)));
  if (expectFeature) {
    // The dialog says what it will ask Microsoft for before the admin signs in.
    const asks = browser.$(byTestId("sign-in-asks"));
    await browser.waitUntil(async () => (await asks.isExisting()) && (await asks.getAttribute("data-feature")) === expectFeature, {
      timeout: TIMEOUT.ui,
      timeoutMsg: `the sign-in dialog does not ask for ${expectFeature}`,
    });
  }
  await approveDeviceCode(browser);
  extraSignIns += 1;
  assertAtMostOneExtraSignIn(buttonId);
}

const flashRow = () => browser.$('[data-testid^="catalog-row-"][data-name="FlashDuty"]');
const details = () => browser.$(byTestId(`catalog-app-${MANIFEST_ID}`));

test("1. sign in from the Overview, which is about the bot", async () => {
  await openPage(browser, "overview");
  await tap(browser.$(byTestId("overview-sign-in")));
  await approveDeviceCode(browser);
  await browser.waitUntil(async () => /Megan Bowen/.test(await browser.$(byTestId("profile-label")).getText()), { timeout: TIMEOUT.ui });
  assert.equal(await browser.$(byTestId("check-sign-in")).getAttribute("data-done"), "yes");
  await assertAccessible(browser, "overview after sign-in");
});

test("2. read where FlashDuty is installed", async () => {
  await openPage(browser, "catalog");
  await flashRow().waitForExist({ timeout: TIMEOUT.ui });
  await openPage(browser, "installations");
  const load = browser.$(byTestId("installs-load-apps"));
  await tap(load);
  const picker = browser.$(byTestId("installs-app"));
  await browser.waitUntil(async () => /FlashDuty/.test(await picker.getText()), { timeout: TIMEOUT.ui });
  await picker.selectByVisibleText("FlashDuty");
  const sync = browser.$(byTestId("installs-sync"));
  await sync.waitForEnabled({ timeout: TIMEOUT.ui });
  await tap(sync);
  await browser.waitUntil(async () => (await browser.$(byTestId("sync-age")).getAttribute("data-status")) === "completed", {
    timeout: TIMEOUT.work,
    interval: 500,
    timeoutMsg: "the sync did not complete",
  });
  await assertAccessible(browser, "installations after sync");
});

test("3. publish 1.0.3 from the Catalog (the page checks it first, then asks for publishing)", async () => {
  await openPage(browser, "catalog");
  await tap(flashRow().$(byTestId("catalog-open")));
  await details().waitForExist({ timeout: TIMEOUT.ui });
  await pick("catalog-file", v103);
  const target = browser.$(byTestId("catalog-target"));
  await browser.waitUntil(async () => (await target.getAttribute("data-kind")) === "update", { timeout: TIMEOUT.ui });
  assert.ok(!(await browser.$(byTestId("catalog-publish-blocker")).isExisting()), "the local checks pass");
  await tap(browser.$(byTestId("catalog-publish-send")));
  const consent = browser.$(byTestId("consent-needed"));
  await consent.waitForExist({ timeout: TIMEOUT.ui });
  await signInAgainFrom("consent-sign-in", { expectFeature: "update_bot" });
  const done = browser.$(byTestId("catalog-published"));
  await done.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "the update was not repeated after signing in" });
  assert.match(await done.getText(), /FlashDuty 1\.0\.3 is published/);
  await browser.waitUntil(async () => (await details().$(byTestId("catalog-version")).getText()) === "catalog 1.0.3", {
    timeout: TIMEOUT.ui,
  });
  await tap(details().$(byTestId("details-tab-installations")));
  const teams = details().$(byTestId("catalog-installs-team"));
  await teams.waitForExist({ timeout: TIMEOUT.ui });
  assert.ok(Number(await teams.getAttribute("data-behind")) > 0, "teams are behind 1.0.3 now");
  await screenshot(browser, "journey-published");
  await assertAccessible(browser, "catalog details after publishing");
});

test("4. upgrade the outdated teams", async () => {
  const offer = browser.$(byTestId("catalog-upgrade-outdated"));
  if (await offer.isExisting()) {
    await tap(offer);
  } else {
    await openPage(browser, "installations");
    await browser.$(byTestId("filter-kind")).selectByAttribute("value", "team");
    await browser.$(byTestId("filter-older")).setValue("1.0.3");
    await browser.$(byTestId("filter-hide-archived")).click();
    const count = async () => Number((await browser.$(byTestId("inventory-count")).getText()).replace(/\D/g, ""));
    await browser.waitUntil(async () => (await count()) > 0, { timeout: TIMEOUT.ui, timeoutMsg: "no outdated active team listed" });
    await tap(browser.$(byTestId("bulk-open")));
  }
  const drawer = browser.$(byTestId("bulk-drawer"));
  await drawer.waitForDisplayed({ timeout: TIMEOUT.ui });
  // Its radios refuse clicks while it slides in.
  // (Best effort: a spinner's endless animation must not fail the test.)
  await browser
    .waitUntil(async () => browser.execute(() => document.getAnimations().every((a) => a.playState !== "running")), {
      timeout: 5000,
      interval: 100,
    })
    .catch(() => undefined);
  const runIt = async () => {
    // Fluent radios are transparent inputs over their label: click them, as the Installations
    // suite does (a "clickable" wait never sees them).
    const upgrade = browser.$(byTestId("bulk-action-upgrade"));
    if (!(await upgrade.isSelected())) await upgrade.click();
    const source = browser.$(byTestId("bulk-source-0"));
    // Preselected by the Catalog's offer; clicking it while the drawer slides in is refused.
    if ((await source.isExisting()) && !(await source.isSelected())) await source.click();
    await tap(browser.$(byTestId("bulk-preview")));
    const plan = browser.$(byTestId("bulk-plan"));
    await plan.waitForExist({ timeout: TIMEOUT.ui });
    assert.ok(Number(await plan.getAttribute("data-planned")) > 0, "something to upgrade");
    await tap(browser.$(byTestId("bulk-run")));
  };
  await runIt();
  const consent = browser.$(byTestId("consent-needed"));
  if (await consent.waitForExist({ timeout: 15000 }).catch(() => false)) {
    // After "Sign in again" the drawer stays open and repeats the run itself (Installations
    // page); running it again by hand would race it.
    await signInAgainFrom("consent-sign-in");
  }
  const result = browser.$(byTestId("bulk-result"));
  await result.waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the upgrade did not finish" });
  assert.equal(await result.getAttribute("data-failed"), "0");
  await screenshot(browser, "journey-upgraded");
  const close = browser.$(byTestId("bulk-close"));
  if (await close.isExisting()) await tap(close);
});

test("5. check the bot's permissions: read once, then from the cache with its age", async () => {
  // Whatever step 4 left open (its drawer) is closed the keyboard's way.
  if (await browser.$(byTestId("bulk-drawer")).isExisting()) {
    await browser.keys("Escape");
    await browser.$(byTestId("bulk-drawer")).waitForExist({ reverse: true, timeout: 5000 }).catch(() => undefined);
  }
  await openPage(browser, "permissions");
  const needed = browser.$(byTestId("perm-sign-in-needed"));
  const consent = browser.$(byTestId("perm-consent-needed"));
  await browser.waitUntil(async () => (await needed.isExisting()) || (await consent.isExisting()), { timeout: TIMEOUT.ui });
  if (await needed.isExisting()) await signInAgainFrom("perm-sign-in");
  await consent.waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the permissions were not read" });
  assert.match(await consent.getText(), /Consent needed/);
  assert.match(await browser.$(byTestId("missing-required")).getText(), /Team\.ReadBasic\.All/);
  assert.equal(await browser.$(byTestId("perm-age")).getAttribute("data-from-cache"), "no");
  await tap(browser.$(byTestId("tab-matrix")));
  const places = await browser.$$('[data-testid^="matrix-place-"]');
  assert.ok(places.length > 0, "teams are rows of the matrix");
  await screenshot(browser, "journey-permissions");
  await assertAccessible(browser, "permissions after reading");

  // Another visit opens from the cache: no new read, the age is shown.
  await openPage(browser, "overview");
  const missing = browser.$(byTestId("overview-perms-missing"));
  await missing.waitForExist({ timeout: TIMEOUT.ui });
  assert.match(await missing.getText(), /Consent needed: 1 required permission missing/);
  await openPage(browser, "permissions");
  await browser.$(byTestId("perm-age")).waitForExist({ timeout: TIMEOUT.ui });
  assert.equal(await browser.$(byTestId("perm-age")).getAttribute("data-from-cache"), "yes");
  assert.ok(!(await browser.$(byTestId("perm-loading")).isExisting()), "no re-read on a visit");
});

test("6. every page, after the story, at 1280×800 and 1024×640 in both themes (screenshots)", async () => {
  const pages = ["overview", "package", "catalog", "installations", "permissions", "links", "activity", "settings"];
  const theme = () => browser.$(byTestId("app-root")).getAttribute("data-theme");
  // Badges and buttons whose label does not fit their box (cut off, or drawn over the next row).
  const spills = (where) =>
    browser.execute((where) => {
      const found = [];
      for (const el of document.querySelectorAll(".fui-Badge, .fui-Button")) {
        if (!el.offsetParent) continue;
        if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
          found.push(`${where}: "${el.textContent.trim().slice(0, 60)}" needs ${el.scrollWidth}×${el.scrollHeight}, has ${el.clientWidth}×${el.clientHeight}`);
        }
      }
      return found;
    }, where);
  const spilled = [];
  for (const [w, h] of [
    [1280, 800],
    [1024, 640],
  ]) {
    await browser.setWindowSize(w, h);
    for (const mode of ["light", "dark"]) {
      if ((await theme()) !== mode) {
        await tap(browser.$(byTestId("theme-toggle")));
        await browser.waitUntil(async () => (await theme()) === mode, { timeout: TIMEOUT.ui });
        await browser.pause(400);
      }
      for (const id of pages) {
        await openPage(browser, id);
        await browser.pause(600);
        await screenshot(browser, `journey-page-${id}-${w}x${h}-${mode}`);
        // The Links page belongs to another part of the work (issue 15); its shots are taken, not judged here.
        if (id !== "links") spilled.push(...(await spills(`${id} ${w}×${h} ${mode}`)));
      }
      await openPage(browser, "catalog");
      await tap(flashRow().$(byTestId("catalog-open")));
      await details().waitForExist({ timeout: TIMEOUT.ui });
      await browser.pause(400);
      await screenshot(browser, `journey-page-catalog-details-${w}x${h}-${mode}`);
      spilled.push(...(await spills(`catalog details ${w}×${h} ${mode}`)));
      await tap(browser.$(byTestId("catalog-back")));
    }
  }
  await browser.setWindowSize(1280, 800);
  assert.deepEqual(spilled, [], "labels that do not fit their badge or button");
});

test("7. the whole story took at most one extra sign-in", async () => {
  assertAtMostOneExtraSignIn("publish → upgrade → permissions");
  assert.equal(extraSignIns, 1, "publishing asks once (the first sign-in only reads)");
});
