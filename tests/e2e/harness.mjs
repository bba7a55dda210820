// The e2e harness. Every test file uses it the same way:
//
//   const app = useApp({ args: ["--demo"] });        // one window per file, started in `before`
//   step("sign in", async () => { await signIn(app.browser); });
//   step("the next part of the story", async () => { ... });
//
// Three rules make a cold first run (no font or shader cache, first D-Bus activation) pass
// like a warm one, and make a failure name itself instead of spreading:
//  1. Waits read content, never mere presence: `waitForText` waits until an element's text says
//     what the test needs (a dialog that exists but has not painted its text yet is not ready).
//  2. Timeouts are generous (TIMEOUT below): a wait returns as soon as its condition holds, so a
//     long timeout costs nothing when things work and saves a cold machine from false failures.
//  3. A failure does not cascade. A failed test leaves evidence (FAILED-<file>-<test>.png and
//     what the window showed, in its error), then the harness closes whatever dialog, drawer or
//     menu it left open (Escape; a reload if that is not enough). In a story (`step`), the steps
//     after a failed one are skipped with its name, since they build on it; independent checks
//     (`test`) keep running. A window that did not start fails the file's first test with the
//     reason and skips the rest.
//
// tauri-driver runs in its own process group and the whole group is killed at the end, whatever
// happens: leftover WebKit processes would otherwise hold CI's pipes open.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import assert from "node:assert/strict";
import { after, before, test as nodeTest } from "node:test";
import { remote } from "webdriverio";

const app = process.env.BOTDECK_E2E_APP;
const driverBin = process.env.BOTDECK_E2E_DRIVER;
export const artifacts = process.env.BOTDECK_E2E_ARTIFACTS ?? "target/e2e-artifacts";

