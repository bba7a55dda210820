// The Permissions page on the demo tenant, in the real window: sign in (device code approved
// through the simulator's control endpoint), let the page ask for the permission-review and
// then the revocation scopes as it would for a real admin, see FlashDuty's missing
// Team.ReadBasic.All as "Update available" with its admin consent link, and revoke the excess
// Group.ReadWrite.All through the confirmation dialog until its row is gone.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { approveDeviceCode, byTestId, screenshot, startSession, openPage, test } from "./harness.mjs";

const FLASHDUTY_APP_ID = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
const EXCESS_ROW = "perm-row-Group.ReadWrite.All|application";

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

test("sign in to the demo tenant", async () => {
  await browser.$(byTestId("profile-area")).click();
  await browser.$(byTestId("menu-sign-in")).click();
  await approveDeviceCode(browser);
  await browser.waitUntil(
    async () => /Megan Bowen · Contoso/.test(await browser.$(byTestId("profile-label")).getText()),
    { timeout: 30000, timeoutMsg: "not signed in after approval" },
  );
});

test("the page asks for permission review, then shows FlashDuty's missing permission as Update available", async () => {
  await openPage(browser, "permissions");
  // The first sign-in only read the tenant: reading grants needs more scopes.
  const needed = browser.$(byTestId("perm-sign-in-needed"));
  await needed.waitForExist({ timeout: 30000 });
  assert.equal(await needed.getAttribute("data-code"), "consent_required");
  await browser.$(byTestId("perm-sign-in")).click();
  await approveDeviceCode(browser);

  const banner = browser.$(byTestId("update-available"));
  await banner.waitForExist({ timeout: 60000, timeoutMsg: "no Update available banner" });
  assert.match(await banner.getText(), /UPDATE AVAILABLE/);
  assert.match(await browser.$(byTestId("missing-required")).getText(), /Team\.ReadBasic\.All \(application\)/);

  const consent = browser.$(byTestId("consent-url"));
  const url = new URL(await consent.getAttribute("data-url"));
  assert.match(url.pathname, /\/v2\.0\/adminconsent$/);
  assert.equal(url.searchParams.get("client_id"), FLASHDUTY_APP_ID);
  // Application permissions can only be consented through .default.
  assert.equal(url.searchParams.get("scope"), "https://graph.microsoft.com/.default");
  assert.equal((await consent.getText()).trim(), url.toString());

  const excess = browser.$(byTestId(EXCESS_ROW));
  assert.ok(await excess.isExisting(), "the excess Group.ReadWrite.All row is shown");
  assert.match(await excess.getAttribute("data-state"), /^(excess|broader)$/);
  assert.match(await browser.$(byTestId("connection-model")).getText(), /\S/);
  // The banner at the top of the view: the findings (sorted first) follow it on screen.
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await banner);
  await screenshot(browser, "permissions-diff");

  await browser.$(byTestId("tab-matrix")).click();
  const matrix = browser.$(byTestId("perm-matrix"));
  await matrix.waitForExist({ timeout: 5000 });
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await matrix);
  await screenshot(browser, "permissions-matrix");
  await browser.$(byTestId("tab-diff")).click();
});

test("the excess role is revoked through the confirmation dialog and disappears", async () => {
  await browser.$(byTestId("fix-Group.ReadWrite.All|application")).click();
  const effect = browser.$(byTestId("fix-effect"));
  // The dialog fades in; WebDriver reports no text until it is visible.
  await effect.waitForDisplayed({ timeout: 30000 });
  await browser.waitUntil(async () => /no longer be able to/.test(await effect.getText()), {
    timeout: 10000,
    timeoutMsg: "the confirmation does not say what stops working",
  });
  assert.match(await browser.$(byTestId("fix-token-note")).getText(), /stay valid until they expire/);
  assert.match(await browser.$(byTestId("fix-request")).getText(), /^DELETE \/servicePrincipals\/.+\/appRoleAssignments\//);
  await screenshot(browser, "permissions-revoke-confirm");

  // Reading was enough to plan; revoking needs the revocation scopes: sign in again for them.
  await browser.$(byTestId("fix-confirm")).click();
  const error = browser.$(byTestId("fix-error"));
  await error.waitForExist({ timeout: 30000 });
  assert.equal(await error.getAttribute("data-code"), "consent_required");
  await browser.$(byTestId("fix-sign-in")).click();
  await approveDeviceCode(browser);

  await browser.$(byTestId("fix-confirm")).waitForClickable({ timeout: 15000 });
  await browser.$(byTestId("fix-confirm")).click();
  const outcome = browser.$(byTestId("fix-outcome"));
  await outcome.waitForDisplayed({ timeout: 30000 });
  assert.equal(await outcome.getAttribute("data-outcome"), "succeeded");
  assert.match(await outcome.getText(), /Group\.ReadWrite\.All removed/);
  await browser.$(byTestId(EXCESS_ROW)).waitForExist({ reverse: true, timeout: 60000, timeoutMsg: "the revoked row is still shown" });
  assert.ok(await browser.$(byTestId("update-available")).isExisting(), "the missing permission is still missing");
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await browser.$(byTestId("fix-outcome")));
  await screenshot(browser, "permissions-after-revoke");

  await openPage(browser, "activity");
  await browser.waitUntil(async () => /permission\.revoke_app_role/.test(await browser.$("main").getText()), {
    timeout: 10000,
    timeoutMsg: "the revocation is not in the Activity log",
  });
});

test("the picture reads in the dark theme too", async () => {
  await browser.$(byTestId("theme-toggle")).click();
  await openPage(browser, "permissions");
  const banner = browser.$(byTestId("update-available"));
  await banner.waitForDisplayed({ timeout: 60000 });
  await browser.$(byTestId("tab-matrix")).click();
  const matrix = browser.$(byTestId("perm-matrix"));
  await matrix.waitForDisplayed({ timeout: 5000 });
  assert.equal(await browser.$(byTestId("app-root")).getAttribute("data-theme"), "dark");
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await banner);
  await screenshot(browser, "permissions-dark");
});
