// Starts tauri-driver in its own process group, opens a WebDriver session on the real BotDeck
// binary, and tears everything down — the whole group — whatever happens. Leftover WebKit
// processes would otherwise hold CI's pipes open.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { test as nodeTest } from "node:test";
import { remote } from "webdriverio";

const app = process.env.BOTDECK_E2E_APP;
const driverBin = process.env.BOTDECK_E2E_DRIVER;
export const artifacts = process.env.BOTDECK_E2E_ARTIFACTS ?? "target/e2e-artifacts";

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
 * @param {{ args?: string[], env?: Record<string,string>, dataDir?: string }} options
 */
export async function startSession(options = {}) {
  if (!app || !driverBin) throw new Error("run through tests/e2e/run.sh");
  const port = await freePort();
  const nativePort = await freePort();
  const dataDir = options.dataDir ?? scratchDir("botdeck-e2e-");
  mkdirSync(artifacts, { recursive: true });

  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    detached: true, // own process group: killed as a whole below
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      BOTDECK_DATA_DIR: join(dataDir, "data"),
      BOTDECK_LOG_DIR: join(dataDir, "logs"),
      ...options.env,
    },
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
    await waitForPort(port, 15000);
    // Something else answering on the port is not our driver.
    if (driverExit) throw new Error(driverExit);
    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      connectionRetryTimeout: 60000,
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

export const byTestId = (id) => `[data-testid="${id}"]`;

/** The window the running test file drives (set by `startSession`), for failure reports. */
let current = null;

/**
 * What the window showed, in a few lines: which page, its banners and status bar, the start of
 * its text. CI keeps only the end of the output, so a failure must say this itself.
 */
export async function describeWindow(browser) {
  try {
    return await browser.execute(() => {
      const squash = (t, n) => (t ?? "").replace(/\s+/g, " ").trim().slice(0, n);
      const page = document.querySelector('section[data-testid^="page-"]');
      const bars = [...document.querySelectorAll('[role="alert"], .fui-MessageBar')].map((b) => squash(b.textContent, 160));
      return [
        `page: ${page?.getAttribute("data-testid") ?? "none (blank window?)"}`,
        `status bar: ${squash(document.querySelector('[data-testid="status-bar"]')?.textContent, 160)}`,
        ...bars.slice(0, 4).map((b) => `banner: ${b}`),
        `text: ${squash(page?.innerText ?? document.body?.innerText, 400)}`,
      ].join("\n");
    });
  } catch (err) {
    return `the window could not be read: ${err?.message ?? err}`;
  }
}

/**
 * node:test's `test`, plus evidence when it fails: a screenshot (`FAILED-<name>.png`) and what
 * the window showed, added to the error's message.
 */
export function test(name, fn) {
  return nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      const browser = current;
      if (browser) {
        const slug = name.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60);
        await browser.saveScreenshot(join(artifacts, `FAILED-${slug}.png`)).catch(() => undefined);
        const seen = await describeWindow(browser);
        if (err instanceof Error) err.message += `\n--- the window showed ---\n${seen}`;
      }
      throw err;
    }
  });
}

/** Clicks once nothing covers the element (a closing popup or tooltip would take the click). */
export async function tap(element, timeout = 10000) {
  await element.waitForClickable({ timeout });
  await element.click();
}

/** Opens a page from the navigation and waits until it is shown. */
export async function openPage(browser, id) {
  await tap(browser.$(byTestId(`nav-${id}`)));
  await browser.$(byTestId(`page-${id}`)).waitForDisplayed({ timeout: 10000, timeoutMsg: `the ${id} page did not open` });
}

export async function screenshot(browser, name) {
  await browser.saveScreenshot(join(artifacts, `${name}.png`));
}

/**
 * Starts the open sign-in dialog's device-code flow and approves the code through tenant-sim's
 * control endpoint, standing in for the admin approving on Microsoft's page. Returns the
 * simulator's origin, for tests that drive its other `/_sim` controls (faults, clock).
 */
export async function approveDeviceCode(browser) {
  await browser.$(byTestId("sign-in-start")).click();
  const codeBox = browser.$(byTestId("device-code"));
  await codeBox.waitForExist({ timeout: 15000 });
  const userCode = (await codeBox.getText()).trim();
  const dialogText = await browser.$(byTestId("sign-in-dialog")).getText();
  const verification = dialogText.match(/https?:\/\/127\.0\.0\.1:\d+\S*/)?.[0];
  assert.ok(verification, `verification URL in: ${dialogText}`);
  const approved = await fetch(`${new URL(verification).origin}/_sim/device-codes/approve`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user_code: userCode }),
  });
  assert.equal(approved.status, 200, await approved.text());
  await browser.$(byTestId("sign-in-dialog")).waitForExist({ reverse: true, timeout: 30000 });
  return new URL(verification).origin;
}
