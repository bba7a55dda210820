// The Package page in the real window: open a zip through the file input (raw bytes over IPC),
// see the findings, fix the outline icon, bump past the catalog version, build to a folder.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { byTestId, scratchDir, screenshot, startSession, openPage, test } from "./harness.mjs";
import { png, zip } from "./zipkit.mjs";

// --- A package built here (zipkit.mjs), so the test owns every byte of it. ----------------

const manifest = {
  $schema: "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json",
  manifestVersion: "1.30",
  version: "1.0.3",
  id: "5f3b0c0e-2f1e-4a55-9d4e-0b8f4b4a1c11",
  developer: {
    name: "Flashcat",
    websiteUrl: "https://flashcat.example.com",
    privacyUrl: "https://flashcat.example.com/privacy",
    termsOfUseUrl: "https://flashcat.example.com/terms",
  },
  name: { short: "FlashDutyBot", full: "FlashDutyBot for Microsoft Teams" },
  description: {
    short: "Alert notifications and on-call actions in Teams.",
    full: "FlashDutyBot posts alerts to the channels, group chats and personal chats linked to your integrations.",
  },
  icons: { color: "color.png", outline: "outline.png" },
  accentColor: "#4464EE",
  bots: [
    {
      botId: "6f1b6e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      scopes: ["team", "groupChat", "personal"],
      isNotificationOnly: false,
      commandLists: [
        { scopes: ["team"], commands: [{ title: "linkTeam", description: "linkTeam {ID} — link this team's General channel to integration {ID}" }] },
        { scopes: ["groupChat"], commands: [{ title: "linkChat", description: "linkChat {ID} {ChatName} — link this group chat to integration {ID}" }] },
        { scopes: ["personal"], commands: [{ title: "linkUser", description: "linkUser — link your Teams account to your account on the service" }] },
      ],
    },
  ],
  validDomains: ["flashcat.example.com"],
};

const work = scratchDir("botdeck-e2e-package-");
const packagePath = join(work, "FlashDutyBot-v1.0.3.zip");
// The outline icon is the designer's coloured export: 48x48, a red disc on opaque white.
writeFileSync(
  packagePath,
  zip([
    ["manifest.json", Buffer.from(JSON.stringify(manifest, null, 2))],
    ["color.png", png(192, () => [0x44, 0x64, 0xee, 255])],
    // A red bell-ish disc on an opaque white background.
    ["outline.png", png(48, (x, y) => (Math.hypot(x - 23.5, y - 23.5) < 16 ? [200, 30, 30, 255] : [255, 255, 255, 255]))],
  ]),
);
const notAZip = join(work, "notes.zip");
writeFileSync(notAZip, "this is not a zip archive");

// --- The window. -----------------------------------------------------------------------------

let session;
let browser;

before(async () => {
  session = await startSession();
  browser = session.browser;
  await browser.$(byTestId("nav-package")).waitForExist({ timeout: 30000 });
  await openPage(browser, "package");
  await browser.$(byTestId("package-open-panel")).waitForExist({ timeout: 10000 });
});

after(async () => {
  await session?.close();
});

async function pick(testId, path) {
  const input = browser.$(byTestId(testId));
  await input.waitForExist({ timeout: 5000 });
  // The input is visually hidden behind its button, and WebKitWebDriver only types into
  // elements it can hit-test: lift it on top for the moment of the pick. The path is local
  // (the driver runs on this machine), so no upload step is needed.
  const selector = byTestId(testId);
  await browser.execute((sel) => {
    const el = document.querySelector(sel);
    Object.assign(el.style, { position: "fixed", top: "0", left: "0", width: "240px", height: "40px", opacity: "1", pointerEvents: "auto", zIndex: "100000" });
  }, selector);
  await input.setValue(path);
  await browser.execute((sel) => document.querySelector(sel)?.removeAttribute("style"), selector);
}

async function errorCount() {
  return Number(await browser.$(byTestId("count-error")).getAttribute("data-count"));
}

