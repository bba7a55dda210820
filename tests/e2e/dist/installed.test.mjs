// The desktop app as the .deb installs it (unpacked by scripts/dist/smoke.sh, `make test-dist`):
// its window opens with --demo, About names the packaged version and commit, and it keeps its
// data where the packaged CLI does, in the OS folders (no BOTDECK_DATA_DIR), with the real
// keyring working. Not part of `make test-e2e`: it needs the packages built first.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  byTestId,
  dialogShown,
  openPage,
  screenshot,
  step,
  tap,
  TIMEOUT,
  useApp,
  waitForText,
} from "../harness.mjs";

const cli = process.env.BOTDECK_DIST_CLI;
const expectVersion = process.env.BOTDECK_E2E_EXPECT_VERSION;
const expectCommit = process.env.BOTDECK_E2E_EXPECT_COMMIT;
if (!cli || !expectVersion || !expectCommit) throw new Error("run through scripts/dist/smoke.sh (make test-dist)");

const app = useApp({ args: ["--demo"], defaultPaths: true });

step("the packaged app opens its window on the demo tenant", async () => {
  const { browser } = app;
  assert.equal(await browser.getTitle(), "BotDeck");
  await waitForText(browser.$(byTestId("demo-badge")), /Demo tenant/, { what: "the demo badge" });
  await waitForText(browser.$(byTestId("status-bar")), new RegExp(`BotDeck ${expectVersion.replace(/\./g, "\\.")}`), {
    what: "the version in the status bar",
  });
  await screenshot(browser, "installed-window");
});

step("About names the packaged version and commit", async () => {
  const { browser } = app;
  await tap(browser.$(byTestId("about-open")));
  const dialog = await dialogShown(browser, "about-dialog");
  await waitForText(browser.$(byTestId("about-version")), expectVersion, { what: "About's version" });
  await waitForText(browser.$(byTestId("about-commit")), expectCommit, { what: "About's commit" });
  await screenshot(browser, "installed-about");
  await browser.keys("Escape");
  await dialog.waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "Escape did not close About" });
});

step("the app keeps its data where the packaged CLI does, and the keyring works", async () => {
  const { browser } = app;
  const env = { ...process.env };
  delete env.BOTDECK_DATA_DIR;
  delete env.BOTDECK_LOG_DIR;
  let report;
  try {
    report = JSON.parse(execFileSync(cli, ["doctor", "--json"], { env }).toString());
  } catch (err) {
    // doctor exits non-zero when a check warns or fails; its JSON is still the answer.
    report = JSON.parse(err.stdout?.toString() ?? "{}");
  }
  assert.ok(report.stateFile, `doctor --json: ${JSON.stringify(report)}`);
  await openPage(browser, "settings");
  await waitForText(browser.$(byTestId("path-state")), report.stateFile, { what: "the state database the window uses" });
  await waitForText(browser.$(byTestId("path-cache")), report.cacheFile, { what: "the cache the window uses" });
  await waitForText(browser.$(byTestId("doctor-keyring")), /round-trip succeeded/, { what: "the keyring check in the window" });
  await screenshot(browser, "installed-settings");
});