// A slower machine can stretch every timeout at once (BOTDECK_E2E_TIMEOUT_SCALE=2).
const scale = Math.max(1, Number(process.env.BOTDECK_E2E_TIMEOUT_SCALE) || 1);
/** Timeouts in ms. Generous on purpose (rule 2 above). */
export const TIMEOUT = Object.freeze({
  /** The window's first paint: a cold WebKit start builds its caches first. */
  start: 120_000 * scale,
  /** Something the UI shows in answer to a click or an IPC call. */
  ui: 30_000 * scale,
  /** Long work against the demo tenant (a paced sync, a bulk run). */
  work: 180_000 * scale,
  /** One test, all in: past it the test fails with evidence instead of hanging the run. */
  test: 420_000 * scale,
});

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within ${ms} ms`);
}

/** A port the OS says is free right now (another run on this machine may hold any fixed one). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A temporary directory that lives as long as the test file's process. It is removed when the
 * file's tests all pass and kept (with the app's logs inside) when one failed, as evidence.
 */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once("exit", (code) => {
    if (code === 0) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * Starts tauri-driver and opens a WebDriver session on the app. Most files want `useApp`.
 * @param {{ args?: string[], env?: Record<string,string>, dataDir?: string, defaultPaths?: boolean }} options
 *   `defaultPaths`: leave BOTDECK_DATA_DIR / BOTDECK_LOG_DIR unset, so the app uses the OS
 *   folders under the run's throwaway HOME (the installed-package check relies on it).
 */
export async function startSession(options = {}) {
  if (!app || !driverBin) throw new Error("run through tests/e2e/run.sh");
  const port = await freePort();
  const nativePort = await freePort();
  const dataDir = options.dataDir ?? scratchDir("botdeck-e2e-");
  mkdirSync(artifacts, { recursive: true });

  const paths = options.defaultPaths
    ? {}
    : { BOTDECK_DATA_DIR: join(dataDir, "data"), BOTDECK_LOG_DIR: join(dataDir, "logs") };
  const env = { ...process.env, ...paths, ...options.env };
  if (options.defaultPaths) {
    delete env.BOTDECK_DATA_DIR;
    delete env.BOTDECK_LOG_DIR;
  }
  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    detached: true, // own process group: killed as a whole below
    stdio: ["ignore", "inherit", "inherit"],
    env,
  });
  const killGroup = () => {
    try {
      process.kill(-driver.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  process.once("exit", killGroup);

  let driverExit = null;
  driver.on("exit", (code, signal) => {
    driverExit = `tauri-driver exited (${code ?? signal}) — was port ${port} taken?`;
  });

  try {
    await waitForPort(port, 30_000 * scale);
    // Something else answering on the port is not our driver.
    if (driverExit) throw new Error(driverExit);
    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      // Creating the session launches the app: on a cold machine that is the slow part.
      connectionRetryTimeout: TIMEOUT.start,
      connectionRetryCount: 1,
      waitforTimeout: TIMEOUT.ui,
      capabilities: { "tauri:options": { application: app, args: options.args ?? [] } },
    });
    current = browser;
    return {
      browser,
      dataDir,
      async close() {
        if (current === browser) current = null;
        try {
          await browser.deleteSession();
        } catch {
          /* the session may already be gone */
        }
        killGroup();
      },
    };
  } catch (err) {
    killGroup();
    throw err;
  }
}

/**
 * The file's window: started before its first test, waited for until it has painted its frame
 * (the status bar names the version, so IPC answered too), closed after the last test.
 * `app.browser` is the WebDriver client.
 * @param {Parameters<typeof startSession>[0]} options
 */
export function useApp(options = {}) {
  const handle = { browser: null, session: null };
  before(
    async () => {
      try {
        handle.session = await startSession(options);
        handle.browser = handle.session.browser;
        await waitForApp(handle.browser);
      } catch (err) {
        // Reported by the file's first test (and the others skipped), not as a hook failure
        // that marks every test failed.
        startFailure = err instanceof Error ? err : new Error(String(err));
        startFailure.message = `the window did not start: ${startFailure.message}`;
      }
    },
    { timeout: TIMEOUT.start * 2 + 60_000 },
  );
  after(async () => {
    await handle.session?.close();
  });
  return handle;
}

/** Waits until the window shows its frame: navigation drawn and the status bar naming the version. */
export async function waitForApp(browser) {
  await waitForText(browser.$(byTestId("status-bar")), /BotDeck \d+\.\d+\.\d+/, {
    timeout: TIMEOUT.start,
    what: "the window's status bar (the app's first paint)",
  });
  await browser.$(byTestId("nav-overview")).waitForDisplayed({ timeout: TIMEOUT.ui, timeoutMsg: "the navigation was not drawn" });
}

export const byTestId = (id) => `[data-testid="${id}"]`;

/** The window the running test file drives (set by `startSession`), for failure reports. */
let current = null;
/** Why the file's window did not start (set by `useApp`). */
let startFailure = null;
let startFailureReported = false;
/** The first failed step of this file's story, if any. */
let failedStep = null;

/**
 * What the window showed, in a few lines: which page, open dialogs, banners and status bar, the
 * start of its text. CI keeps only the end of the output, so a failure must say this itself.
 */
export async function describeWindow(browser) {
  try {
    return await browser.execute(() => {
      const squash = (t, n) => (t ?? "").replace(/\s+/g, " ").trim().slice(0, n);
      const page = document.querySelector('section[data-testid^="page-"]');
      const bars = [...document.querySelectorAll('[role="alert"], .fui-MessageBar')].map((b) => squash(b.textContent, 160));
      const dialogs = [...document.querySelectorAll('[role="dialog"], [role="alertdialog"]')].map(
        (d) => `${d.getAttribute("data-testid") ?? "(no test id)"}: ${squash(d.textContent, 200)}`,
      );
      return [
        `page: ${page?.getAttribute("data-testid") ?? "none (blank window?)"}`,
        `status bar: ${squash(document.querySelector('[data-testid="status-bar"]')?.textContent, 160)}`,
        ...dialogs.slice(0, 3).map((d) => `open dialog: ${d}`),
        ...bars.slice(0, 4).map((b) => `banner: ${b}`),
        `text: ${squash(page?.innerText ?? document.body?.innerText, 400)}`,
      ].join("\n");
    });
  } catch (err) {
    return `the window could not be read: ${err?.message ?? err}`;
  }
}

const OVERLAYS = '[role="dialog"], [role="alertdialog"], [role="menu"], [role="listbox"]';

async function overlaysOpen(browser) {
  return browser.execute(
    (sel) => [...document.querySelectorAll(sel)].filter((el) => el.getClientRects().length > 0).length,
    OVERLAYS,
  );
}

/**
 * Puts the window back in a known state after a failure: Escape closes dialogs, drawers and
 * menus (every dialog in BotDeck must close with it); if something is still open, a reload
 * does. The backend's state (who is signed in, the cache) stays as it was.
 */
export async function recover(browser) {
  try {
    for (let i = 0; i < 4 && (await overlaysOpen(browser)) > 0; i++) {
      await browser.keys("Escape");
      await browser.pause(400);
    }
    if ((await overlaysOpen(browser)) > 0) {
      await browser.refresh();
      await waitForApp(browser);
    }
  } catch {
    /* best effort: the failure itself is what the report must name */
  }
}

function fileSlug() {
  const file = process.argv.find((a) => a.endsWith(".test.mjs"));
  return file ? basename(file, ".test.mjs") : "e2e";
}

async function withEvidence(name, fn, t) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${TIMEOUT.test / 1000} s`)), TIMEOUT.test);
  });
  try {
    await Promise.race([fn(t), timeout]);
  } catch (err) {
    const browser = current;
    if (browser) {
      const slug = `${fileSlug()}-${name}`.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 80);
      await browser.saveScreenshot(join(artifacts, `FAILED-${slug}.png`)).catch(() => undefined);
      const seen = await describeWindow(browser);
      if (err instanceof Error) err.message += `\n--- the window showed ---\n${seen}`;
      await recover(browser);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Fails the file's first test with the start failure; true when the test should be skipped. */
function startGate(t) {
  if (!startFailure) return false;
  if (!startFailureReported) {
    startFailureReported = true;
    throw startFailure;
  }
  t.skip("the window did not start (see the file's first test)");
  return true;
}

/**
 * An independent check: runs whatever happened before it. Fails with evidence (screenshot and
 * what the window showed) and leaves the window with no dialog open.
 */
export function test(name, fn) {
  return nodeTest(name, async (t) => {
    if (startGate(t)) return;
    await withEvidence(name, fn, t);
  });
}

/**
 * A step of the file's story: it builds on the steps before it, so it is skipped, naming the
 * failed one, once an earlier step failed. Otherwise like `test`.
 */
export function step(name, fn) {
  return nodeTest(name, async (t) => {
    if (startGate(t)) return;
    if (failedStep) {
      t.skip(`an earlier step failed: "${failedStep}"`);
      return;
    }
    try {
      await withEvidence(name, fn, t);
    } catch (err) {
      failedStep = name;
      throw err;
    }
  });
}

// --- reading the window --------------------------------------------------------------------

/**
 * An element's text as a person reads it. innerText, not WebDriver's getText: WebKitWebDriver
 * answers "" for Fluent buttons, and for dialogs and drawers while they fade in. For a <select>,
 * the text of its options.
 */
export async function textOf(element) {
  try {
    // A <select>'s innerText is "" in WebKit: its options' text is what it offers.
    const property = (await element.getTagName()).toLowerCase() === "select" ? "textContent" : "innerText";
    return String((await element.getProperty(property)) ?? "").trim();
  } catch {
    return "";
  }
}

function matches(value, expected) {
  if (typeof expected === "function") return expected(value);
  if (expected instanceof RegExp) return expected.test(value ?? "");
  return value === expected;
}

/** Asks `condition` every 200 ms until it answers true; past `timeout` throws `message()`. */
async function poll(condition, timeout, message) {
  const deadline = Date.now() + timeout;
  for (;;) {
    let error = null;
    try {
      if (await condition()) return;
    } catch (err) {
      // The element went away between two WebDriver calls (a re-render): ask again.
      error = err;
    }
    if (Date.now() >= deadline) throw new Error(message() + (error ? ` (last error: ${error.message})` : ""));
    await new Promise((r) => setTimeout(r, 200));
  }
}

function describe(expected) {
  return typeof expected === "function" ? "the expected value" : String(expected);
}

/**
 * Waits until the element exists and its text matches (a string is compared exactly, a RegExp
 * searched, a function asked). Returns the text. The error says what the text was.
 */
export async function waitForText(element, expected, { timeout = TIMEOUT.ui, what = "text" } = {}) {
  let last = "";
  await poll(
    async () => {
      last = (await element.isExisting()) ? await textOf(element) : "(not shown)";
      return matches(last, expected);
    },
    timeout,
    () => `${what}: waited ${timeout / 1000} s for ${describe(expected)}, got ${JSON.stringify(last.slice(0, 300))}`,
  );
  return last;
}

/** Waits until the element's attribute matches (string exactly, RegExp, or function). Returns it. */
export async function waitForAttribute(element, name, expected, { timeout = TIMEOUT.ui, what = name } = {}) {
  let last = null;
  await poll(
    async () => {
      last = (await element.isExisting()) ? await element.getAttribute(name) : "(not shown)";
      return matches(last, expected);
    },
    timeout,
    () => `${what}: waited ${timeout / 1000} s for ${describe(expected)}, got ${JSON.stringify(last)}`,
  );
  return last;
}

// --- acting on the window ------------------------------------------------------------------

/**
 * Clicks once the element is shown and nothing covers it (a closing popup would take the click).
 * Fluent's checkboxes and radios are transparent <input>s laid over their drawn box, which
 * WebDriver never calls displayed: those are clicked once they exist and are enabled.
 */
export async function tap(element, timeout = TIMEOUT.ui) {
  await element.waitForExist({ timeout });
  const type = (await element.getTagName()).toLowerCase() === "input" ? await element.getAttribute("type") : null;
  if (type === "checkbox" || type === "radio") {
    await element.waitForEnabled({ timeout });
  } else {
    await element.waitForDisplayed({ timeout });
    await element.waitForClickable({ timeout });
  }
  await element.click();
}

/** Opens a page from the navigation and waits until it is shown. */
export async function openPage(browser, id) {
  await tap(browser.$(byTestId(`nav-${id}`)));
  await browser.$(byTestId(`page-${id}`)).waitForDisplayed({ timeout: TIMEOUT.ui, timeoutMsg: `the ${id} page did not open` });
}

/** Fluent dialogs fade in: waits until the surface is fully opaque, so its text and pictures are real. */
export async function dialogShown(browser, id) {
  const dialog = browser.$(byTestId(id));
  await dialog.waitForDisplayed({ timeout: TIMEOUT.ui, timeoutMsg: `${id} did not open` });
  await browser.waitUntil(
    async () => (await browser.execute((sel) => getComputedStyle(document.querySelector(sel) ?? document.body).opacity, byTestId(id))) === "1",
    { timeout: TIMEOUT.ui, timeoutMsg: `${id} did not finish opening` },
  );
  return dialog;
}

/** Empties a text field the way a person does, so React sees each change. */
export async function clearField(browser, id) {
  const field = browser.$(byTestId(id));
  const length = (await field.getValue()).length;
  await tap(field);
  await browser.keys("End");
  for (let i = 0; i < length; i++) await browser.keys("Backspace");
  await browser.waitUntil(async () => (await field.getValue()) === "", { timeout: TIMEOUT.ui, timeoutMsg: `${id} did not empty` });
}

/**
 * Chooses a local file in a file input. The input is hidden behind its button and
 * WebKitWebDriver only types into elements it can hit-test, so it is lifted on top for the
 * moment of the pick (the path is local: the driver runs on this machine).
 */
export async function pickFile(browser, testId, path) {
  const selector = byTestId(testId);
  const input = browser.$(selector);
  await input.waitForExist({ timeout: TIMEOUT.ui });
  await browser.execute((sel) => {
    const el = document.querySelector(sel);
    Object.assign(el.style, {
      display: "block",
      position: "fixed",
      top: "0",
      left: "0",
      width: "240px",
      height: "40px",
      opacity: "1",
      pointerEvents: "auto",
      zIndex: "100000",
    });
  }, selector);
  await input.setValue(path);
  await browser.execute((sel) => document.querySelector(sel)?.removeAttribute("style"), selector);
}

export async function screenshot(browser, name) {
  await browser.saveScreenshot(join(artifacts, `${name}.png`));
}

/** Switches the theme with the header button and waits until it took effect. */
export async function setTheme(browser, theme) {
  const root = browser.$(byTestId("app-root"));
  if ((await root.getAttribute("data-theme")) !== theme) await tap(browser.$(byTestId("theme-toggle")));
  await waitForAttribute(root, "data-theme", theme, { what: "the theme" });
}

// --- signing in to the demo tenant -----------------------------------------------------------

/**
 * Starts the open sign-in dialog's device-code flow and reads what it shows once it has painted
 * it: the user code and the verification URL (the cold-start failure this harness exists for
 * read the dialog before its text was there).
 */
export async function startDeviceCode(browser) {
  await tap(browser.$(byTestId("sign-in-start")));
  const userCode = await waitForText(browser.$(byTestId("device-code")), /^[A-Z0-9-]{6,}$/, { what: "the device code" });
  const dialogText = await waitForText(browser.$(byTestId("sign-in-dialog")), /https?:\/\/127\.0\.0\.1:\d+\S*/, {
    what: "the verification URL in the sign-in dialog",
  });
  const verification = dialogText.match(/https?:\/\/127\.0\.0\.1:\d+\S*/)[0];
  return { userCode, verification, origin: new URL(verification).origin };
}

/** Approves a user code through tenant-sim's control endpoint (the admin approving on Microsoft's page). */
export async function approveCode(origin, userCode) {
  const approved = await fetch(`${origin}/_sim/device-codes/approve`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user_code: userCode }),
  });
  assert.equal(approved.status, 200, await approved.text());
}

/**
 * Completes the open sign-in dialog: starts the device-code flow, approves the code and waits
 * for the dialog to close. Returns the simulator's origin, for tests that drive its other
 * `/_sim` controls (faults, clock).
 */
export async function approveDeviceCode(browser) {
  const { userCode, origin } = await startDeviceCode(browser);
  await approveCode(origin, userCode);
  await browser.$(byTestId("sign-in-dialog")).waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "the sign-in dialog stayed open after approval" });
  return origin;
}

/**
 * Signs in to the demo tenant from the profile menu and waits until the header names Megan
 * Bowen. Returns the simulator's origin.
 */
export async function signIn(browser) {
  await tap(browser.$(byTestId("profile-area")));
  await tap(browser.$(byTestId("menu-sign-in")));
  const origin = await approveDeviceCode(browser);
  await waitForText(browser.$(byTestId("profile-label")), /Megan Bowen · Contoso/, { what: "the signed-in profile" });
  return origin;
}
