import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, teamsLightTheme } from "@fluentui/react-components";
import type { Finding, PackageView } from "../ipc/package";

const { pkg } = vi.hoisted(() => ({
  pkg: {
    open: vi.fn(),
    openPath: vi.fn(),
    newApp: vi.fn(),
    current: vi.fn(),
    close: vi.fn(),
    edit: vi.fn(),
    setManifest: vi.fn(),
    setCatalogVersion: vi.fn(),
    bump: vi.fn(),
    iconFixPreview: vi.fn(),
    iconFix: vi.fn(),
    iconReplace: vi.fn(),
    build: vi.fn(),
    diff: vi.fn(),
  },
}));
vi.mock("../ipc/package", () => ({ packageIpc: pkg, MAX_UPLOAD_BYTES: 64 * 1024 * 1024 }));

import { PackagePage } from "./PackagePage";

const PNG = "data:image/png;base64,iVBORw0KGgo=";

function finding(code: string, severity: Finding["severity"], file: string, path: string, message: string): Finding {
  return { code, severity, file, path, message, hint: `fix for ${code}`, line: null, column: null };
}

function view(over: Partial<PackageView> = {}, findings: Finding[] = []): PackageView {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return {
    source: "FlashDutyBot-v1.0.3.zip",
    manifestText: '{\n  "version": "1.0.3"\n}\n',
    form: {
      manifestVersion: "1.30",
      version: "1.0.3",
      shortName: "FlashDutyBot",
      fullName: "FlashDutyBot for Microsoft Teams",
      shortDescription: "Alerts",
      fullDescription: "Alerts in Teams",
      developerName: "Flashcat",
      websiteUrl: "https://flashcat.cloud",
      privacyUrl: "https://flashcat.cloud/privacy",
      termsOfUseUrl: "https://flashcat.cloud/terms",
      accentColor: "#4464EE",
      botId: "00000000-0000-0000-0000-000000000000",
      botScopes: ["team", "groupChat", "personal"],
      commandLists: [
        { scopes: ["team"], commands: [{ title: "linkTeam", description: "linkTeam {ID} — link this team" }] },
        { scopes: ["groupChat"], commands: [{ title: "linkChat", description: "linkChat {ID} {ChatName}" }] },
      ],
      validDomains: ["alerts.flashcat.cloud"],
      rscPermissions: [],
      webApplicationId: null,
    },
    summary: {
      id: "5f3b0c0e-2f1e-4a55-9d4e-0b8f4b4a1c11",
      version: "1.0.3",
      manifestVersion: "1.30",
      name: "FlashDutyBot",
      fullName: null,
      developer: "Flashcat",
      botId: null,
      botScopes: [],
      isNotificationOnly: null,
      commands: [],
      webApplicationId: null,
      rscPermissions: [],
      validDomains: [],
      files: [
        { name: "manifest.json", size: 1200 },
        { name: "color.png", size: 3000 },
        { name: "outline.png", size: 400 },
      ],
      archiveSize: 4000,
    },
    report: { manifestVersion: "1.30", findings, errors: count("error"), warnings: count("warning"), infos: count("info") },
    colorIcon: { role: "color", file: "color.png", present: true, dataUrl: PNG, width: 192, height: 192, size: 3000, expectedSize: 192 },
    outlineIcon: { role: "outline", file: "outline.png", present: true, dataUrl: PNG, width: 48, height: 48, size: 400, expectedSize: 32 },
    catalogVersion: null,
    edited: false,
    defaultSaveDir: "/home/admin/Downloads",
    suggestedFileName: "FlashDutyBot-v1.0.3.zip",
    ...over,
  };
}

const broken = [
  finding("BD-ICON-004", "error", "outline.png", "", "the outline icon is 48x48; Teams wants 32x32"),
  finding("BD-ICON-005", "error", "outline.png", "", "pixel (0, 0) is neither white nor transparent"),
  finding("BD-DEV-001", "error", "manifest.json", "/developer/websiteUrl", "websiteUrl is not https"),
  finding("BD-SCHEMA-003", "warning", "manifest.json", "/$schema", "$schema names another version"),
];

function renderPage() {
  return render(
    <FluentProvider theme={teamsLightTheme}>
      <PackagePage />
    </FluentProvider>,
  );
}

