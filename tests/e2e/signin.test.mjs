// Demo mode in the real window: sign in with the device-code flow, approved through the
// simulator's control endpoint (standing in for the admin approving on Microsoft's page).
import assert from "node:assert/strict";
import {
  approveCode,
  byTestId,
  openPage,
  screenshot,
  startDeviceCode,
  step,
  tap,
  useApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";

const app = useApp({ args: ["--demo"] });

step("the demo tenant is clearly marked and starts signed out", async () => {
  const { browser } = app;
  await waitForText(browser.$(byTestId("demo-badge")), /Demo tenant/, { what: "the demo badge" });
  await waitForText(browser.$(byTestId("profile-label")), /not signed in/, { what: "the profile label" });
});

step("device-code sign-in shows the code and ends signed in to Contoso", async () => {
  const { browser } = app;
  await tap(browser.$(byTestId("profile-area")));
  await tap(browser.$(byTestId("menu-sign-in")));
  const { userCode, origin } = await startDeviceCode(browser);
  assert.match(userCode, /^[A-Z0-9-]{6,}$/);
  await screenshot(browser, "signin-device-code");
  await approveCode(origin, userCode);

  await waitForText(browser.$(byTestId("profile-label")), /Megan Bowen · Contoso/, { what: "signed in after approval" });
  await openPage(browser, "overview");
  await waitForText(browser.$(byTestId("tenant-name")), "Contoso", { what: "the tenant's name" });
  await waitForText(browser.$(byTestId("tenant-account")), /megan\.bowen@contoso\.onmicrosoft\.com/, { what: "the account" });
  await screenshot(browser, "signin-overview");
});

step("Settings shows the scopes the demo profile now holds", async () => {
  const { browser } = app;
  await openPage(browser, "settings");
  await waitForAttribute(browser.$(byTestId("scope-User.Read")), "data-held", "true", { what: "User.Read held" });
  assert.equal(await browser.$(byTestId("scope-AppRoleAssignment.ReadWrite.All")).getAttribute("data-held"), "false");
  await screenshot(browser, "signin-settings-scopes");
});
