// Accessibility in the real window: axe-core on every page, signed in to the demo tenant so the
// pages show their tables and cards, in the light and the dark theme; any critical or serious
// violation fails. Each page is also shot at 1280×800 and 1024×640 in both themes (evidence
// under target/e2e-artifacts/a11y-*), and Escape closes the sign-in dialog with focus back on
// the button that opened it.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { approveDeviceCode, byTestId, screenshot, startSession, openPage, tap, test, TIMEOUT } from "./harness.mjs";
import { assertAccessible } from "./a11y.mjs";

const pages = ["overview", "package", "catalog", "installations", "permissions", "links", "activity", "settings"];
let session;
let browser;

before(async () => {
  session = await startSession({ args: ["--demo"] });
  browser = session.browser;
  await browser.$(byTestId("profile-label")).waitForExist({ timeout: TIMEOUT.start });
});

after(async () => {
  await session?.close();
});

const theme = () => browser.$(byTestId("app-root")).getAttribute("data-theme");
async function setTheme(wanted) {
  if ((await theme()) === wanted) return;
  await tap(browser.$(byTestId("theme-toggle")));
  await browser.waitUntil(async () => (await theme()) === wanted, { timeout: TIMEOUT.ui, timeoutMsg: `no ${wanted} theme` });
  // Fluent fades colours in: contrast is checked on the final colours.
  await browser.pause(400);
}

/** Waits until a page has finished its first load (no spinner left in it). */
async function settled(id) {
  await browser.waitUntil(
    async () =>
      browser.execute(
        (sel) => !document.querySelector(sel)?.querySelector('.fui-Spinner, [role="progressbar"]'),
        byTestId(`page-${id}`),
      ),
    { timeout: TIMEOUT.ui, interval: 250, timeoutMsg: `the ${id} page kept loading` },
  );
}

test("Escape closes the sign-in dialog opened from the keyboard", async () => {
  await openPage(browser, "overview");
  const opener = browser.$(byTestId("overview-sign-in"));
  await opener.waitForClickable({ timeout: TIMEOUT.ui });
  // From the keyboard, as a keyboard user does (WebKit does not focus a button on a mouse click,
  // so only the keyboard path has a focused opener to return to).
  await browser.execute((el) => el.focus(), await opener);
  await browser.keys("Enter");
  const dialog = browser.$(byTestId("sign-in-dialog"));
  await dialog.waitForDisplayed({ timeout: TIMEOUT.ui });
  await browser.keys("Escape");
  await dialog.waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "Escape did not close the sign-in dialog" });
});

test("after Escape, focus is back on the Sign in button (keyboard and mouse)", async () => {
  // Keyboard: the opener had focus. Focus must be back the moment the dialog is gone, not
  // after its exit animation (WebKit leaves it in the closing surface, then on the body).
  const focused = await browser.execute(() => document.activeElement?.getAttribute("data-testid"));
  assert.equal(focused, "overview-sign-in", "focus did not return to the Sign in button after Escape");
  // Mouse: WebKit does not focus a clicked button, yet focus still returns to it.
  await browser.execute(() => document.getElementById("page-title")?.focus());
  await tap(browser.$(byTestId("overview-sign-in")));
  const dialog = browser.$(byTestId("sign-in-dialog"));
  await dialog.waitForDisplayed({ timeout: TIMEOUT.ui });
  await browser.keys("Escape");
  await dialog.waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "Escape did not close the sign-in dialog" });
  await browser.waitUntil(
    async () => (await browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "overview-sign-in",
    { timeout: TIMEOUT.ui, interval: 50, timeoutMsg: "after a mouse-opened dialog, focus did not return to its button" },
  );
});

test("sign in from the Overview's Tenant card", async () => {
  await tap(browser.$(byTestId("overview-sign-in")));
  await approveDeviceCode(browser);
  await browser.waitUntil(async () => /Megan Bowen/.test(await browser.$(byTestId("profile-label")).getText()), {
    timeout: TIMEOUT.ui,
  });
  assert.equal(await browser.$(byTestId("check-sign-in")).getAttribute("data-done"), "yes", "the checklist ticks the sign-in");
});

for (const mode of ["light", "dark"]) {
  test(`no critical or serious axe violation on any page (${mode})`, async () => {
    await setTheme(mode);
    const found = [];
    for (const id of pages) {
      await openPage(browser, id);
      await settled(id);
      // The health check runs on arrival; its button is greyed out until it ends.
      if (id === "settings") await browser.$(byTestId("doctor-rerun")).waitForEnabled({ timeout: TIMEOUT.ui });
      try {
        await assertAccessible(browser, `${id} (${mode})`);
      } catch (err) {
        found.push(err.message);
      }
    }
    assert.equal(found.length, 0, found.join("\n\n"));
  });
}

test("each page at 1280×800 and 1024×640 in both themes (screenshots)", async () => {
  for (const [w, h] of [
    [1280, 800],
    [1024, 640],
  ]) {
    await browser.setWindowSize(w, h);
    for (const mode of ["light", "dark"]) {
      await setTheme(mode);
      for (const id of pages) {
        await openPage(browser, id);
        await settled(id);
        await screenshot(browser, `a11y-${id}-${w}x${h}-${mode}`);
      }
      // The app's details, where the availability note lives.
      await openPage(browser, "catalog");
      const row = browser.$('[data-testid^="catalog-row-"][data-name="FlashDuty"]');
      await row.waitForExist({ timeout: TIMEOUT.ui });
      await tap(row.$(byTestId("catalog-open")));
      await browser.$(byTestId("catalog-availability")).waitForDisplayed({ timeout: TIMEOUT.ui });
      await screenshot(browser, `a11y-catalog-details-${w}x${h}-${mode}`);
      await tap(browser.$(byTestId("catalog-back")));
    }
  }
  await setTheme("light");
  await browser.setWindowSize(1280, 800);
});
