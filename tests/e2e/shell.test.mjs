// The app frame in the real window: navigation, every page, theme, keyboard, doctor facts, About.
// Independent checks (`test`): one failing leaves the window clean for the next.
import assert from "node:assert/strict";
import {
  byTestId,
  dialogShown,
  openPage,
  screenshot,
  setTheme,
  tap,
  test,
  TIMEOUT,
  useApp,
  waitForApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";

const sections = ["overview", "package", "catalog", "installations", "permissions", "links", "activity", "settings"];
const app = useApp();

test("the window shows BotDeck with its navigation", async () => {
  const { browser } = app;
  assert.equal(await browser.getTitle(), "BotDeck");
  for (const id of sections) {
    assert.ok(await browser.$(byTestId(`nav-${id}`)).isDisplayed(), `nav-${id} visible`);
  }
  await waitForText(browser.$(byTestId("status-bar")), /BotDeck 0\.\d+\.\d+/, { what: "the version in the status bar" });
});

test("every page opens", async () => {
  const { browser } = app;
  for (const id of sections) {
    await openPage(browser, id);
    if (id === "links") {
      await waitForText(browser.$(byTestId("page-links")), /linked to the bot's integration/, { what: "the Links page" });
    }
    await screenshot(browser, `page-${id}`);
  }
});

test("the theme switch changes the theme and it is remembered", async () => {
  const { browser } = app;
  const root = browser.$(byTestId("app-root"));
  const before = await root.getAttribute("data-theme");
  const flipped = before === "dark" ? "light" : "dark";
  await setTheme(browser, flipped);
  await screenshot(browser, `theme-${flipped}`);
  // A reload reads the saved preference back from SQLite.
  await browser.refresh();
  await waitForApp(browser);
  await waitForAttribute(browser.$(byTestId("app-root")), "data-theme", flipped, { what: "the theme restored after reload" });
  await setTheme(browser, before);
});

test("the keyboard moves through the navigation", async () => {
  const { browser } = app;
  await openPage(browser, "overview");
  await browser.keys(["ArrowDown"]);
  await browser.keys(["Enter"]);
  await browser.$(byTestId("page-package")).waitForDisplayed({ timeout: TIMEOUT.ui });
  const focused = await browser.execute(() => document.activeElement?.getAttribute("data-testid"));
  assert.equal(focused, "nav-package");
});

test("Settings shows the doctor's facts from this machine", async () => {
  const { browser } = app;
  await openPage(browser, "settings");
  const keyring = browser.$(byTestId("doctor-keyring"));
  // The run has an unlocked gnome-keyring, so the real backend's round-trip succeeds.
  await waitForText(keyring, /round-trip succeeded/, { what: "the keyring check" });
  assert.equal(await keyring.getAttribute("data-status"), "ok");
  assert.equal(await browser.$(byTestId("doctor-sqlite")).getAttribute("data-status"), "ok");
  await waitForText(browser.$(byTestId("path-state")), /state\.sqlite3$/, { what: "the state database path" });
  await waitForText(browser.$(byTestId("path-cache")), /cache\.sqlite3$/, { what: "the cache database path" });
  await waitForText(browser.$(byTestId("path-log")), /\.log$/, { what: "the log path" });
  await screenshot(browser, "settings-doctor");
});

test("About names the version and commit, and closes with Escape", async () => {
  const { browser } = app;
  await tap(browser.$(byTestId("about-open")));
  const dialog = await dialogShown(browser, "about-dialog");
  await waitForText(browser.$(byTestId("about-version")), /^0\.\d+\.\d+$/, { what: "the version in About" });
  const commit = await waitForText(browser.$(byTestId("about-commit")), /^([0-9a-f]{7,40}|unknown)$/, { what: "the commit in About" });
  const expected = process.env.BOTDECK_E2E_EXPECT_COMMIT;
  if (expected) assert.equal(commit, expected);
  await screenshot(browser, "about");
  await browser.keys("Escape");
  await dialog.waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "Escape did not close About" });
});