async function openBroken() {
  const user = userEvent.setup({ pointerEventsCheck: 0 });
  pkg.open.mockResolvedValue(view({}, broken));
  renderPage();
  const input = await screen.findByTestId("package-open-input");
  const file = new File([new Uint8Array([0x50, 0x4b, 3, 4])], "FlashDutyBot-v1.0.3.zip", { type: "application/zip" });
  await user.upload(input, file);
  await screen.findByTestId("findings-panel");
  expect(pkg.open).toHaveBeenCalledWith(file);
  return user;
}

beforeEach(() => {
  for (const fn of Object.values(pkg)) fn.mockReset();
  pkg.current.mockResolvedValue(null);
  pkg.close.mockResolvedValue(null);
});

describe("package page", () => {
  it("starts with open / new, and creates a new bot app from the template", async () => {
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    pkg.newApp.mockResolvedValue(view({ source: "New bot app" }));
    renderPage();
    expect(await screen.findByTestId("package-open-panel")).toBeInTheDocument();
    expect(screen.getByTestId("new-create")).toBeDisabled();
    await user.type(screen.getByTestId("new-name"), "Alert Bot");
    await user.click(screen.getByTestId("new-create"));
    expect(pkg.newApp).toHaveBeenCalledWith({ name: "Alert Bot" });
    expect(await screen.findByTestId("package-source")).toHaveTextContent("New bot app");
    expect(screen.getByTestId("findings-none")).toBeInTheDocument();
  });

  it("shows the findings as coloured counts, grouped by severity, with hints", async () => {
    await openBroken();
    expect(screen.getByTestId("count-error")).toHaveAttribute("data-count", "3");
    expect(screen.getByTestId("count-warning")).toHaveAttribute("data-count", "1");
    expect(screen.getByTestId("count-info")).toHaveAttribute("data-count", "0");
    const errors = screen.getByTestId("findings-error");
    expect(within(errors).getAllByRole("button")).toHaveLength(3);
    expect(within(screen.getByTestId("findings-warning")).getByText("$schema names another version")).toBeInTheDocument();
    expect(screen.getByText("fix for BD-DEV-001")).toBeInTheDocument();
    expect(screen.getByTestId("package-version")).toHaveTextContent("1.0.3");
  });

  it("takes the admin from a finding to its field", async () => {
    const user = await openBroken();
    await user.click(screen.getByTestId("finding-BD-DEV-001"));
    const field = screen.getByTestId("field-/developer/websiteUrl");
    await waitFor(() => expect(field).toHaveFocus());
    // The field itself says what is wrong.
    expect(screen.getByText("BD-DEV-001: websiteUrl is not https")).toBeInTheDocument();
    // An icon finding opens the icons.
    await user.click(screen.getByTestId("finding-BD-ICON-004"));
    await waitFor(() => expect(screen.getByTestId("icon-fix-preview-outline")).toHaveFocus());
  });

  it("sends form edits by JSON Pointer and shows the re-validated package", async () => {
    const user = await openBroken();
    const fixed = broken.filter((f) => f.code !== "BD-DEV-001");
    pkg.edit.mockResolvedValue(view({ edited: true, form: { ...view().form!, websiteUrl: "https://flashcat.cloud" } }, fixed));
    const field = screen.getByTestId<HTMLInputElement>("field-/developer/websiteUrl");
    // The admin selects the old address and types over it in one go: with no pause between
    // keys (delay: null) the debounce cannot fire mid-word however slow the machine is, so the
    // check below is about debouncing, not about how fast this machine types.
    const typist = user.setup({ delay: null });
    await typist.type(field, "https://x.io", { initialSelectionStart: 0, initialSelectionEnd: field.value.length });
    await waitFor(() => expect(pkg.edit).toHaveBeenCalled());
    // Typing is debounced: one request for the whole word, not one per key.
    expect(pkg.edit).toHaveBeenCalledTimes(1);
    expect(pkg.edit).toHaveBeenCalledWith([{ pointer: "/developer/websiteUrl", value: "https://x.io" }]);
    await waitFor(() => expect(screen.getByTestId("count-error")).toHaveAttribute("data-count", "2"));
    expect(screen.getByTestId("package-edited")).toBeInTheDocument();
    // The focused field keeps what the admin typed.
    expect(field).toHaveValue("https://x.io");
  });

  it("removes an optional field when it is cleared and edits bot scopes as a list", async () => {
    const user = await openBroken();
    pkg.edit.mockResolvedValue(view({}, broken));
    const full = screen.getByTestId("field-/name/full");
    await user.clear(full);
    fireEvent.blur(full);
    await waitFor(() => expect(pkg.edit).toHaveBeenCalledWith([{ pointer: "/name/full", value: undefined }]));
    await user.click(screen.getByTestId("bot-scope-personal"));
    expect(pkg.edit).toHaveBeenLastCalledWith([{ pointer: "/bots/0/scopes", value: ["team", "groupChat"] }]);
  });

  it("previews the outline fix before and after, then applies it", async () => {
    const user = await openBroken();
    await user.click(screen.getByTestId("package-tab-icons"));
    // Real size, and the outline icon twice: on a dark and on a light checkerboard.
    expect(screen.getByTestId("icon-img-color")).toHaveAttribute("width", "192");
    expect(screen.getByTestId("icon-img-outline-dark")).toHaveAttribute("width", "48");
    expect(screen.getByTestId("icon-img-outline")).toBeInTheDocument();
    expect(screen.getByTestId("icon-size-outline")).toHaveTextContent("48×48");
    const preview = { role: "outline", beforeDataUrl: PNG, beforeWidth: 48, beforeHeight: 48, afterDataUrl: PNG, afterWidth: 32, afterHeight: 32 };
    pkg.iconFixPreview.mockResolvedValue(preview);
    await user.click(screen.getByTestId("icon-fix-preview-outline"));
    const box = await screen.findByTestId("icon-fix-outline");
    expect(within(box).getByText("before 48×48")).toBeInTheDocument();
    expect(within(box).getAllByText("after 32×32")).toHaveLength(2);
    const after = view({ edited: true, outlineIcon: { ...view().outlineIcon, width: 32, height: 32 } }, broken.slice(2));
    pkg.iconFix.mockResolvedValue({ preview, view: after });
    await user.click(within(box).getByTestId("icon-fix-apply-outline"));
    expect(pkg.iconFix).toHaveBeenCalledWith("outline");
    expect(await within(box).findByText("Applied")).toBeInTheDocument();
    expect(screen.getByTestId("icon-size-outline")).toHaveTextContent("32×32");
    expect(screen.getByTestId("count-error")).toHaveAttribute("data-count", "1");
  });

  it("replaces an icon from a picked image", async () => {
    const user = await openBroken();
    await user.click(screen.getByTestId("package-tab-icons"));
    const preview = { role: "color", beforeDataUrl: PNG, beforeWidth: 512, beforeHeight: 512, afterDataUrl: PNG, afterWidth: 192, afterHeight: 192 };
    pkg.iconReplace.mockResolvedValue({ preview, view: view({}, broken) });
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "logo.png", { type: "image/png" });
    await user.upload(screen.getByTestId("icon-replace-input-color"), png);
    expect(pkg.iconReplace).toHaveBeenCalledWith("color", png);
    expect(await screen.findByTestId("icon-fix-color")).toHaveTextContent("before 512×512");
  });

  it("bumps the version, checks the catalog version, and builds only without errors", async () => {
    const user = await openBroken();
    await user.click(screen.getByTestId("package-tab-release"));
    expect(screen.getByTestId("bump-patch")).toHaveTextContent("Patch → 1.0.4");
    expect(screen.getByTestId("bump-major")).toHaveTextContent("Major → 2.0.0");
    expect(screen.getByTestId("build-button")).toBeDisabled();
    expect(screen.getByTestId("build-blocked")).toHaveTextContent("Fix the 3 errors first");

    pkg.setCatalogVersion.mockResolvedValue(
      view({ catalogVersion: "1.0.3" }, [finding("BD-VER-002", "error", "manifest.json", "/version", "1.0.3 is not greater than 1.0.3")]),
    );
    await user.type(screen.getByTestId("catalog-version"), "1.0.3{Enter}");
    expect(pkg.setCatalogVersion).toHaveBeenCalledWith("1.0.3");
    await waitFor(() => expect(screen.getByTestId("count-error")).toHaveAttribute("data-count", "1"));
    expect(within(screen.getByTestId("version-card")).getByText("1.0.3 is not greater than 1.0.3")).toBeInTheDocument();

    const bumped = view({ catalogVersion: "1.0.3", form: { ...view().form!, version: "1.0.4" }, suggestedFileName: "FlashDutyBot-v1.0.4.zip" });
    pkg.bump.mockResolvedValue(bumped);
    await user.click(screen.getByTestId("bump-patch"));
    expect(pkg.bump).toHaveBeenCalledWith("patch");
    await waitFor(() => expect(screen.getByTestId("current-version")).toHaveTextContent("1.0.4"));
    expect(screen.getByTestId("build-button")).toBeEnabled();

    pkg.build.mockResolvedValue({ path: "/tmp/out/FlashDutyBot-v1.0.4.zip", fileName: "FlashDutyBot-v1.0.4.zip", size: 5120, unchanged: false });
    await user.type(screen.getByTestId("build-directory"), "/tmp/out");
    await user.click(screen.getByTestId("build-button"));
    expect(pkg.build).toHaveBeenCalledWith("/tmp/out", null);
    expect(await screen.findByTestId("build-path")).toHaveTextContent("/tmp/out/FlashDutyBot-v1.0.4.zip");
    expect(screen.getByTestId("build-result")).toHaveTextContent("5.0 KB");
  });

  it("flags re-consent changes prominently in the diff", async () => {
    const user = await openBroken();
    await user.click(screen.getByTestId("package-tab-compare"));
    pkg.diff.mockResolvedValue({
      other: "FlashDutyBot-v1.0.2.zip",
      diff: {
        entries: [
          { path: "/version", kind: "changed", old: "1.0.2", new: "1.0.3", reconsent: null },
          { path: "/bots/0/botId", kind: "changed", old: "a", new: "b", reconsent: "a new bot identity: users and teams must add it again" },
        ],
        files: [{ name: "outline.png", kind: "changed", oldSize: 300, newSize: 400 }],
        reconsentRequired: true,
      },
    });
    const old = new File([new Uint8Array([0x50, 0x4b])], "FlashDutyBot-v1.0.2.zip");
    await user.upload(screen.getByTestId("diff-input"), old);
    expect(pkg.diff).toHaveBeenCalledWith(old);
    const banner = await screen.findByTestId("diff-reconsent");
    expect(banner).toHaveTextContent("consent again");
    expect(banner).toHaveTextContent("/bots/0/botId");
    const rows = screen.getAllByTestId(/^diff-entry-/);
    // Re-consent first.
    expect(rows[0]).toHaveAttribute("data-testid", "diff-entry-/bots/0/botId");
    expect(within(rows[0]!).getByText("re-consent")).toBeInTheDocument();
  });

  it("edits the JSON text and shows a syntax error where it is", async () => {
    const user = await openBroken();
    const syntax = { ...finding("BD-JSON-003", "error", "manifest.json", "", "expected value"), line: 2, column: 14 };
    pkg.setManifest.mockResolvedValue(view({ form: null, manifestText: '{\n  "version": \n}' }, [syntax]));
    const text = screen.getByTestId("manifest-json");
    await user.clear(text);
    await user.type(text, "{{");
    await act(async () => {
      fireEvent.blur(text);
    });
    expect(pkg.setManifest).toHaveBeenCalledWith("{");
    expect(await screen.findByTestId("form-unavailable")).toBeInTheDocument();
    expect(screen.getByText(/BD-JSON-003: expected value \(line 2, column 14\)/)).toBeInTheDocument();
  });

  it("says why an open failed and stays usable", async () => {
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    pkg.open.mockRejectedValue({ code: "invalid_input", message: 'unsafe entry path "../../evil.sh" in the archive', retryable: false });
    renderPage();
    await user.upload(await screen.findByTestId("package-open-input"), new File(["x"], "evil.zip"));
    expect(await screen.findByTestId("package-error")).toHaveTextContent("unsafe entry path");
    expect(screen.getByTestId("package-open-panel")).toBeInTheDocument();
  });

  it("restores the package still open in the app and closes it", async () => {
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    pkg.current.mockResolvedValue(view({ edited: true }));
    renderPage();
    expect(await screen.findByTestId("package-edited")).toBeInTheDocument();
    await user.click(screen.getByTestId("package-close"));
    expect(pkg.close).toHaveBeenCalled();
    expect(await screen.findByTestId("package-open-panel")).toBeInTheDocument();
  });
});
