// Demo mode in the real window: sign in with the device-code flow, approved through the
// simulator's control endpoint (standing in for the admin approving on Microsoft's page).
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { byTestId, screenshot, startSession, openPage, test } from "./harness.mjs";

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

test("the demo tenant is clearly marked and starts signed out", async () => {
  assert.match(await browser.$(byTestId("demo-badge")).getText(), /Demo tenant/);
  await browser.waitUntil(async () => /not signed in/.test(await browser.$(byTestId("profile-label")).getText()), {
    timeout: 10000,
  });
});

test("device-code sign-in shows the code and ends signed in to Contoso", async () => {
  await browser.$(byTestId("profile-area")).click();
  await browser.$(byTestId("menu-sign-in")).click();
  await browser.$(byTestId("sign-in-start")).click();
  const codeBox = browser.$(byTestId("device-code"));
  await codeBox.waitForExist({ timeout: 15000 });
  const userCode = (await codeBox.getText()).trim();
  assert.match(userCode, /^[A-Z0-9-]{6,}$/);
  await screenshot(browser, "signin-device-code");

  const dialogText = await browser.$(byTestId("sign-in-dialog")).getText();
  const verification = dialogText.match(/https?:\/\/127\.0\.0\.1:\d+\S*/)?.[0];
  assert.ok(verification, `verification URL in: ${dialogText}`);
  const base = new URL(verification).origin;
  const approved = await fetch(`${base}/_sim/device-codes/approve`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user_code: userCode }),
  });
  assert.equal(approved.status, 200, await approved.text());

  await browser.waitUntil(
    async () => /Megan Bowen · Contoso/.test(await browser.$(byTestId("profile-label")).getText()),
    { timeout: 30000, timeoutMsg: "not signed in after approval" },
  );
  await openPage(browser, "overview");
  await browser.$(byTestId("tenant-name")).waitForExist({ timeout: 5000 });
  assert.equal(await browser.$(byTestId("tenant-name")).getText(), "Contoso");
  assert.match(await browser.$(byTestId("tenant-account")).getText(), /megan\.bowen@contoso\.onmicrosoft\.com/);
  await screenshot(browser, "signin-overview");
});

test("Settings shows the scopes the demo profile now holds", async () => {
  await openPage(browser, "settings");
  const userRead = browser.$(byTestId("scope-User.Read"));
  await userRead.waitForExist({ timeout: 5000 });
  assert.equal(await userRead.getAttribute("data-held"), "true");
  assert.equal(await browser.$(byTestId("scope-AppRoleAssignment.ReadWrite.All")).getAttribute("data-held"), "false");
  await screenshot(browser, "signin-settings-scopes");
});
