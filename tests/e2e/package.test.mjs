// The Package page in the real window: open a zip through the file input (raw bytes over IPC),
// see the findings, fix the outline icon, bump past the catalog version, build to a folder.
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  byTestId,
  openPage,
  pickFile,
  scratchDir,
  screenshot,
  setTheme,
  step,
  tap,
  TIMEOUT,
  useApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";
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

const app = useApp();
/** The window (set once `useApp` has started it). */
let browser;

const errorCount = () => browser.$(byTestId("count-error"));
const errorsBecome = (n, what) => waitForAttribute(errorCount(), "data-count", String(n), { what });

step("a file that is not a zip is refused with the reason", async () => {
  browser = app.browser;
  await openPage(browser, "package");
  await browser.$(byTestId("package-open-panel")).waitForDisplayed({ timeout: TIMEOUT.ui });
  await pickFile(browser, "package-open-input", notAZip);
  const refusal = browser.$(byTestId("package-error"));
  await waitForText(refusal, /this file is not a zip archive \(or it is damaged\)/, { what: "the refusal" });
  // The zip reader's own words (end of central directory) never reach the admin.
  assert.doesNotMatch(await refusal.getText(), /EOCD/);
  assert.ok(await browser.$(byTestId("package-open-panel")).isExisting());
});

step("opening the package shows its findings", async () => {
  await pickFile(browser, "package-open-input", packagePath);
  await browser.$(byTestId("findings-panel")).waitForDisplayed({ timeout: TIMEOUT.ui });
  await waitForText(browser.$(byTestId("package-source")), "FlashDutyBot-v1.0.3.zip", { what: "the opened file" });
  await errorsBecome(2, "two errors (outline size and transparency)");
  assert.ok(await browser.$(byTestId("finding-BD-ICON-004")).isExisting(), "outline size finding");
  assert.ok(await browser.$(byTestId("finding-BD-ICON-005")).isExisting(), "outline transparency finding");
  await screenshot(browser, "package-findings");
  const form = browser.$(byTestId("manifest-form"));
  await form.scrollIntoView();
  assert.equal(await browser.$('[data-testid="field-/name/short"]').getValue(), "FlashDutyBot");
  await screenshot(browser, "package-manifest");
});

step("a finding leads to the outline icon, whose fix is previewed and applied", async () => {
  await tap(browser.$(byTestId("finding-BD-ICON-004")));
  const previewButton = browser.$(byTestId("icon-fix-preview-outline"));
  await previewButton.waitForExist({ timeout: TIMEOUT.ui });
  await browser.waitUntil(
    async () => (await browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "icon-fix-preview-outline",
    { timeout: TIMEOUT.ui, timeoutMsg: "the finding did not focus the outline icon's fix" },
  );
  await waitForText(browser.$(byTestId("icon-size-outline")), "48×48", { what: "the outline icon's size" });
  await tap(previewButton);
  await browser.$(byTestId("icon-fix-outline")).waitForDisplayed({ timeout: TIMEOUT.ui });
  await screenshot(browser, "package-icon-fix-preview");
  await tap(browser.$(byTestId("icon-fix-apply-outline")));
  await errorsBecome(0, "no errors left after the fix");
  await waitForText(browser.$(byTestId("icon-size-outline")), "32×32", { what: "the fixed outline icon's size" });
  await screenshot(browser, "package-icons");
});

step("the version is bumped past the catalog's and the zip is built into a folder", async () => {
  await tap(browser.$(byTestId("package-tab-release")));
  const catalog = browser.$(byTestId("catalog-version"));
  await catalog.waitForDisplayed({ timeout: TIMEOUT.ui });
  await catalog.setValue("1.0.3");
  await browser.keys(["Enter"]);
  await errorsBecome(1, "BD-VER-002 (not greater than the catalog)");
  assert.ok(await browser.$(byTestId("finding-BD-VER-002")).isExisting());

  await tap(browser.$(byTestId("bump-patch")));
  await waitForText(browser.$(byTestId("current-version")), "1.0.4", { what: "the bumped version" });
  await errorsBecome(0, "no errors after the bump");

  await browser.$(byTestId("build-directory")).setValue(work);
  await tap(browser.$(byTestId("build-button")));
  const built = join(work, "FlashDutyBot-v1.0.4.zip");
  await waitForText(browser.$(byTestId("build-path")), built, { what: "where the zip was built" });
  const bytes = readFileSync(built);
  assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK");
  assert.ok(statSync(built).size > 0);
  await screenshot(browser, "package-built");
  // The same page in the dark theme (checkerboards keep their fixed colours).
  await tap(browser.$(byTestId("package-tab-icons")));
  await setTheme(browser, "dark");
  await browser.$(byTestId("icon-card-outline")).scrollIntoView();
  await screenshot(browser, "package-icons-dark");
  await setTheme(browser, "light");
});
