// The Permissions page on the demo tenant, in the real window: sign in (device code approved
// through the simulator's control endpoint), let the page ask for the permission-review and
// then the revocation scopes as it would for a real admin, see FlashDuty's missing
// Team.ReadBasic.All as "Consent needed" with its admin consent link, and revoke the excess
// Group.ReadWrite.All through the confirmation dialog until its row is gone.
import assert from "node:assert/strict";
import {
  approveDeviceCode,
  byTestId,
  openPage,
  screenshot,
  setTheme,
  signIn,
  step,
  tap,
  TIMEOUT,
  useApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";

const FLASHDUTY_APP_ID = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
const EXCESS_ROW = "perm-row-Group.ReadWrite.All|application";

const app = useApp({ args: ["--demo"] });
/** The window (set once `useApp` has started it). */
let browser;

step("sign in to the demo tenant", async () => {
  browser = app.browser;
  await signIn(browser);
});

step("the page asks for permission review, then shows FlashDuty's missing permission as Consent needed", async () => {
  await openPage(browser, "permissions");
  // The first sign-in only read the tenant: reading grants needs more scopes.
  await waitForAttribute(browser.$(byTestId("perm-sign-in-needed")), "data-code", "consent_required", { what: "the sign-in prompt" });
  await tap(browser.$(byTestId("perm-sign-in")));
  await approveDeviceCode(browser);

  const banner = browser.$(byTestId("perm-consent-needed"));
  await waitForText(banner, /Consent needed/, { timeout: TIMEOUT.work, what: "the Consent needed banner" });
  await waitForText(browser.$(byTestId("missing-required")), /Team\.ReadBasic\.All \(application\)/, { what: "the missing permission" });

  const consent = browser.$(byTestId("consent-url"));
  const url = new URL(await consent.getAttribute("data-url"));
  assert.match(url.pathname, /\/v2\.0\/adminconsent$/);
  assert.equal(url.searchParams.get("client_id"), FLASHDUTY_APP_ID);
  // Application permissions can only be consented through .default.
  assert.equal(url.searchParams.get("scope"), "https://graph.microsoft.com/.default");
  await waitForText(consent, url.toString(), { what: "the consent link's text" });

  const excess = browser.$(byTestId(EXCESS_ROW));
  await waitForAttribute(excess, "data-state", /^(excess|broader)$/, { what: "the excess Group.ReadWrite.All row" });
  await waitForText(browser.$(byTestId("connection-model")), /\S/, { what: "the connection model" });
  // The banner at the top of the view: the findings (sorted first) follow it on screen.
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await banner);
  await screenshot(browser, "permissions-diff");

  await tap(browser.$(byTestId("tab-matrix")));
  const matrix = browser.$(byTestId("perm-matrix"));
  await matrix.waitForDisplayed({ timeout: TIMEOUT.ui });
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await matrix);
  await screenshot(browser, "permissions-matrix");
  await tap(browser.$(byTestId("tab-diff")));
});

step("the excess role is revoked through the confirmation dialog and disappears", async () => {
  await tap(browser.$(byTestId("fix-Group.ReadWrite.All|application")));
  // The dialog fades in; its text is read once it is there.
  await waitForText(browser.$(byTestId("fix-effect")), /no longer be able to/, { what: "what stops working" });
  await waitForText(browser.$(byTestId("fix-token-note")), /stay valid until they expire/, { what: "the token note" });
  await waitForText(browser.$(byTestId("fix-request")), /^DELETE \/servicePrincipals\/.+\/appRoleAssignments\//, { what: "the request" });
  await screenshot(browser, "permissions-revoke-confirm");

  // Reading was enough to plan; revoking needs the revocation scopes: sign in again for them.
  await tap(browser.$(byTestId("fix-confirm")));
  await waitForAttribute(browser.$(byTestId("fix-error")), "data-code", "consent_required", { what: "the revocation's refusal" });
  await tap(browser.$(byTestId("fix-sign-in")));
  await approveDeviceCode(browser);

  await tap(browser.$(byTestId("fix-confirm")));
  const outcome = browser.$(byTestId("fix-outcome"));
  await waitForAttribute(outcome, "data-outcome", "succeeded", { what: "the revocation's outcome" });
  await waitForText(outcome, /Group\.ReadWrite\.All removed/, { what: "the outcome" });
  await browser.$(byTestId(EXCESS_ROW)).waitForExist({ reverse: true, timeout: TIMEOUT.work, timeoutMsg: "the revoked row is still shown" });
  assert.ok(await browser.$(byTestId("perm-consent-needed")).isExisting(), "the missing permission is still missing");
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await browser.$(byTestId("fix-outcome")));
  await screenshot(browser, "permissions-after-revoke");
});

// On this page, not after coming back: coming back re-reads every grant (every team's RSC), which
// is the page's own story, not the theme's.
step("the picture reads in the dark theme too", async () => {
  await setTheme(browser, "dark");
  const banner = browser.$(byTestId("perm-consent-needed"));
  await banner.waitForDisplayed({ timeout: TIMEOUT.ui });
  await tap(browser.$(byTestId("tab-matrix")));
  await browser.$(byTestId("perm-matrix")).waitForDisplayed({ timeout: TIMEOUT.ui });
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await banner);
  await screenshot(browser, "permissions-dark");
  await setTheme(browser, "light");
});

step("the revocation is in the Activity log", async () => {
  await openPage(browser, "activity");
  await waitForText(browser.$("main"), /permission\.revoke_app_role/, { what: "the revocation in the Activity log" });
});
