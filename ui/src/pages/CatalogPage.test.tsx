import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
vi.mock("../ipc/catalog", () => ({
  catalogIpc: { list: vi.fn(), publish: vi.fn(), update: vi.fn(), review: vi.fn(), withdraw: vi.fn(), remove: vi.fn() },
}));

import { CatalogPage } from "./CatalogPage";
import { SessionProvider } from "../session";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession } from "../test/fixtures";
import { catalogIpc, type CatalogView } from "../ipc/catalog";

const m = vi.mocked(catalogIpc);

const view: CatalogView = {
  live: true,
  localPackage: { manifestId: "ext-1", version: "1.0.3", name: "FlashDuty" },
  apps: [
    {
      app: {
        id: "cat-1",
        externalId: "ext-1",
        displayName: "FlashDuty",
        distributionMethod: "organization",
        definitions: [
          { id: "d1", version: "1.0.1", publishingState: "published", displayName: "FlashDuty", lastModified: null, requiredRsc: [] },
          { id: "d2", version: "1.0.2", publishingState: "submitted", displayName: "FlashDuty", lastModified: null, requiredRsc: [] },
        ],
      },
      publishedVersion: "1.0.1",
      currentVersion: "1.0.2",
      visibilityWarnings: ["version 1.0.2 is waiting for review (submitted); it is not visible to users yet"],
      update: {
        catalogVersion: "1.0.1",
        localVersion: "1.0.3",
        catalogUpdateAvailable: true,
        installsBehind: 5,
        installsCurrent: 7,
        warnings: [],
      },
    },
    {
      app: { id: "cat-2", externalId: "ext-2", displayName: "Expense Tracker", distributionMethod: "organization", definitions: [] },
      publishedVersion: null,
      currentVersion: null,
      visibilityWarnings: [],
      update: { catalogVersion: null, localVersion: null, catalogUpdateAvailable: false, installsBehind: 0, installsCurrent: 0, warnings: [] },
    },
  ],
};

function renderPage() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <CatalogPage />
      </SessionProvider>
    </FluentProvider>,
  );
}

beforeEach(() => {
  resetIpcMock();
  ipc.getSession.mockResolvedValue(signedInSession);
  for (const fn of Object.values(m)) fn.mockReset();
  m.list.mockResolvedValue(view);
  m.review.mockResolvedValue(view.apps[0]!.app);
  m.remove.mockResolvedValue(null);
});

describe("Catalog page", () => {
  it("shows each definition's state, the visibility warning and what can be updated; finds by name", async () => {
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByTestId("catalog-app-ext-1");
    expect(within(card).getByTestId("definition-1.0.2")).toHaveAttribute("data-state", "submitted");
    expect(within(card).getByTestId("catalog-visibility-warning")).toHaveTextContent("waiting for review");
    expect(within(card).getByTestId("catalog-update-status")).toHaveTextContent("local package 1.0.3: update available");
    expect(within(card).getByTestId("catalog-update-status")).toHaveTextContent("5 installation(s) behind");
    await user.type(screen.getByTestId("catalog-search"), "expense");
    expect(screen.queryByTestId("catalog-app-ext-1")).not.toBeInTheDocument();
    expect(screen.getByTestId("catalog-app-ext-2")).toBeInTheDocument();
  });

  it("approves a submitted definition and deletes only after confirmation", async () => {
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByTestId("catalog-app-ext-1");
    await user.click(within(card).getByTestId("catalog-approve"));
    expect(m.review).toHaveBeenCalledWith("cat-1", "d2", true);
    await user.click(within(card).getByTestId("catalog-delete"));
    expect(await screen.findByTestId("catalog-delete-dialog")).toBeInTheDocument();
    expect(m.remove).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("catalog-delete-confirm"));
    await waitFor(() => expect(m.remove).toHaveBeenCalledWith("cat-1"));
  });

  it("offers an update when the manifest id is already there, and shows Graph's manifest findings", async () => {
    const user = userEvent.setup();
    m.publish.mockResolvedValueOnce({
      outcome: null,
      refused: { kind: "already_in_catalog", message: "FlashDuty is already in the catalog at 1.0.2", findings: [], catalogId: "cat-1", version: "1.0.2", requestId: null },
    });
    m.update.mockResolvedValueOnce({
      outcome: null,
      refused: {
        kind: "manifest_rejected",
        message: "Microsoft's catalog refused the manifest (1 problem(s))",
        findings: [{ code: "graph.InvalidVersion", severity: "error", file: "manifest.json", path: "/version", message: "Version is invalid", hint: "", line: null, column: null }],
        catalogId: null,
        version: null,
        requestId: "req-9",
      },
    });
    renderPage();
    await screen.findByTestId("catalog-app-ext-1");
    const file = new File([new Uint8Array([0x50, 0x4b, 3, 4])], "FlashDuty-v1.0.3.zip", { type: "application/zip" });
    await user.upload(screen.getByTestId("catalog-file"), file);
    await user.click(screen.getByTestId("catalog-publish-send"));
    expect(m.publish).toHaveBeenCalledWith(file, { review: false });
    expect(await screen.findByTestId("catalog-refused")).toHaveAttribute("data-kind", "already_in_catalog");
    await user.click(screen.getByTestId("catalog-update-instead"));
    expect(m.update).toHaveBeenCalledWith("cat-1", file, { review: false });
    const findings = await screen.findByTestId("catalog-findings");
    expect(findings).toHaveTextContent("Version is invalid");
    expect(findings).toHaveTextContent("graph.InvalidVersion at manifest.json/version");
    expect(screen.getByTestId("catalog-refused")).toHaveTextContent("request-id req-9");
  });

  it("asks to sign in again for publishing when consent is missing", async () => {
    const user = userEvent.setup();
    m.review.mockRejectedValueOnce({ code: "consent_required", message: "sign in again to grant AppCatalog.ReadWrite.All", retryable: false, link: null });
    ipc.signInDeviceCode.mockImplementation(() => new Promise(() => {}));
    renderPage();
    const card = await screen.findByTestId("catalog-app-ext-1");
    await user.click(within(card).getByTestId("catalog-reject"));
    expect(await screen.findByTestId("consent-needed")).toHaveTextContent("Sign in again to allow publishing");
    await user.click(screen.getByTestId("consent-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "publish", expect.any(Function));
  });
});