test("a file that is not a zip is refused with the reason", async () => {
  await pick("package-open-input", notAZip);
  const err = browser.$(byTestId("package-error"));
  await err.waitForExist({ timeout: 10000 });
  assert.match(await err.getText(), /this file is not a zip archive \(or it is damaged\)/);
  assert.doesNotMatch(await err.getText(), /EOCD/);
  assert.ok(await browser.$(byTestId("package-open-panel")).isExisting());
});

test("opening the package shows its findings", async () => {
  await pick("package-open-input", packagePath);
  await browser.$(byTestId("findings-panel")).waitForExist({ timeout: 15000 });
  assert.equal(await browser.$(byTestId("package-source")).getText(), "FlashDutyBot-v1.0.3.zip");
  assert.ok(await browser.$(byTestId("finding-BD-ICON-004")).isExisting(), "outline size finding");
  assert.ok(await browser.$(byTestId("finding-BD-ICON-005")).isExisting(), "outline transparency finding");
  assert.equal(await errorCount(), 2);
  await screenshot(browser, "package-findings");
  const form = browser.$(byTestId("manifest-form"));
  await form.scrollIntoView();
  assert.equal(await browser.$('[data-testid="field-/name/short"]').getValue(), "FlashDutyBot");
  await screenshot(browser, "package-manifest");
});

test("a finding leads to the outline icon, whose fix is previewed and applied", async () => {
  await browser.$(byTestId("finding-BD-ICON-004")).click();
  const previewButton = browser.$(byTestId("icon-fix-preview-outline"));
  await previewButton.waitForExist({ timeout: 5000 });
  await browser.waitUntil(
    async () => (await browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "icon-fix-preview-outline",
    { timeout: 5000, timeoutMsg: "the finding did not focus the outline icon's fix" },
  );
  assert.equal(await browser.$(byTestId("icon-size-outline")).getText(), "48×48");
  await previewButton.click();
  await browser.$(byTestId("icon-fix-outline")).waitForExist({ timeout: 5000 });
  await screenshot(browser, "package-icon-fix-preview");
  await browser.$(byTestId("icon-fix-apply-outline")).click();
  await browser.waitUntil(async () => (await errorCount()) === 0, { timeout: 10000, timeoutMsg: "errors left after the fix" });
  assert.equal(await browser.$(byTestId("icon-size-outline")).getText(), "32×32");
  await screenshot(browser, "package-icons");
});

test("the version is bumped past the catalog's and the zip is built into a folder", async () => {
  await browser.$(byTestId("package-tab-release")).click();
  const catalog = browser.$(byTestId("catalog-version"));
  await catalog.waitForExist({ timeout: 5000 });
  await catalog.setValue("1.0.3");
  await browser.keys(["Enter"]);
  await browser.waitUntil(async () => (await errorCount()) === 1, { timeout: 10000, timeoutMsg: "no BD-VER-002" });
  assert.ok(await browser.$(byTestId("finding-BD-VER-002")).isExisting());

  await browser.$(byTestId("bump-patch")).click();
  await browser.waitUntil(async () => (await browser.$(byTestId("current-version")).getText()) === "1.0.4", { timeout: 10000 });
  await browser.waitUntil(async () => (await errorCount()) === 0, { timeout: 10000 });

  await browser.$(byTestId("build-directory")).setValue(work);
  await browser.$(byTestId("build-button")).click();
  const where = browser.$(byTestId("build-path"));
  await where.waitForExist({ timeout: 10000 });
  const built = join(work, "FlashDutyBot-v1.0.4.zip");
  assert.equal(await where.getText(), built);
  const bytes = readFileSync(built);
  assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK");
  assert.ok(statSync(built).size > 0);
  await screenshot(browser, "package-built");
  // The same page in the dark theme (checkerboards keep their fixed colours).
  await browser.$(byTestId("package-tab-icons")).click();
  await browser.$(byTestId("theme-toggle")).click();
  await browser.$(byTestId("icon-card-outline")).scrollIntoView();
  await screenshot(browser, "package-icons-dark");
  await browser.$(byTestId("theme-toggle")).click();
});
